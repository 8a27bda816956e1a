import Foundation
import Jinja

/// The repository table behind `handle_repos` and `cleanup_repos` (kolla's
/// `repos.yaml` merged with `--repos-yaml`), parsed once per run instead of on every call
/// as kolla does (it re-reads repos.yaml for each template), with the same output.
final class RepoTable: @unchecked Sendable {
    typealias Repo = [(String, YAMLValue)]
    private let defaultPath: String
    private let lock = NSLock()
    private var cache: [String: [(String, [(String, Repo)])]] = [:]

    init(defaultPath: String) {
        self.defaultPath = defaultPath
    }

    /// Sections of the table, with `override` merged per section (whole repos replaced).
    private func load(_ override: String?) throws -> [(String, [(String, Repo)])] {
        let key = override ?? ""
        lock.lock()
        defer { lock.unlock() }
        if let c = cache[key] { return c }
        func read(_ path: String) throws -> [(String, [(String, Repo)])] {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw TemplateError(.valueError, "cannot read repository table \(path)")
            }
            let doc: YAMLValue
            do {
                doc = try YAMLLoader.load(bytes: [UInt8](data))
            } catch {
                throw TemplateError(.valueError, "\(path):\(error.line): \(error.message)")
            }
            return doc.pairs.map { ($0.0, $0.1.pairs.map { ($0.0, $0.1.pairs) }) }
        }
        var data = try read(defaultPath)
        if let override {
            for (section, repos) in try read(override) {
                if let i = data.firstIndex(where: { $0.0 == section }) {
                    for (name, repo) in repos {
                        if let j = data[i].1.firstIndex(where: { $0.0 == name }) { data[i].1[j].1 = repo } else { data[i].1.append((name, repo)) }
                    }
                } else {
                    data.append((section, repos))
                }
            }
        }
        cache[key] = data
        return data
    }

    /// kolla's `_build_repo_list`: sections `<pkg type>`, `<distro>`, `<distro>-<arch>`
    /// flattened; a repo seen again is merged and loses `distro` when it gains a URL.
    private func repoList(_ data: [(String, [(String, Repo)])], _ c: RepoContext) -> [(String, Repo)] {
        var result: [(String, Repo)] = []
        for section in [c.packageType, c.distro, "\(c.distro)-\(c.arch)"] {
            for (name, info) in data.first(where: { $0.0 == section })?.1 ?? [] {
                if let i = result.firstIndex(where: { $0.0 == name }) {
                    var merged = result[i].1
                    for (k, v) in info {
                        if let j = merged.firstIndex(where: { $0.0 == k }) { merged[j].1 = v } else { merged.append((k, v)) }
                    }
                    if merged.contains(where: { ["baseurl", "metalink", "mirrorlist", "url"].contains($0.0) }) {
                        merged.removeAll { $0.0 == "distro" }
                    }
                    result[i].1 = merged
                } else {
                    result.append((name, info))
                }
            }
        }
        return result
    }

    private static func get(_ repo: Repo, _ key: String) -> YAMLValue? { repo.last { $0.0 == key }?.1 }

    /// Python truthiness of a YAML value (`distro: True`, `build_only: true`).
    private static func truthy(_ repo: Repo, _ key: String) -> Bool {
        get(repo, key)?.isTruthy ?? false
    }

    private static func str(_ repo: Repo, _ key: String) throws -> String {
        guard let v = get(repo, key) else { throw TemplateError(.keyError, "'\(key)'") }
        return v.pythonString
    }

    private static let backupDir = "/tmp/kolla-repos-backup"

    /// `handle_repos(names, mode)`.
    func handleRepos(_ names: [String], mode: String, context c: RepoContext) throws -> String {
        let data = try load(c.reposYAML)
        let list = repoList(data, c)
        let defaults = repoList(try load(nil), c)
        if c.packageType == "rpm", c.reposYAML != nil {
            let overridden = Set(
                list.filter { item in
                    !RepoTable.truthy(item.1, "distro") && RepoTable.truthy(defaults.first(where: { $0.0 == item.0 })?.1 ?? [], "distro")
                }.map(\.0))
            if !overridden.isEmpty {
                let groups = Set(overridden.compactMap { n in defaults.first { $0.0 == n }.flatMap { RepoTable.get($0.1, "file_group")?.string } })
                let stillDistro = list.filter {
                    RepoTable.truthy($0.1, "distro") && !overridden.contains($0.0)
                        && groups.contains(RepoTable.get($0.1, "file_group")?.string ?? "\u{0}")
                }.map(\.0).sorted()
                if !stillDistro.isEmpty {
                    throw TemplateError(
                        .valueError,
                        "Repositories \(pyList(overridden.sorted())) override distro-provided repos and will remove their .repo file. Repositories \(pyList(stillDistro)) are still using distro defaults and share the same file. Please also override them in your repos.yaml."
                    )
                }
            }
        }
        var commands = ""
        var backedUp = Set<String>()
        for (index, name) in names.enumerated() {
            guard let repo = list.first(where: { $0.0 == name })?.1 else {
                throw TemplateError(.keyError, pyRepr(name))
            }
            let isDistro = RepoTable.truthy(repo, "distro")
            let last = index == names.count - 1
            if c.packageType == "rpm" {
                if mode == "enable" {
                    if !isDistro {
                        let repoName = try RepoTable.str(repo, "name")
                        if RepoTable.truthy(repo, "build_only") {
                            let file = RepoTable.get(repo, "file_group")?.string
                                ?? defaults.first(where: { $0.0 == name }).flatMap { RepoTable.get($0.1, "file_group")?.string }
                                ?? "\(name).repo"
                            if backedUp.insert(file).inserted {
                                commands += "mkdir -p \(RepoTable.backupDir) && cp /etc/yum.repos.d/\(file) \(RepoTable.backupDir)/\(file) 2>/dev/null || true && touch \(RepoTable.backupDir)/\(file).enabled && "
                            }
                        }
                        let f = "/etc/yum.repos.d/\(name).repo"
                        commands += "grep -rlF '[\(repoName)]' /etc/yum.repos.d/ 2>/dev/null | xargs -r rm -f && "
                        commands += "echo '[\(repoName)]' >\(f) && echo 'name=\(repoName)' >>\(f) && echo 'enabled=1' >>\(f)"
                        if let g = RepoTable.get(repo, "gpgcheck"), g.isTruthy { commands += " && echo 'gpgcheck=\(g.pythonString)' >>\(f)" }
                        if let g = RepoTable.get(repo, "repo_gpgcheck"), g.isTruthy { commands += " && echo 'repo_gpgcheck=\(g.pythonString)' >>\(f)" }
                        guard ["baseurl", "metalink", "mirrorlist"].contains(where: { k in repo.contains { $0.0 == k } }) else {
                            throw TemplateError(.valueError, "Repository '\(name)' has no baseurl, metalink, or mirrorlist")
                        }
                        guard let keys = RepoTable.get(repo, "gpgkey")?.string else {
                            throw TemplateError(.valueError, "Repository '\(name)' has no gpgkey")
                        }
                        for (i, key) in pySplitLines(keys).enumerated() {
                            commands += i == 0 ? " && echo 'gpgkey=\(key)' >>\(f)" : " && echo '       \(key)' >>\(f)"
                        }
                        if let urls = RepoTable.get(repo, "baseurl")?.string {
                            for u in pySplitLines(urls) { commands += " && echo 'baseurl=\(u)' >>\(f)" }
                        } else if let m = RepoTable.get(repo, "metalink")?.string {
                            commands += " && echo 'metalink=\(m)' >>\(f)"
                        } else if let m = RepoTable.get(repo, "mirrorlist")?.string {
                            commands += " && echo 'mirrorlist=\(m)' >>\(f)"
                        }
                    } else {
                        commands += "dnf config-manager --enable \(try RepoTable.str(repo, "name")) || true"
                    }
                    if !last { commands += " && " }
                } else if mode == "disable" && isDistro {
                    commands += "dnf config-manager --disable \(try RepoTable.str(repo, "name")) || true"
                }
            } else if c.packageType == "deb" {
                if mode == "enable" && !isDistro {
                    let file = "/etc/apt/sources.list.d/\(name).sources"
                    if RepoTable.truthy(repo, "build_only"), backedUp.insert(file).inserted {
                        commands += "mkdir -p \(RepoTable.backupDir) && cp \(file) \(RepoTable.backupDir)/\(name).sources 2>/dev/null || true && touch \(RepoTable.backupDir)/\(name).enabled && "
                    }
                    let key = try RepoTable.str(repo, "gpg_key")
                    let signedBy = key.hasPrefix("/") ? key : "/etc/kolla/apt-keys/" + key
                    let suite = try RepoTable.str(repo, "suite").replacingOccurrences(
                        of: "{openstack_release_codename}", with: c.codename.lowercased())
                    commands += "echo 'Uris: \(try RepoTable.str(repo, "url"))' >\(file) && "
                    commands += "echo 'Components: \(try RepoTable.str(repo, "component"))' >>\(file) && "
                    commands += "echo 'Types: deb' >>\(file) && echo 'Suites: \(suite)' >>\(file) && "
                    commands += "echo 'Signed-By: \(signedBy)' >>\(file)"
                    if RepoTable.truthy(repo, "trusted") { commands += " && echo 'Trusted: yes' >>\(file)" }
                    if let arch = RepoTable.get(repo, "arch") { commands += " && echo 'Architectures: \(arch.pythonString)' >>\(file)" }
                    if !last { commands += " && " }
                }
            }
        }
        return commands.isEmpty ? "" : "RUN " + commands
    }

    /// `cleanup_repos()`: restore or remove every `build_only` repository.
    func cleanupRepos(context c: RepoContext) throws -> String {
        let list = repoList(try load(c.reposYAML), c)
        let defaults = repoList(try load(nil), c)
        var cmds: [String] = []
        var restored = Set<String>()
        let b = RepoTable.backupDir
        for (name, repo) in list where RepoTable.truthy(repo, "build_only") {
            if c.packageType == "rpm" && !RepoTable.truthy(repo, "distro") {
                let own = "\(name).repo"
                let group = RepoTable.get(repo, "file_group")?.string
                    ?? defaults.first(where: { $0.0 == name }).flatMap { RepoTable.get($0.1, "file_group")?.string } ?? own
                if group != own {
                    cmds.append("rm -f /etc/yum.repos.d/\(own)")
                    if !restored.insert(group).inserted { continue }
                }
                cmds.append("[ -f \(b)/\(group).enabled ] && ( mv \(b)/\(group) /etc/yum.repos.d/\(group) 2>/dev/null || rm -f /etc/yum.repos.d/\(group) ) || true")
            } else if c.packageType == "deb" && !RepoTable.truthy(repo, "distro") {
                cmds.append(
                    "[ -f \(b)/\(name).enabled ] && ( mv \(b)/\(name).sources /etc/apt/sources.list.d/\(name).sources 2>/dev/null || rm -f /etc/apt/sources.list.d/\(name).sources ) || true"
                )
            }
        }
        if cmds.isEmpty { return "" }
        cmds.append("rm -rf \(b)")
        return "RUN " + cmds.joined(separator: " \\\n    && ")
    }

    private func pyList(_ xs: [String]) -> String { "[" + xs.map(pyRepr).joined(separator: ", ") + "]" }

    private func pySplitLines(_ s: String) -> [String] {
        var lines = s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}

/// Python's `repr` of a string, for messages.
func pyRepr(_ s: String) -> String {
    Value.string(s).repr
}
