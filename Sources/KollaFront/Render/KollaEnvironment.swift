import Foundation
import Jinja

/// Kolla's template environment (`kolla/template/filters.py`, `methods.py`): the
/// `customizable` filter and the globals `debian_package_install`, `handle_repos`,
/// `cleanup_repos` and `raise_error`, bound to one run's repository table.
struct KollaEnvironment: Sendable {
    let repos: RepoTable

    var filters: [String: Filter] {
        ["customizable": { value, args, r in try KollaEnvironment.customizable(value, args, r) }]
    }

    var globals: [String: Value] {
        let repos = self.repos
        return [
            "debian_package_install": .object(
                NativeFunction("debian_package_install") { args, r in
                    let b = try args.bind(["packages", "clean_package_cache"], function: "debian_package_install")
                    guard let packages = b[0] else {
                        throw TemplateError(.typeError, "debian_package_install() missing 1 required positional argument: 'packages'")
                    }
                    let clean = b[1].map { !$0.isFalsy } ?? true
                    return .string(KollaEnvironment.debianPackageInstall(try r.iterate(packages).map(\.str), clean: clean))
                }),
            "handle_repos": .object(
                NativeFunction("handle_repos") { args, r in
                    let b = try args.bind(["reponames", "mode"], function: "handle_repos")
                    guard case .list(let names)? = b[0] else {
                        throw TemplateError(.typeError, "First argument should be a list of repositories")
                    }
                    return .string(
                        try repos.handleRepos(
                            names.items.map(\.str), mode: b[1]?.str ?? "", context: RepoContext(r)))
                }),
            "cleanup_repos": .object(
                NativeFunction("cleanup_repos") { _, r in .string(try repos.cleanupRepos(context: RepoContext(r))) }),
            "raise_error": .object(
                NativeFunction("raise_error") { args, _ in
                    throw TemplateError(.raisedError, args.positional.first?.str ?? "")
                }),
        ]
    }

    /// `customizable(list, call_type)`: `<image>_<type>_override` replaces the list;
    /// otherwise `_append` extends and `_remove` removes, in place (the list object is
    /// shared with the caller, as in Python).
    static func customizable(_ value: Value, _ args: Arguments, _ r: Renderer) throws -> Value {
        if value.isUndefined { return value }
        let b = try args.bind(["call_type"], function: "customizable")
        let callType = b[0]?.str ?? ""
        let imageName = r.contextValue("image_name")?.str ?? ""
        let key = imageName.replacingOccurrences(of: "-", with: "_") + "_" + callType + "_"
        if let override = r.contextValue(key + "override") { return override }
        guard case .list(let list) = value else {
            if r.contextValue(key + "append") != nil || r.contextValue(key + "remove") != nil {
                throw TemplateError(.typeError, "customizable needs a list, not '\(value.typeName)'")
            }
            return value
        }
        if let append = r.contextValue(key + "append") {
            list.items.append(contentsOf: try r.iterate(append))
        }
        if let remove = r.contextValue(key + "remove") {
            for item in try r.iterate(remove) {
                if let i = list.items.firstIndex(where: { pyEquals($0, item) }) { list.items.remove(at: i) }
            }
        }
        return value
    }

    /// `debian_package_install(packages, clean_package_cache=True)`.
    static func debianPackageInstall(_ packages: [String], clean: Bool) -> String {
        var cmds: [String] = []
        let urls = packages.filter { $0.hasPrefix("http") }
        let regular = packages.filter { !$0.hasPrefix("http") }
        if !regular.isEmpty {
            cmds.append("apt-get --error-on=any update")
            cmds.append("apt-get -y install --no-install-recommends " + regular.joined(separator: " "))
            if clean {
                cmds.append("apt-get clean")
                cmds.append("rm -rf /var/lib/apt/lists/*")
            }
        }
        for url in urls {
            let name = url.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? url
            cmds += ["curl --location \(url) -o \(name)", "dpkg -i \(name)", "rm -rf \(name)"]
        }
        return cmds.joined(separator: " && ")
    }
}

extension Value {
    /// Python truthiness without a renderer (no undefined involved).
    var isFalsy: Bool {
        switch self {
        case .undefined, .none: return true
        case .bool(let b): return !b
        case .int(let i): return i == 0
        case .float(let d): return d == 0
        case .string(let s): return s.isEmpty
        case .list(let l): return l.items.isEmpty
        case .tuple(let t): return t.isEmpty
        case .dict(let d): return d.count == 0
        case .object: return false
        }
    }
}

/// The render-context variables `handle_repos`/`cleanup_repos` read.
struct RepoContext {
    let reposYAML: String?
    let packageType: String
    let distro: String
    let arch: String
    let codename: String
    let imageName: String

    init(_ r: Renderer) {
        func s(_ name: String) -> String { r.contextValue(name).flatMap { $0.isUndefined ? nil : $0.str } ?? "" }
        let y = s("repos_yaml")
        reposYAML = y.isEmpty ? nil : y
        packageType = s("base_package_type")
        distro = s("base_distro")
        arch = s("base_arch")
        codename = s("openstack_release_codename")
        imageName = s("image_name")
    }
}
