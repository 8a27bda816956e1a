import Foundation
import OCIBuild
import TestSupport
import Testing

@testable import KollaFront

/// Command line, config files, precedence, interpolation and the errors they give.
@Suite struct OptionsTests {
    static let tree = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tree").path

    func configuration(_ args: [String], files: [String: String] = [:], env: [String: String] = [:]) throws -> Configuration {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-options")
        defer { try? dir.remove() }
        var argv = ["--data-dir", Self.tree] + args
        for (name, text) in files.sorted(by: { $0.key < $1.key }) {
            let path = dir.path + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            argv += ["--config-file", path]
        }
        return try Configuration(
            cli: try CommandLineParser.parse(argv), environment: env, home: dir.path, executable: "/nonexistent")
    }

    @Test func commandLineForms() throws {
        let cli = try CommandLineParser.parse([
            "-bdebian", "--tag=x", "-p", "default", "--profile", "infra", "--nopush", "--push", "--nocache", "-T", "3",
            "^keystone", "nova", "--network_mode", "host", "-dq",
        ])
        #expect(cli.values("base").last?.value == .string("debian"))
        #expect(cli.values("profile").map(\.value) == [.string("default"), .string("infra")])
        #expect(cli.values("push").last?.value == .bool(true))
        #expect(cli.values("cache").last?.value == .bool(false))
        #expect(cli.values("threads").last?.value == .int(3))
        #expect(cli.regexes == ["^keystone", "nova"])
        #expect(cli.values("debug").last?.value == .bool(true) && cli.values("quiet").last?.value == .bool(true))
    }

    @Test func commandLineErrors() {
        #expect(throws: ConfigError.unknownOption(file: nil, line: nil, name: "--frobnicate")) {
            try CommandLineParser.parse(["--frobnicate"])
        }
        #expect(throws: ConfigError.self) { try CommandLineParser.parse(["--threads", "0"]) }
        #expect(throws: ConfigError.self) { try CommandLineParser.parse(["--base", "gentoo"]) }
        #expect(throws: ConfigError.missingValue("--tag")) { try CommandLineParser.parse(["--tag"]) }
        // Config-file-only options are not flags.
        #expect(throws: ConfigError.self) { try CommandLineParser.parse(["--maintainer", "me"]) }
    }

    @Test func defaultsAndDerivedValues() throws {
        let c = try configuration([])
        #expect(c.string("base") == "debian")  // the data directory's default
        #expect(c.string("base_tag") == "bookworm")
        #expect(c.string("tag") == "2025.1-debian-bookworm")
        #expect(c.string("openstack_branch") == "stable-2025.1")
        #expect(c.string("openstack_branch_slashed") == "stable/2025.1")
        #expect(c.string("base_image") == "debian")
        #expect(c.int("threads") == 8)
        #expect(c.bool("use_dumb_init"))
        let r = try configuration(["--base", "rocky", "--openstack-release", "master"])
        #expect(r.string("base_image") == "quay.io/rockylinux/rockylinux")
        #expect(r.string("tag") == "master-rocky-10")
        #expect(r.string("openstack_branch") == "master")
    }

    @Test func precedence() throws {
        let file = "[DEFAULT]\nnamespace = fromfile\ntag = t1\nthreads = 2\n"
        // A file given after the option beats it; the CLI after the file beats the file.
        let c = try configuration(["--namespace", "cli"], files: ["a.conf": file])
        #expect(c.string("namespace") == "fromfile")
        let dir = try TemporaryDirectory()
        defer { try? dir.remove() }
        try file.write(toFile: dir.path + "/a.conf", atomically: true, encoding: .utf8)
        let d = try Configuration(
            cli: try CommandLineParser.parse(["--data-dir", Self.tree, "--config-file", dir.path + "/a.conf", "--namespace", "cli"]),
            environment: ["OS_DEFAULT__THREADS": "5"], home: dir.path, executable: "/x")
        #expect(d.string("namespace") == "cli")
        #expect(d.int("threads") == 2)  // explicit files beat the environment
        // A file value is never overridden by a derived default.
        #expect(d.string("tag") == "t1")
        let e = try configuration([], env: ["OS_DEFAULT__THREADS": "5"])
        #expect(e.int("threads") == 5)
    }

    @Test func sectionsAndInterpolation() throws {
        let c = try configuration(
            [],
            files: [
                "a.conf": """
                [DEFAULT]
                tarballs_base = http://mirror.local
                [profiles]
                default = cron
                mine = ^keystone$,fernet
                [keystone-base]
                location = ${tarballs_base}/keystone-$openstack_branch.tar.gz
                [nova-user]
                uid = 42436
                gid = 42436
                """
            ])
        #expect(c.profiles.first { $0.0 == "default" }?.1 == ["cron"])
        #expect(c.profiles.first { $0.0 == "mine" }?.1 == ["^keystone$", "fernet"])
        #expect(c.sourceValue("keystone-base", "location") == .string("http://mirror.local/keystone-stable-2025.1.tar.gz"))
        #expect(c.sourceValue("keystone-base", "type") == .string("url"))
        #expect(c.sourceValue("keystone-base-plugin-ldap", "enabled") == .bool(false))
        #expect(c.users.first { $0.0 == "nova" }?.1 == KollaUser(uid: 42436, gid: 42436, group: "nova"))
        #expect(c.users.first { $0.0 == "kolla" }?.1.uid == 42400)
        #expect(c.interpolate("$$x ${base}", section: nil) == "$x debian")
    }

    @Test func configErrorsNameFileAndLine() throws {
        func message(_ text: String) -> String? {
            do {
                _ = try configuration([], files: ["bad.conf": text])
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(message("[DEFAULT]\nthreads = many\n")?.contains("bad.conf:2: invalid value 'many' for option 'threads'") == true)
        #expect(message("[DEFAULT]\nbase = gentoo\n")?.contains("must be one of debian, rocky, ubuntu") == true)
        #expect(message("threads = 1\n")?.hasSuffix("bad.conf:1: 'threads = 1' comes before any [section] header") == true)
        #expect(message("[nova-user]\nuid = abc\n")?.contains("bad.conf:2: invalid value 'abc'") == true)
        #expect(throws: ConfigError.unreadable("/nonexistent.conf")) {
            try Configuration(
                cli: try CommandLineParser.parse(["--config-file", "/nonexistent.conf"]), environment: [:], home: "/nonexistent",
                executable: "/x")
        }
    }

    @Test func networkModeIsHostOrNone() throws {
        #expect(try configuration([]).string("network_mode") == "host")
        #expect(try configuration(["--network_mode", "none"]).string("network_mode") == "none")
        #expect(try configuration([], files: ["k.conf": "[DEFAULT]\nnetwork_mode = none\n"]).string("network_mode") == "none")
        // docker's other modes have no meaning without an engine: refused, naming the option.
        #expect(throws: ConfigError.badValue(source: "command line --network_mode", option: "network_mode", value: "bridge", reason: "must be one of host, none")) {
            try CommandLineParser.parse(["--network_mode", "bridge"])
        }
        do {
            _ = try configuration([], files: ["k.conf": "[DEFAULT]\nnetwork_mode = default\n"])
            Issue.record("network_mode = default was accepted")
        } catch {
            #expect("\(error)".hasSuffix("k.conf:2: invalid value 'default' for option 'network_mode': must be one of host, none"), "\(error)")
        }
        let help = Help.usage(program: "kolla-build").split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(help.contains("'none' gives each RUN a private network with only loopback"))
    }

    @Test func budSecretAndNetworkFlags() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-secret")
        defer { try? dir.remove() }
        try "t0ken".write(toFile: dir.path + "/token", atomically: true, encoding: .utf8)
        #expect(try BudCommand.secret("id=token,src=\(dir.path)/token") == ("token", .file(dir.path + "/token")))
        #expect(try BudCommand.secret("type=file,id=t,source=\(dir.path)/token").1 == .file(dir.path + "/token"))
        setenv("KOLLA_OCI_TEST_SECRET", "v", 1)
        defer { unsetenv("KOLLA_OCI_TEST_SECRET") }
        #expect(try BudCommand.secret("id=e,env=KOLLA_OCI_TEST_SECRET").1 == .value(Array("v".utf8)))
        #expect(throws: UsageError.self) { try BudCommand.secret("src=/x") }
        #expect(throws: UsageError.self) { try BudCommand.secret("id=x,colour=red") }
        #expect(throws: CommandError.self) { try BudCommand.secret("id=x,src=\(dir.path)/missing") }
        #expect(try networkMode("none") == .none && networkMode("host") == .host)
        #expect(throws: UsageError.self) { try networkMode("bridge") }
    }

    @Test func iniSyntax() throws {
        let ini = try IniFile(path: "x.conf", text: "# c\n[DEFAULT]\nkey: 'quoted value'\nmulti = a\n  b\n; c\n[s]\nk=v\n")
        #expect(ini.entries("DEFAULT").map(\.value) == ["quoted value", "a\nb"])
        #expect(ini.entries("s").first?.line == 8)
    }

    @Test func sampleConfigListsEveryOption() {
        let sample = Help.sampleConfig()
        for o in OptionRegistry.all where !o.positional { #expect(sample.contains("#\(o.dest) = "), "\(o.name)") }
        let help = Help.usage(program: "kolla-build")
        #expect(help.contains("--skip-parents, --noskip-parents"))
        #expect(help.contains("-T, --threads N"))
    }

    @Test func committedSampleConfigIsCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let committed = try String(contentsOfFile: root.appendingPathComponent("etc/kolla/kolla-build.conf").path, encoding: .utf8)
        let defaults = EffectiveDefaults(catalog: try Catalog(root: root.path))
        #expect(committed == Help.sampleConfig(defaults: defaults), "regenerate with: kolla-oci sample-config > etc/kolla/kolla-build.conf")
    }
}
