import Foundation

/// A user of the `users` template variable (`[<name>-user]` in kolla).
struct KollaUser: Equatable, Sendable {
    var uid: Int?
    var gid: Int?
    var group: String?
}

/// What a base distro implies when the options do not say (kolla's
/// `DEFAULT_BASE_TAGS`, `DISTRO_PRETTY_NAME` and package manager table).
struct DistroDefaults: Equatable, Sendable {
    var image: String
    var tag: String
    var prettyName: String?
    var packageManager: String
    var packageType: String
}

/// The built-in data kolla-build keeps in Python modules, kept by kolla-oci as data files
/// beside the image tree so that the same code serves kolla-oci's own `docker/` tree and,
/// with kolla 23's values exported by `tools/kolla-compat`, kolla's tree.
///
/// A data directory holds `docker/` (the image tree, with `base/`) and `data/` (or
/// `etc/kolla/data/`) with these YAML files (format: docs/DATA-FILES.md):
/// `defaults.yaml` (option defaults and the `distros` table), `profiles.yaml`,
/// `users.yaml`, `sources.yaml` (kolla's format), `unbuildable.yaml`, `repos.yaml`
/// (kolla's format).
struct Catalog: Sendable {
    let root: String
    let dockerDir: String
    let dataDir: String
    /// `[DEFAULT]` option defaults of this tree (e.g. `base: debian`).
    var defaults: [(String, String)] = []
    /// Extra template variables (`template_vars:` in defaults.yaml, e.g. `kolla_version`).
    var templateVars: [(String, String)] = []
    var distros: [String: DistroDefaults] = [:]
    var profiles: [(String, [String])] = []
    var users: [(String, KollaUser)] = []
    /// Source sections in file order: name → key → value (values keep `$var` references).
    var sources: [(String, [(String, OptionValue)])] = []
    var unbuildable: [(String, [String])] = []
    /// Path of the repository table for `handle_repos` (kolla's `repos.yaml`).
    var reposPath: String

    /// Loads the data directory `root`.
    init(root: String) throws {
        self.root = root
        dockerDir = (root as NSString).appendingPathComponent("docker")
        let fm = FileManager.default
        guard fm.fileExists(atPath: (dockerDir as NSString).appendingPathComponent("base")) else {
            throw ConfigError.dataFile(root, "not a kolla image tree: no docker/base directory")
        }
        let candidates = ["data", "etc/kolla/data"].map { (root as NSString).appendingPathComponent($0) }
        guard let data = candidates.first(where: { fm.fileExists(atPath: $0) }) else {
            throw ConfigError.dataFile(root, "no data/ (or etc/kolla/data/) directory with the data files")
        }
        dataDir = data
        reposPath = (data as NSString).appendingPathComponent("repos.yaml")

        let defaultsDoc = try Catalog.load(data, "defaults.yaml")
        for (k, v) in defaultsDoc["template_vars"]?.pairs ?? [] { templateVars.append((k, v.string ?? "")) }
        for (k, v) in defaultsDoc.pairs where k != "distros" && k != "template_vars" {
            defaults.append((k.replacingOccurrences(of: "-", with: "_"), try Catalog.text(v, data, "defaults.yaml", k)))
        }
        for (name, d) in defaultsDoc["distros"]?.pairs ?? [] {
            func field(_ key: String) throws -> String {
                guard let v = d[key]?.string else {
                    throw ConfigError.dataFile("\(data)/defaults.yaml", "distros.\(name) needs '\(key)'")
                }
                return v
            }
            distros[name] = DistroDefaults(
                image: try field("image"), tag: try field("tag"), prettyName: d["pretty_name"]?.string,
                packageManager: try field("package_manager"), packageType: try field("package_type"))
        }
        for (name, list) in try Catalog.load(data, "profiles.yaml").pairs {
            profiles.append((name, list.items.compactMap(\.string)))
        }
        for (name, u) in try Catalog.load(data, "users.yaml").pairs {
            users.append((name, KollaUser(uid: Catalog.integer(u["uid"]), gid: Catalog.integer(u["gid"]), group: u["group"]?.string ?? name)))
        }
        for (name, s) in try Catalog.load(data, "sources.yaml").pairs {
            var keys: [(String, OptionValue)] = []
            for (k, v) in s.pairs {
                switch k {
                case "sha256":
                    keys.append((k, .dict(v.pairs.map { .init(key: $0.0, value: $0.1.string ?? "") })))
                case "enabled":
                    keys.append((k, .bool(v.isTruthy)))
                default:
                    if let text = v.string { keys.append((k, .string(text))) }
                }
            }
            sources.append((name, keys))
        }
        for (key, list) in try Catalog.load(data, "unbuildable.yaml").pairs {
            unbuildable.append((key, list.items.compactMap(\.string)))
        }
        if !fm.fileExists(atPath: reposPath) {
            throw ConfigError.dataFile(reposPath, "missing repository table")
        }
    }

    private static func load(_ dir: String, _ file: String) throws -> YAMLValue {
        let path = (dir as NSString).appendingPathComponent(file)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError.dataFile(path, "cannot read data file")
        }
        do {
            return try YAMLLoader.load(bytes: [UInt8](data))
        } catch {
            throw ConfigError.syntax(path, error.line, error.message)
        }
    }

    /// A defaults.yaml value as option text (what it would be in kolla-build.conf).
    private static func text(_ node: YAMLValue, _ dir: String, _ file: String, _ key: String) throws -> String {
        switch node {
        case .bool(let b): return b ? "true" : "false"
        case .sequence(let items): return items.compactMap(\.string).joined(separator: ",")
        case .null: return ""
        case .mapping: return node.pairs.map { "\($0.0):\($0.1.string ?? "")" }.joined(separator: ",")
        default: return node.string ?? ""
        }
    }

    /// A uid or gid: an integer, or a string of digits.
    private static func integer(_ node: YAMLValue?) -> Int? {
        node?.int ?? node?.string.flatMap { Int($0) }
    }

    /// Finds the data directory kolla-oci ships with: `$KOLLA_OCI_DATA_DIR`, the source
    /// checkout the executable was built in, then the share directories.
    static func defaultRoot(executable: String) -> String? {
        let fm = FileManager.default
        func isTree(_ d: String) -> Bool { fm.fileExists(atPath: d + "/docker/base") }
        if let env = ProcessInfo.processInfo.environment["KOLLA_OCI_DATA_DIR"], isTree(env) { return env }
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            for candidate in [dir.path, dir.appendingPathComponent("share/kolla-oci").path] where isTree(candidate) {
                return candidate
            }
            dir.deleteLastPathComponent()
        }
        let home = fm.homeDirectoryForCurrentUser.path
        for d in ["/usr/local/share/kolla-oci", "/usr/share/kolla-oci", home + "/.local/share/kolla-oci"] where isTree(d) {
            return d
        }
        return nil
    }
}
