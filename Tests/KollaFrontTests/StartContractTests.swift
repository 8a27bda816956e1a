import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// kolla's start contract as the images implement it: `docker/base/set_configs.py`
/// (installed as /usr/local/bin/kolla_set_configs) run by python3 against a temporary
/// root. KOLLA_CONFIG_ROOT prefixes every absolute path the program touches, so the
/// configs below use the production paths (/var/lib/kolla/config_files/..., /etc/...).
@Suite struct StartContractTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let script = repoRoot + "/docker/base/set_configs.py"
    /// Debian's interpreter (what the images run) when present, else python3 on PATH.
    static let python: String = {
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") { return "/usr/bin/python3" }
        return "/usr/bin/env"
    }()
    static let isRoot = getuid() == 0
    static let hasYAML: Bool = {
        let args = python == "/usr/bin/env" ? ["python3", "-c", "import yaml"] : ["-c", "import yaml"]
        return (try? runTool(python, args))?.status == 0
    }()

    /// A temporary root with /var/lib/kolla/config_files.
    struct Root {
        let dir: TemporaryDirectory
        var path: String { dir.path }

        init() throws {
            dir = try TemporaryDirectory(prefix: "kolla-start")
            try mkdir("/var/lib/kolla/config_files")
        }

        func real(_ p: String) -> String { path + p }

        func mkdir(_ p: String) throws {
            try FileManager.default.createDirectory(atPath: real(p), withIntermediateDirectories: true)
        }

        func write(_ p: String, _ text: String) throws {
            try mkdir((p as NSString).deletingLastPathComponent)
            try text.write(toFile: real(p), atomically: false, encoding: .utf8)
        }

        func read(_ p: String) -> String? { try? String(contentsOfFile: real(p), encoding: .utf8) }

        func exists(_ p: String) -> Bool { FileManager.default.fileExists(atPath: real(p)) }

        func config(_ json: String) throws { try write("/var/lib/kolla/config_files/config.json", json) }

        func mode(_ p: String) -> Int {
            var st = stat()
            guard lstat(real(p), &st) == 0 else { return -1 }
            return Int(st.st_mode) & 0o7777
        }

        func owner(_ p: String) -> (uid: UInt32, gid: UInt32) {
            var st = stat()
            _ = lstat(real(p), &st)
            return (st.st_uid, st.st_gid)
        }

        func setMode(_ p: String, _ mode: Int) { _ = chmod(real(p), mode_t(mode)) }

        /// Runs kolla_set_configs (`--check` with check) under `strategy`.
        func run(strategy: String? = "COPY_ALWAYS", check: Bool = false, extra: [String: String] = [:]) throws -> ToolRun {
            var env = ["KOLLA_CONFIG_ROOT": path, "SUDO_UID": ""]
            env["KOLLA_CONFIG_STRATEGY"] = strategy ?? ""
            for (k, v) in extra { env[k] = v }
            var args = [StartContractTests.script] + (check ? ["--check"] : [])
            if StartContractTests.python == "/usr/bin/env" { args.insert("python3", at: 0) }
            return try runTool(StartContractTests.python, args, environment: env)
        }

        func remove() { try? dir.remove() }
    }

    /// The current user's and group's names: owners every test may set, root or not.
    static var me: String {
        let user = String(cString: getpwuid(getuid())!.pointee.pw_name)
        let group = String(cString: getgrgid(getgid())!.pointee.gr_name)
        return "\(user):\(group)"
    }

    @Test func copiesFilesWritesRunCommandAndKeepsDefaults() throws {
        let root = try Root()
        defer { root.remove() }
        try root.write("/var/lib/kolla/config_files/keystone.conf", "[DEFAULT]\ndebug = true\n")
        try root.write("/etc/keystone/keystone.conf", "image default\n")
        try root.config("""
        {"command": "keystone-manage --version",
         "config_files": [{"source": "/var/lib/kolla/config_files/keystone.conf",
                           "dest": "/etc/keystone/keystone.conf", "owner": "\(Self.me)", "perm": "0640"}]}
        """)
        let r = try root.run()
        #expect(r.status == 0, "\(r.stderr)")
        #expect(root.read("/etc/keystone/keystone.conf") == "[DEFAULT]\ndebug = true\n")
        #expect(root.mode("/etc/keystone/keystone.conf") == 0o640)
        #expect(root.read("/run_command") == "keystone-manage --version")
        #expect(root.mode("/run_command") == 0o644)
        // The image's file is saved, and the state records it under the production path.
        #expect(root.read("/etc/kolla/defaults/etc/keystone/keystone.conf") == "image default\n")
        let state = try JSONSerialization.jsonObject(with: Data(root.read("/etc/kolla/defaults/state")!.utf8)) as! [String: [String: Any]]
        #expect(state["/etc/keystone/keystone.conf"]?["dest"] as? String == "/etc/kolla/defaults/etc/keystone/keystone.conf")
        #expect(state["/etc/keystone/keystone.conf"]?["source"] as? String == "/etc/keystone/keystone.conf")

        // Dropped from config.json: the next run restores the image's file.
        try root.config(#"{"command": "true"}"#)
        let again = try root.run()
        #expect(again.status == 0, "\(again.stderr)")
        #expect(root.read("/etc/keystone/keystone.conf") == "image default\n")
        // ...however often the container restarts.
        for _ in 0..<2 { #expect(try root.run().status == 0) }
        #expect(root.read("/etc/keystone/keystone.conf") == "image default\n")
        #expect(root.read("/etc/kolla/defaults/etc/keystone/keystone.conf") == "image default\n")
    }

    @Test func aDestAbsentFromTheImageIsRemovedWhenDropped() throws {
        let root = try Root()
        defer { root.remove() }
        try root.write("/var/lib/kolla/config_files/extra.conf", "x\n")
        try root.config("""
        {"command": "true", "config_files": [{"source": "/var/lib/kolla/config_files/extra.conf",
          "dest": "/etc/svc/", "owner": "\(Self.me)", "perm": "0600"}]}
        """)
        #expect(try root.run().status == 0)
        #expect(root.read("/etc/svc/extra.conf") == "x\n")
        try root.config(#"{"command": "true"}"#)
        #expect(try root.run().status == 0)
        #expect(!root.exists("/etc/svc/extra.conf"))
    }

    @Test func copyOnceAppliesOnlyTheFirstTime() throws {
        let root = try Root()
        defer { root.remove() }
        try root.write("/var/lib/kolla/config_files/a.conf", "first\n")
        try root.config("""
        {"command": "svc --first", "config_files": [{"source": "/var/lib/kolla/config_files/a.conf",
          "dest": "/etc/svc/a.conf", "owner": "\(Self.me)", "perm": "0600"}]}
        """)
        let first = try root.run(strategy: "COPY_ONCE")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(root.read("/etc/svc/a.conf") == "first\n")
        #expect(root.exists("/configured"))

        try root.write("/var/lib/kolla/config_files/a.conf", "second\n")
        try root.config("""
        {"command": "svc --second", "config_files": [{"source": "/var/lib/kolla/config_files/a.conf",
          "dest": "/etc/svc/a.conf", "owner": "\(Self.me)", "perm": "0600"}]}
        """)
        let second = try root.run(strategy: "COPY_ONCE")
        #expect(second.status == 0)
        #expect(second.stderr.contains("ImmutableConfig"))
        #expect(root.read("/etc/svc/a.conf") == "first\n")
        #expect(root.read("/run_command") == "svc --first")

        // COPY_ALWAYS ignores /configured.
        #expect(try root.run(strategy: "COPY_ALWAYS").status == 0)
        #expect(root.read("/etc/svc/a.conf") == "second\n")
    }

    @Test func strategyMustBeSet() throws {
        let root = try Root()
        defer { root.remove() }
        try root.config(#"{"command": "true"}"#)
        for strategy in [nil, "COPY_SOMETIMES"] {
            let r = try root.run(strategy: strategy)
            #expect(r.status == 1)
            #expect(r.stderr.contains("InvalidConfig: KOLLA_CONFIG_STRATEGY is not set properly"))
        }
        #expect(!root.exists("/run_command"))
    }

    @Test func mergeKeepsWhatIsThereWithoutMergeTheDestIsReplaced() throws {
        let root = try Root()
        defer { root.remove() }
        try root.write("/var/lib/kolla/config_files/conf.d/new.conf", "new\n")
        try root.write("/var/lib/kolla/config_files/conf.d/sub/deep.conf", "deep\n")
        try root.write("/etc/svc/conf.d/old.conf", "old\n")
        try root.write("/etc/other/conf.d/old.conf", "old\n")
        try root.config("""
        {"command": "true", "config_files": [
          {"source": "/var/lib/kolla/config_files/conf.d", "dest": "/etc/svc/conf.d",
           "owner": "\(Self.me)", "perm": "0640", "merge": true},
          {"source": "/var/lib/kolla/config_files/conf.d", "dest": "/etc/other/conf.d",
           "owner": "\(Self.me)", "perm": "0640"}]}
        """)
        let r = try root.run()
        #expect(r.status == 0, "\(r.stderr)")
        #expect(root.read("/etc/svc/conf.d/old.conf") == "old\n")
        #expect(root.read("/etc/svc/conf.d/new.conf") == "new\n")
        #expect(root.read("/etc/svc/conf.d/sub/deep.conf") == "deep\n")
        #expect(!root.exists("/etc/other/conf.d/old.conf"))
        #expect(root.read("/etc/other/conf.d/sub/deep.conf") == "deep\n")
        // Directories get the x bit of each r bit; files the perm as given.
        #expect(root.mode("/etc/other/conf.d/sub") == 0o750)
        #expect(root.mode("/etc/other/conf.d/sub/deep.conf") == 0o640)
    }

    @Test func globSourcesAndDirectoryDestinations() throws {
        let root = try Root()
        defer { root.remove() }
        for name in ["a.conf", "b.conf", "c.txt"] { try root.write("/var/lib/kolla/config_files/\(name)", name) }
        try root.config("""
        {"command": "true", "config_files": [{"source": "/var/lib/kolla/config_files/*.conf",
          "dest": "/etc/svc/", "owner": "\(Self.me)", "perm": "0600"}]}
        """)
        #expect(try root.run().status == 0)
        #expect(root.read("/etc/svc/a.conf") == "a.conf")
        #expect(root.read("/etc/svc/b.conf") == "b.conf")
        #expect(!root.exists("/etc/svc/c.txt"))
        #expect(try root.run(check: true).status == 0)
    }

    @Test func missingSourceIsAnErrorUnlessOptional() throws {
        let root = try Root()
        defer { root.remove() }
        try root.config("""
        {"command": "true", "config_files": [{"source": "/var/lib/kolla/config_files/absent.conf",
          "dest": "/etc/svc/absent.conf", "owner": "\(Self.me)", "perm": "0600", "optional": true}]}
        """)
        let optional = try root.run()
        #expect(optional.status == 0, "\(optional.stderr)")
        #expect(optional.stderr.contains("does not exist, but is not required"))
        #expect(!root.exists("/etc/svc/absent.conf"))
        #expect(root.read("/run_command") == "true")

        try root.config("""
        {"command": "false", "config_files": [{"source": "/var/lib/kolla/config_files/absent.conf",
          "dest": "/etc/svc/absent.conf", "owner": "\(Self.me)", "perm": "0600"}]}
        """)
        let required = try root.run()
        #expect(required.status == 1)
        #expect(required.stderr.contains("MissingRequiredSource: /var/lib/kolla/config_files/absent.conf file is not found"))
        #expect(root.read("/run_command") == "true")
    }

    @Test func permissionsRecurseWithExclude() throws {
        let root = try Root()
        defer { root.remove() }
        for f in ["/var/log/kolla/svc/a.log", "/var/log/kolla/svc/sub/b.log", "/var/log/kolla/svc/keep.pid",
                  "/var/log/kolla/svc/skip/c.log"] {
            try root.write(f, "x")
            root.setMode(f, 0o600)
        }
        root.setMode("/var/log/kolla/svc/sub", 0o700)
        root.setMode("/var/log/kolla/svc/skip", 0o700)
        try root.config("""
        {"command": "true", "permissions": [
          {"path": "/var/log/kolla/sv*", "owner": "\(Self.me)", "perm": "0644", "recurse": true,
           "exclude": ["\\\\.pid$", "/skip"]},
          {"path": "/var/log/kolla/not-there", "owner": "\(Self.me)", "perm": "0644"}]}
        """)
        let r = try root.run()
        #expect(r.status == 0, "\(r.stderr)")
        #expect(root.mode("/var/log/kolla/svc") == 0o755)
        #expect(root.mode("/var/log/kolla/svc/a.log") == 0o644)
        #expect(root.mode("/var/log/kolla/svc/sub") == 0o755)
        #expect(root.mode("/var/log/kolla/svc/sub/b.log") == 0o644)
        // Excluded: a file matching one pattern, a directory and what is below it matching another.
        #expect(root.mode("/var/log/kolla/svc/keep.pid") == 0o600)
        #expect(root.mode("/var/log/kolla/svc/skip") == 0o700)
        #expect(root.mode("/var/log/kolla/svc/skip/c.log") == 0o600)
        // A missing path is warned about and skipped.
        #expect(r.stderr.contains("WARNING /var/log/kolla/not-there does not exist"))
    }

    @Test func permAcceptsKollasNotationsOnly() throws {
        let root = try Root()
        defer { root.remove() }
        try root.write("/srv/f", "x")
        for (perm, mode) in [("600", 0o600), ("0640", 0o640), ("0o604", 0o604), ("2755", 0o2755)] {
            try root.config(#"{"command": "true", "permissions": [{"path": "/srv/f", "owner": "\#(Self.me)", "perm": "\#(perm)"}]}"#)
            let r = try root.run()
            #expect(r.status == 0, "\(perm): \(r.stderr)")
            #expect(root.mode("/srv/f") == mode, "\(perm)")
        }
        for bad in [#""rw-r--r--""#, #""12345""#, #""0x1ff""#, "644"] {
            try root.config(#"{"command": "true", "permissions": [{"path": "/srv/f", "owner": "\#(Self.me)", "perm": \#(bad)}]}"#)
            let r = try root.run()
            #expect(r.status == 1, "\(bad)")
            #expect(r.stderr.contains("InvalidConfig: invalid permission"), "\(bad)")
        }
    }

    @Test func directoriesAndFiles() throws {
        let root = try Root()
        defer { root.remove() }
        try root.write("/var/lib/svc/existing", "keep")
        try root.config("""
        {"command": "true",
         "directories": [{"path": "/var/lib/svc/state/deep", "owner": "\(Self.me)", "perm": "0700"}],
         "files": [{"path": "/var/lib/svc/state/deep/token", "owner": "\(Self.me)", "perm": "0600"},
                   {"path": "/var/lib/svc/existing", "owner": "\(Self.me)", "perm": "0640"}]}
        """)
        let r = try root.run()
        #expect(r.status == 0, "\(r.stderr)")
        #expect(root.mode("/var/lib/svc/state/deep") == 0o700)
        #expect(root.read("/var/lib/svc/state/deep/token") == "")
        #expect(root.mode("/var/lib/svc/state/deep/token") == 0o600)
        #expect(root.read("/var/lib/svc/existing") == "keep")
        #expect(root.mode("/var/lib/svc/existing") == 0o640)

        // files: the parent must exist, and a directory is not a file (kolla: exit 2).
        try root.config(#"{"command": "true", "files": [{"path": "/nope/f", "owner": "\#(Self.me)", "perm": "0600"}]}"#)
        let noParent = try root.run()
        #expect(noParent.status == 2)
        #expect(noParent.stderr.contains("Parent directory does not exist (/nope)"))
        try root.config(#"{"command": "true", "files": [{"path": "/var/lib/svc/state", "owner": "\#(Self.me)", "perm": "0600"}]}"#)
        #expect(try root.run().status == 2)

        // No globs, every key required and non-null: configuration errors (exit 1).
        for bad in [
            #"{"command": "true", "directories": [{"path": "/var/lib/*", "owner": "root", "perm": "0700"}]}"#,
            #"{"command": "true", "directories": [{"path": "/var/lib/x", "owner": "root"}]}"#,
            #"{"command": "true", "files": [{"path": "/var/lib/x", "owner": null, "perm": "0600"}]}"#,
        ] {
            try root.config(bad)
            let r = try root.run()
            #expect(r.status == 1, "\(bad)")
            #expect(r.stderr.contains("InvalidConfig"), "\(bad)")
        }
    }

    @Test(.enabled(if: StartContractTests.isRoot, "chown to another user needs root (CI runs the suite as root)"))
    func ownerAndPermAsRoot() throws {
        let root = try Root()
        defer { root.remove() }
        let daemon = getpwnam("daemon")!.pointee
        let nogroup = getgrnam("nogroup")?.pointee.gr_gid ?? daemon.pw_gid
        let nogroupName = getgrnam("nogroup") != nil ? "nogroup" : "daemon"
        try root.write("/var/lib/kolla/config_files/svc.conf", "x")
        try root.write("/var/lib/kolla/config_files/tree/a", "a")
        try root.write("/var/log/kolla/svc/old.log", "x")
        try root.config("""
        {"command": "true",
         "config_files": [
           {"source": "/var/lib/kolla/config_files/svc.conf", "dest": "/etc/svc/svc.conf", "owner": "daemon", "perm": "0600"},
           {"source": "/var/lib/kolla/config_files/tree", "dest": "/etc/svc/tree", "owner": "daemon:\(nogroupName)", "perm": "0640"}],
         "directories": [{"path": "/var/lib/svc", "owner": "daemon:\(nogroupName)", "perm": "0750"}],
         "permissions": [{"path": "/var/log/kolla/svc", "owner": "daemon", "recurse": true}]}
        """)
        let r = try root.run()
        #expect(r.status == 0, "\(r.stderr)")
        // "daemon" alone means daemon:daemon.
        #expect(root.owner("/etc/svc/svc.conf") == (daemon.pw_uid, daemon.pw_gid))
        #expect(root.owner("/etc/svc/tree") == (daemon.pw_uid, nogroup))
        #expect(root.owner("/etc/svc/tree/a") == (daemon.pw_uid, nogroup))
        #expect(root.mode("/etc/svc/tree") == 0o750)
        #expect(root.owner("/var/lib/svc") == (daemon.pw_uid, nogroup))
        #expect(root.owner("/var/log/kolla/svc/old.log") == (daemon.pw_uid, daemon.pw_gid))
        // /run_command and the state stay root's.
        #expect(root.owner("/run_command") == (0, 0))
        #expect(try root.run(check: true).status == 0)

        // preserve_properties copies mode and owner from the source.
        try root.write("/var/lib/kolla/config_files/kept.conf", "k")
        _ = chown(root.real("/var/lib/kolla/config_files/kept.conf"), daemon.pw_uid, nogroup)
        root.setMode("/var/lib/kolla/config_files/kept.conf", 0o604)
        try root.config(#"{"command": "true", "config_files": [{"source": "/var/lib/kolla/config_files/kept.conf", "dest": "/etc/svc/kept.conf", "preserve_properties": true}]}"#)
        #expect(try root.run().status == 0)
        #expect(root.owner("/etc/svc/kept.conf") == (daemon.pw_uid, nogroup))
        #expect(root.mode("/etc/svc/kept.conf") == 0o604)

        // An unknown owner is a configuration error.
        try root.config(#"{"command": "true", "permissions": [{"path": "/etc/svc", "owner": "no-such-user-42"}]}"#)
        let unknown = try root.run()
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("UserNotFound: user no-such-user-42 does not exist"))
    }

    @Test func checkComparesCommandStateAndFiles() throws {
        let root = try Root()
        defer { root.remove() }
        try root.write("/var/lib/kolla/config_files/a.conf", "a\n")
        try root.write("/var/lib/kolla/config_files/b.conf", "b\n")
        let config = """
        {"command": "svc --run", "config_files": [
          {"source": "/var/lib/kolla/config_files/a.conf", "dest": "/etc/svc/a.conf", "owner": "\(Self.me)", "perm": "0600"},
          {"source": "/var/lib/kolla/config_files/b.conf", "dest": "/etc/svc/b.conf", "owner": "\(Self.me)", "perm": "600"}]}
        """
        try root.config(config)
        // Nothing applied yet: /run_command is missing.
        let before = try root.run(check: true)
        #expect(before.status == 1)
        #expect(before.stderr.contains("ConfigFileCommandDiffers"))

        #expect(try root.run().status == 0)
        let ok = try root.run(check: true)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(!ok.stderr.contains("Copying"))  // --check changes nothing

        // Content, then mode, drifting from the source.
        try root.write("/etc/svc/a.conf", "changed\n")
        let content = try root.run(check: true)
        #expect(content.status == 1)
        #expect(content.stderr.contains("ConfigFileBadState"))
        #expect(try root.run().status == 0)
        root.setMode("/etc/svc/b.conf", 0o644)
        let mode = try root.run(check: true)
        #expect(mode.status == 1)
        #expect(mode.stderr.contains("expected perm: 0600, actual: 0644"))
        #expect(try root.run().status == 0)

        // A different command.
        try root.config(config.replacingOccurrences(of: "svc --run", with: "svc --other"))
        let command = try root.run(check: true)
        #expect(command.status == 1)
        #expect(command.stderr.contains("ConfigFileCommandDiffers: Running command differs. svc --other != svc --run"))

        // An entry dropped from the config while the state still tracks it.
        try root.config("""
        {"command": "svc --run", "config_files": [
          {"source": "/var/lib/kolla/config_files/a.conf", "dest": "/etc/svc/a.conf", "owner": "\(Self.me)", "perm": "0600"}]}
        """)
        let mismatch = try root.run(check: true)
        #expect(mismatch.status == 1)
        #expect(mismatch.stderr.contains("StateMismatch"))
        #expect(mismatch.stderr.contains("/etc/svc/b.conf"))
    }

    @Test func configErrorsExitOne() throws {
        let root = try Root()
        defer { root.remove() }
        let missing = try root.run()
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("InvalidConfig: Could not read file /var/lib/kolla/config_files/config.json"))
        for (config, message) in [
            ("{not json", "Invalid json file found at /var/lib/kolla/config_files/config.json"),
            (#"{"config_files": []}"#, #"Config is missing required "command" key"#),
            (#"{"command": "x", "config_files": [{"source": "/a"}]}"#, "Config is missing required keys"),
            (#"{"command": "x", "config_files": [{"source": "/a", "dest": "/b"}]}"#, "Config needs preserve_properties or owner and perm"),
            (#"{"command": "x", "config_files": [{"source": "/a", "dest": "/b", "owner": "root", "perm": "0600", "mode": 1}]}"#, "unknown keys ['mode']"),
            (#"{"command": "x", "permissions": [{"path": "/a", "owner": "root", "exclude": ["("]}]}"#, "invalid exclude pattern"),
        ] {
            try root.config(config)
            let r = try root.run()
            #expect(r.status == 1, "\(config)")
            #expect(r.stderr.contains(message), "\(config): \(r.stderr)")
        }
    }

    @Test(.enabled(if: StartContractTests.hasYAML, "config.yaml needs PyYAML: install python3-yaml (tools/setup does)"))
    func yamlConfigWinsOverJSON() throws {
        let root = try Root()
        defer { root.remove() }
        try root.config(#"{"command": "from-json"}"#)
        try root.write("/var/lib/kolla/config_files/config.yaml", "command: from-yaml\n")
        #expect(try root.run().status == 0)
        #expect(root.read("/run_command") == "from-yaml")
        try root.write("/var/lib/kolla/config_files/config.yaml", "")
        let empty = try root.run()
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("file is empty"))
    }

    @Test func configRootIsRefusedUnderSudo() throws {
        let root = try Root()
        defer { root.remove() }
        try root.config(#"{"command": "true"}"#)
        let r = try root.run(extra: ["SUDO_UID": "1000"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("KOLLA_CONFIG_ROOT is for tests and is refused under sudo"))
        #expect(!root.exists("/run_command"))
    }
}
