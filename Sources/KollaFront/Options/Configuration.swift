import Foundation

/// Resolved configuration of one run, with kolla-build's (oslo.config's) precedence:
/// command line and the config files it names (the later in argv wins) >
/// `OS_DEFAULT__<OPT>` environment > config files found in the default places >
/// the data directory's defaults.yaml > derived defaults > option defaults.
struct Configuration: Sendable {
    /// `[DEFAULT]` options by dest.
    private(set) var values: [String: OptionValue] = [:]
    /// Where each non-default value came from (for messages).
    private(set) var origins: [String: String] = [:]
    /// Every config file section other than `[DEFAULT]`, with its entries.
    private(set) var sections: [(name: String, entries: [IniEntry])] = []
    /// Config file keys that name no option, as oslo.config ignores them (`file:line: ...`).
    private(set) var warnings: [String] = []
    let catalog: Catalog
    let regexes: [String]
    let configFiles: [String]

    subscript(dest: String) -> OptionValue { values[dest] ?? .none }

    /// Where a value came from (`file:line`, `command line`, `environment`), nil for defaults.
    func originOf(_ dest: String) -> String? { origins[dest] }

    func string(_ dest: String) -> String? {
        if case .string(let s) = self[dest] { return s }
        return nil
    }

    func bool(_ dest: String) -> Bool {
        if case .bool(let b) = self[dest] { return b }
        return false
    }

    func int(_ dest: String) -> Int {
        if case .int(let i) = self[dest] { return i }
        return 0
    }

    func list(_ dest: String) -> [String] {
        switch self[dest] {
        case .list(let l): return l
        case .string(let s): return [s]
        default: return []
        }
    }

    func multi(_ dest: String) -> [String] { list(dest) }

    func dict(_ dest: String) -> [OptionValue.KeyValue] {
        if case .dict(let d) = self[dest] { return d }
        return []
    }

    /// Resolves the configuration for `cli`, reading config files and the data directory.
    /// `environment` is the process environment; `home` the user's home directory;
    /// `executable` the running binary (to find the built-in data directory).
    init(cli: ParsedCommandLine, environment: [String: String], home: String, executable: String) throws {
        let files = try Configuration.readConfigFiles(cli: cli, home: home)
        configFiles = files.map(\.file.path)
        let fromFiles = try Configuration.collectFileValues(files)
        sections = fromFiles.sections
        warnings = fromFiles.warnings
        catalog = try Configuration.loadCatalog(cli: cli, fileValues: fromFiles.values, environment: environment, executable: executable)
        let dataDefaults = try Configuration.dataDefaults(catalog)
        regexes = Configuration.regexes(cli: cli, fileValues: fromFiles.values)
        try resolveOptions(cli: cli, fileValues: fromFiles.values, environment: environment, dataDefaults: dataDefaults)
        try deriveDefaults(dataDefaults: dataDefaults)
    }

    /// A value for an option from one source, with its place in the precedence order:
    /// the argv position of the `--config-file`/`--config-dir` (or option) it came from,
    /// -1 for config files found in the default places.
    private struct Candidate {
        let value: OptionValue
        let position: Int
        let origin: String
    }

    /// The config files to read, each with the argv position that named it (-1 for the
    /// default search). Explicit `--config-file`s disable the default file search, explicit
    /// `--config-dir`s the default directory search; a directory contributes its `*.conf` in
    /// name order.
    private static func readConfigFiles(cli: ParsedCommandLine, home: String) throws -> [(file: IniFile, position: Int)] {
        var files: [(file: IniFile, position: Int)] = []
        if cli.configFiles.isEmpty {
            for path in defaultConfigFiles(home: home) { files.append((try IniFile(path: path), -1)) }
        } else {
            for (path, pos) in cli.configFiles { files.append((try IniFile(path: path), pos)) }
        }
        let dirs: [(String, Int)] =
            cli.configDirs.isEmpty ? defaultConfigDirs(home: home).map { ($0, -1) } : cli.configDirs.map { ($0.path, $0.position) }
        for (dir, pos) in dirs {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else {
                if pos >= 0 { throw ConfigError.unreadable(dir) }
                continue
            }
            for name in names.sorted() where name.hasSuffix(".conf") {
                files.append((try IniFile(path: (dir as NSString).appendingPathComponent(name)), pos))
            }
        }
        return files
    }

    /// The `[DEFAULT]` values of the config files (the last file setting an option wins; a
    /// multi-valued option collects the values of the last position that sets it) and their
    /// other sections, validated and merged by name; unknown keys are left out with a
    /// warning naming file and line (oslo.config ignores them).
    private static func collectFileValues(
        _ files: [(file: IniFile, position: Int)]
    ) throws -> (values: [String: Candidate], sections: [(name: String, entries: [IniEntry])], warnings: [String]) {
        var fileValues: [String: Candidate] = [:]
        var multiFileValues: [String: (values: [String], position: Int, origin: String)] = [:]
        var sections: [(name: String, entries: [IniEntry])] = []
        var ignored: [String] = []
        for (file, pos) in files {
            for (name, entries) in file.sections {
                if name == "DEFAULT" {
                    for e in entries {
                        guard let spec = OptionRegistry.lookup(e.key), !spec.positional || spec.dest == "regex" else {
                            ignored.append(Configuration.unknownKeyWarning(e, name: e.key))
                            continue
                        }
                        let origin = "\(e.file):\(e.line)"
                        if spec.isMulti {
                            var m = multiFileValues[spec.dest] ?? ([], pos, origin)
                            if m.position != pos { m = ([], pos, origin) }
                            m.values.append(e.value)
                            multiFileValues[spec.dest] = m
                        } else {
                            fileValues[spec.dest] = Candidate(value: try spec.parse(e.value, source: origin), position: pos, origin: origin)
                        }
                    }
                } else {
                    let (known, unknown) = Configuration.splitUnknownKeys(name, entries)
                    ignored += unknown
                    try validateSection(name, known)
                    if let idx = sections.firstIndex(where: { $0.name == name }) {
                        sections[idx].entries += known
                    } else {
                        sections.append((name, known))
                    }
                }
            }
        }
        for (dest, m) in multiFileValues {
            fileValues[dest] = Candidate(value: .list(m.values), position: m.position, origin: m.origin)
        }
        return (fileValues, sections, ignored)
    }

    /// The data directory's catalog. The directory is itself an option: `--data-dir`, then
    /// `data_dir` in a config file, then `OS_DEFAULT__DATA_DIR`, then the built-in one.
    private static func loadCatalog(
        cli: ParsedCommandLine, fileValues: [String: Candidate], environment: [String: String], executable: String
    ) throws -> Catalog {
        var dataDir: String?
        if let s = cli.values("data_dir").last, case .string(let d) = s.value { dataDir = d }
        if dataDir == nil, case .string(let d)? = fileValues["data_dir"]?.value { dataDir = d }
        if dataDir == nil { dataDir = environment["OS_DEFAULT__DATA_DIR"] }
        guard let root = dataDir ?? Catalog.defaultRoot(executable: executable) else {
            throw ConfigError.dataFile(
                "kolla-oci", "Image dir can not be found: no docker/base under --data-dir or the built-in data directory")
        }
        return try Catalog(root: root)
    }

    /// defaults.yaml's option defaults, parsed as their options' types.
    private static func dataDefaults(_ catalog: Catalog) throws -> [String: OptionValue] {
        var dataDefaults: [String: OptionValue] = [:]
        for (key, text) in catalog.defaults {
            guard let spec = OptionRegistry.lookup(key) else {
                throw ConfigError.dataFile(catalog.dataDir + "/defaults.yaml", "unknown option '\(key)'")
            }
            dataDefaults[spec.dest] = try spec.parse(text, source: catalog.dataDir + "/defaults.yaml")
        }
        return dataDefaults
    }

    /// The positional image regexes: the command line's, else `regex` from the config files.
    private static func regexes(cli: ParsedCommandLine, fileValues: [String: Candidate]) -> [String] {
        if !cli.regexes.isEmpty { return cli.regexes }
        if case .list(let l)? = fileValues["regex"]?.value { return l }
        return []
    }

    /// Every option's value: the command line or an explicit config file (the later in argv
    /// wins), else the environment, else a default-located config file, else defaults.yaml,
    /// else the option's own default.
    private mutating func resolveOptions(
        cli: ParsedCommandLine, fileValues: [String: Candidate], environment: [String: String], dataDefaults: [String: OptionValue]
    ) throws {
        for spec in OptionRegistry.all where !spec.positional {
            let dest = spec.dest
            var best: Candidate?
            let cliSettings = cli.values(dest)
            if !cliSettings.isEmpty {
                let value: OptionValue =
                    spec.isMulti
                    ? .list(cliSettings.compactMap { if case .string(let s) = $0.value { return s } else { return nil } })
                    : cliSettings.last!.value
                best = Candidate(value: value, position: cliSettings.last!.position, origin: "command line")
            }
            if let f = fileValues[dest], best == nil || f.position > best!.position {
                best = f
            }
            if best == nil || best!.position < 0 {
                // The environment beats default config files, not the command line.
                if let env = environment["OS_DEFAULT__" + dest.uppercased()] {
                    let v = spec.isMulti ? OptionValue.list([env]) : try spec.parse(env, source: "environment OS_DEFAULT__\(dest.uppercased())")
                    if best == nil || best!.position < 0 { best = Candidate(value: v, position: -1, origin: "environment") }
                }
            }
            if let best {
                values[dest] = best.value
                origins[dest] = best.origin
            } else if let d = dataDefaults[dest] {
                values[dest] = d
            } else {
                values[dest] = spec.isMulti ? .list([]) : spec.defaultValue
            }
        }
    }

    /// kolla's derived defaults (its `set_default`: never beat a value that was set, here
    /// also not one defaults.yaml gives): base tag, tag, branches and Debian architecture
    /// from `--base` and the release; an empty `base_image` becomes the distro's image.
    private mutating func deriveDefaults(dataDefaults: [String: OptionValue]) throws {
        let base = string("base") ?? "rocky"
        guard let distro = catalog.distros[base] else {
            throw ConfigError.dataFile(catalog.dataDir + "/defaults.yaml", "no distros.\(base) entry for --base \(base)")
        }
        func derive(_ dest: String, _ value: OptionValue) {
            if origins[dest] == nil && dataDefaults[dest] == nil { values[dest] = value }
        }
        derive("base_tag", .string(distro.tag))
        let release = string("openstack_release") ?? ""
        derive("tag", .string("\(release)-\(base)-\(string("base_tag") ?? "")"))
        let branch = (release == "master" ? "" : "stable-") + release
        derive("openstack_branch", .string(branch))
        derive("openstack_branch_slashed", .string(branch.replacingOccurrences(of: "-", with: "/")))
        derive("debian_arch", .string(string("base_arch") == "aarch64" ? "arm64" : "amd64"))
        if (string("base_image") ?? "").isEmpty { values["base_image"] = .string(distro.image) }
    }

    /// oslo.config's default files for project `kolla`, prog `kolla-build`.
    static func defaultConfigFiles(home: String) -> [String] {
        let fm = FileManager.default
        var out: [String] = []
        for name in ["kolla.conf", "kolla-build.conf"] {
            for dir in [home + "/.kolla", home, "/etc/kolla", "/etc"] {
                let p = dir + "/" + name
                if fm.fileExists(atPath: p) {
                    out.append(p)
                    break
                }
            }
        }
        return out
    }

    static func defaultConfigDirs(home: String) -> [String] {
        let fm = FileManager.default
        var out: [String] = []
        for name in ["kolla.conf.d", "kolla-build.conf.d"] {
            for dir in [home + "/.kolla", home, "/etc/kolla", "/etc"] {
                let p = dir + "/" + name
                var isDir: ObjCBool = false
                if fm.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue {
                    out.append(p)
                    break
                }
            }
        }
        return out
    }

    /// Checks the values of a non-DEFAULT section's known keys.
    static func validateSection(_ name: String, _ entries: [IniEntry]) throws {
        if name == "profiles" { return }
        for e in entries {
            switch e.key {
            case "uid", "gid":
                // oslo.config's Integer reads an empty value as None.
                guard e.value.isEmpty || Int(e.value) != nil else {
                    throw ConfigError.badValue(source: "\(e.file):\(e.line)", option: "\(name).\(e.key)", value: e.value, reason: "expected an integer")
                }
            case "type":
                guard ["local", "git", "url"].contains(e.value) else {
                    throw ConfigError.badValue(source: "\(e.file):\(e.line)", option: "\(name).type", value: e.value, reason: "must be one of local, git, url")
                }
            case "enabled":
                guard ["true", "false", "yes", "no", "on", "off", "1", "0"].contains(e.value.lowercased()) else {
                    throw ConfigError.badValue(source: "\(e.file):\(e.line)", option: "\(name).enabled", value: e.value, reason: "expected a boolean")
                }
            default: break
            }
        }
    }

    // MARK: - sections

    /// The profiles: data-file profiles overridden/extended by `[profiles]`.
    var profiles: [(String, [String])] {
        var out = catalog.profiles
        for e in sections.first(where: { $0.name == "profiles" })?.entries ?? [] {
            let list = e.value.trimmingCharacters(in: .whitespaces).isEmpty
                ? [] : e.value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if let i = out.firstIndex(where: { $0.0 == e.key }) { out[i].1 = list } else { out.append((e.key, list)) }
        }
        return out
    }

    /// The `users` table: data users overridden/extended by `[<name>-user]` sections
    /// (see `Configuration.user(_:entries:)`).
    var users: [(String, KollaUser)] {
        var out = catalog.users
        for (name, entries) in sections where name.hasSuffix("-user") {
            let user = String(name.dropLast(5))
            let u = self.user(user, entries: entries)
            if let i = out.firstIndex(where: { $0.0 == user }) { out[i].1 = u } else { out.append((user, u)) }
        }
        return out
    }

    /// Every section name known from config files or source data (for plugin discovery).
    var allSectionNames: [String] {
        var names = catalog.sources.map(\.0)
        for (n, _) in sections where !names.contains(n) { names.append(n) }
        return names
    }

    /// A source section's effective key (config files over data), interpolated.
    func sourceValue(_ section: String, _ key: String) -> OptionValue? {
        if let e = sections.first(where: { $0.name == section })?.entries.last(where: { $0.key == key }) {
            switch key {
            case "enabled": return .bool(["true", "yes", "on", "1"].contains(e.value.lowercased()))
            case "sha256":
                return (try? OptionSpec("sha256", .dict, group: "", help: "").parse(interpolate(e.value, section: section), source: e.file))
            default: return .string(interpolate(e.value, section: section))
            }
        }
        guard let data = catalog.sources.first(where: { $0.0 == section })?.1.first(where: { $0.0 == key })?.1 else {
            return nil
        }
        if case .string(let s) = data { return .string(interpolate(s, section: section)) }
        return data
    }

    /// oslo.config interpolation: `$opt`, `${opt}`, `${group.opt}`, `$$`; names resolve in
    /// `section` first, then `[DEFAULT]`.
    func interpolate(_ text: String, section: String?) -> String {
        guard text.contains("$") else { return text }
        var out = ""
        var chars = Substring(text)
        while let c = chars.first {
            chars = chars.dropFirst()
            guard c == "$" else {
                out.append(c)
                continue
            }
            if chars.first == "$" {
                out.append("$")
                chars = chars.dropFirst()
                continue
            }
            var name: String
            if chars.first == "{", let close = chars.firstIndex(of: "}") {
                name = String(chars[chars.index(after: chars.startIndex)..<close])
                chars = chars[chars.index(after: close)...]
            } else {
                let n = chars.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                name = String(n)
                chars = chars.dropFirst(n.count)
            }
            var group = section
            if let dot = name.firstIndex(of: ".") {
                group = String(name[..<dot])
                name = String(name[name.index(after: dot)...])
            }
            if let group, group != "DEFAULT", let v = sourceRaw(group, name) {
                out += interpolate(v, section: group)
            } else if let v = values[name.replacingOccurrences(of: "-", with: "_")] {
                out += v == .none ? "" : v.sampleText
            } else {
                out += "$" + name
            }
        }
        return out
    }

    private func sourceRaw(_ section: String, _ key: String) -> String? {
        if let e = sections.first(where: { $0.name == section })?.entries.last(where: { $0.key == key }) { return e.value }
        if case .string(let s)? = catalog.sources.first(where: { $0.0 == section })?.1.first(where: { $0.0 == key })?.1 {
            return s
        }
        return nil
    }
}
