import Foundation
import TestSupport
import Testing

@testable import KollaFront

/// The last gaps between kolla-build 23 and kolla-oci as a drop-in: config files read as
/// oslo.config reads them, users, defaults shown, debug output, apt files in the base.
@Suite struct DropInTests {
    static let tree = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tree").path

    /// The configuration for `args` with config files of these contents (given in name order).
    func configuration(_ args: [String], files: [String: String] = [:]) throws -> Configuration {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-dropin")
        defer { try? dir.remove() }
        var argv = ["--data-dir", Self.tree] + args
        for (name, text) in files.sorted(by: { $0.key < $1.key }) {
            try text.write(toFile: dir.path + "/" + name, atomically: true, encoding: .utf8)
            argv += ["--config-file", dir.path + "/" + name]
        }
        return try Configuration(cli: try CommandLineParser.parse(argv), environment: [:], home: dir.path, executable: "/nonexistent")
    }

    func build(_ args: [String], home: TemporaryDirectory, environment: [String: String] = [:]) throws -> ToolRun {
        try runTool(kollaOCIBinary(), ["build", "--data-dir", Self.tree] + args, environment: ["HOME": home.path].merging(environment) { $1 })
    }

    // MARK: - config tolerance

    @Test func unknownConfigKeysAreWarningsNamingFileAndLine() throws {
        // A pike-era file: install type, options removed since, a typo in a source section.
        let pike = """
            [DEFAULT]
            base = debian
            type = binary
            install_type = source

            namespace = mine
            [keystone-base]
            locaton = x
            [nova-user]
            uid = 42436
            home = /var/lib/nova
            """
        let c = try configuration([], files: ["pike.conf": pike])
        #expect(c.string("namespace") == "mine")
        #expect(c.warnings.count == 4)
        #expect(c.warnings[0].hasSuffix("pike.conf:3: unknown option 'type' ignored"), "\(c.warnings)")
        #expect(c.warnings[1].hasSuffix("pike.conf:4: unknown option 'install_type' ignored"))
        #expect(c.warnings[2].hasSuffix("pike.conf:8: unknown option 'keystone-base.locaton' ignored"))
        #expect(c.warnings[3].hasSuffix("pike.conf:11: unknown option 'nova-user.home' ignored"))
        #expect(c.users.first { $0.0 == "nova" }?.1.uid == 42436)
        // Bad values of known options stay errors.
        #expect(throws: ConfigError.self) { try configuration([], files: ["bad.conf": "[DEFAULT]\nthreads = x\n"]) }

        let dir = try TemporaryDirectory(prefix: "kolla-oci-dropin")
        defer { try? dir.remove() }
        try pike.write(toFile: dir.path + "/pike.conf", atomically: true, encoding: .utf8)
        let r = try build(["--config-file", dir.path + "/pike.conf", "--list-images", "^cron$"], home: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "1 : cron\n2 : base\n")
        #expect(r.stderr.contains("WARNING:kolla.common.utils:\(dir.path)/pike.conf:3: unknown option 'type' ignored\n"), "\(r.stderr)")
        // On the command line an unknown option is an error, as with kolla-build.
        let cli = try build(["--install-type", "binary", "--list-images"], home: dir)
        #expect(cli.status == 2)
        #expect(cli.stderr.contains("unknown option '--install-type'"))
    }
}

extension DropInTests {
    // MARK: - user sections

    /// kolla-build 23 (`kolla.common.config.get_user_opts`, `KollaWorker.get_users`) on
    /// this file gives foo {uid None, gid None, group ''}, bar {uid 7, gid None, group
    /// 'bar'}, keystone {uid 42425, gid 9, group 'keystone'}, baz {None, None, 'baz'},
    /// qux {None, 5, 'debian-kolla'}.
    @Test func userSectionsMatchKolla() throws {
        let file = """
            [foo-user]
            uid =
            group =
            [bar-user]
            uid = 7
            [keystone-user]
            gid = 9
            [baz-user]
            [qux-user]
            gid = 5
            group = ${base}-$namespace
            """
        let c = try configuration([], files: ["users.conf": file])
        let users = Dictionary(uniqueKeysWithValues: c.users)
        #expect(users["foo"] == KollaUser(uid: nil, gid: nil, group: ""))
        #expect(users["bar"] == KollaUser(uid: 7, gid: nil, group: "bar"))
        #expect(users["keystone"] == KollaUser(uid: 42425, gid: 9, group: "keystone"))
        #expect(users["baz"] == KollaUser(uid: nil, gid: nil, group: "baz"))
        #expect(users["qux"] == KollaUser(uid: nil, gid: 5, group: "debian-kolla"))
        #expect(users["kolla"] == KollaUser(uid: 42400, gid: 42400, group: "kolla"))

        // As the base template renders them.
        let dir = try TemporaryDirectory(prefix: "kolla-oci-dropin")
        defer { try? dir.remove() }
        try file.write(toFile: dir.path + "/users.conf", atomically: true, encoding: .utf8)
        let r = try build(["--config-file", dir.path + "/users.conf", "--template-only", "--work-dir", dir.path + "/w", "^base$"], home: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let base = try String(contentsOfFile: dir.path + "/w/docker/base/Dockerfile", encoding: .utf8)
        #expect(base.contains("groupadd --gid None bar \\\n"), "\(base)")
        #expect(base.contains("groupadd --gid None baz \\\n"))
        #expect(base.contains("groupadd --gid None  \\\n"))  // foo: group ''
        #expect(base.contains("groupadd --gid 9 keystone \\\n"))
    }
}

extension DropInTests {
    // MARK: - --debug

    @Test func debugLogsEachRenderedDockerfile() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-dropin")
        defer { try? dir.remove() }
        let r = try build(["--debug", "--template-only", "--work-dir", dir.path, "^cron$"], home: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let cron = try String(contentsOfFile: dir.path + "/docker/cron/Dockerfile", encoding: .utf8)
        let logged = "DEBUG:kolla.common.utils:Rendered cron/Dockerfile.j2 into:\nDEBUG:kolla.common.utils:\(cron)\n"
            + "DEBUG:kolla.common.utils:Wrote it to \(dir.path)/docker/cron/Dockerfile\n"
        #expect(r.stderr.contains(logged), "\(r.stderr)")
        #expect(r.stderr.contains("DEBUG:kolla.common.utils:Rendered base/Dockerfile.j2 into:\n"))
        #expect(r.stderr.contains("DEBUG:kolla.common.utils:Found /cron\n"))
        // Without --debug nothing of it.
        let quiet = try build(["--template-only", "--work-dir", dir.path + "/q", "^cron$"], home: dir)
        #expect(!quiet.stderr.contains("Rendered"))
    }
}

extension DropInTests {
    // MARK: - --help and sample-config

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test func helpAndSampleShowTheDataDirectorysDefaults() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-dropin")
        defer { try? dir.remove() }
        // kolla-oci's own tree: Debian bookworm, OpenStack 2022.2 (Zed).
        let own = try runTool(kollaOCIBinary(), ["build", "--data-dir", Self.repositoryRoot, "--help"], environment: ["HOME": dir.path])
        #expect(own.status == 0)
        let help = own.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(help.contains("-b, --base BASE The distro type of the base image. Allowed values: debian, rocky, ubuntu. Default: debian."), "\(help)")
        #expect(help.contains("--base-tag BASE_TAG The base distro image tag. Default: bookworm."))
        #expect(help.contains("kolla-toolbox image. Default: 2022.2."))
        #expect(help.contains("Default: Zed."))
        #expect(help.contains("--tag TAG The container image tag. Default: 2022.2-debian-bookworm."))
        #expect(help.contains("The profiles are: default, infra, main, ci."))
        #expect(!help.contains("rocky.") && !help.contains("2026.2") && !help.contains("aux"))

        let sample = try runTool(kollaOCIBinary(), ["sample-config", "--data-dir", Self.repositoryRoot], environment: ["HOME": dir.path])
        #expect(sample.status == 0)
        for line in ["#base = debian\n", "#base_tag = bookworm\n", "#openstack_release = 2022.2\n", "#tag = 2022.2-debian-bookworm\n",
            "# profiles are: default, infra, main, ci\n"] {
            #expect(sample.stdout.contains(line), "\(line)")
        }

        // The fixture tree: an empty profile does not exist (kolla refuses it), so it is not named;
        // a [profiles] key of a config file is.
        try "[profiles]\nmine = cron\n".write(toFile: dir.path + "/p.conf", atomically: true, encoding: .utf8)
        let fixture = try build(["--config-file", dir.path + "/p.conf", "--help"], home: dir)
        let fixtureHelp = fixture.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(fixtureHelp.contains("The profiles are: default, infra, mine."), "\(fixtureHelp)")
        #expect(fixtureHelp.contains("Default: 2025.1-debian-bookworm."))

        // What --help shows is what a run with no options resolves.
        let conf = try configuration([])
        let shown = EffectiveDefaults(catalog: conf.catalog)
        for dest in ["base", "base_tag", "base_image", "tag", "openstack_release", "openstack_release_codename", "openstack_branch",
            "openstack_branch_slashed", "tarballs_base", "namespace"] {
            #expect(shown.value(OptionRegistry.byName[dest]!) == conf[dest], "\(dest)")
        }
    }
}

extension DropInTests {
    // MARK: - apt_sources_list, apt_preferences in kolla-oci's base

    @Test func ownBaseHonoursAptSourcesListAndPreferences() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-dropin")
        defer { try? dir.remove() }
        let mirror = "deb http://mirror.example.internal/debian bookworm main\n"
        let pin = "Package: *\nPin: origin mirror.example.internal\nPin-Priority: 900\n"
        try mirror.write(toFile: dir.path + "/mirror.list", atomically: true, encoding: .utf8)
        try pin.write(toFile: dir.path + "/pin", atomically: true, encoding: .utf8)
        try "[DEFAULT]\napt_sources_list = \(dir.path)/mirror.list\napt_preferences = \(dir.path)/pin\n"
            .write(toFile: dir.path + "/k.conf", atomically: true, encoding: .utf8)
        let r = try runTool(
            kollaOCIBinary(),
            ["build", "--data-dir", Self.repositoryRoot, "--config-file", dir.path + "/k.conf", "--template-only", "--work-dir", dir.path + "/w", "^base$"],
            environment: ["HOME": dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let base = dir.path + "/w/docker/base"
        #expect(try String(contentsOfFile: base + "/sources.list", encoding: .utf8) == mirror)
        #expect(try String(contentsOfFile: base + "/apt_preferences", encoding: .utf8) == pin)
        let dockerfile = try String(contentsOfFile: base + "/Dockerfile", encoding: .utf8)
        // Both are in place before the first package is installed.
        let sources = try #require(dockerfile.range(of: "COPY sources.list /etc/apt/sources.list.d/kolla-custom.list\n"))
        let preferences = try #require(dockerfile.range(of: "COPY apt_preferences /etc/apt/preferences.d/kolla-custom\n"))
        let install = try #require(dockerfile.range(of: "apt-get -y install"))
        #expect(sources.upperBound <= install.lowerBound && preferences.upperBound <= install.lowerBound)

        // Without the options the placeholders (comments only) are copied, as in kolla.
        let plain = try runTool(
            kollaOCIBinary(), ["build", "--data-dir", Self.repositoryRoot, "--template-only", "--work-dir", dir.path + "/p", "^base$"],
            environment: ["HOME": dir.path])
        #expect(plain.status == 0)
        for file in ["sources.list", "apt_preferences"] {
            let text = try String(contentsOfFile: dir.path + "/p/docker/base/" + file, encoding: .utf8)
            #expect(text.split(separator: "\n").allSatisfy { $0.hasPrefix("#") }, "\(file)")
        }
        // The blocks carry kolla's names, so a kolla override of them applies.
        try "{% extends parent_template %}\n{% block base_ubuntu_package_sources_list %}COPY sources.list /etc/apt/sources.list\n{% endblock %}\n"
            .write(toFile: dir.path + "/override.j2", atomically: true, encoding: .utf8)
        let over = try runTool(
            kollaOCIBinary(),
            ["build", "--data-dir", Self.repositoryRoot, "--template-override", dir.path + "/override.j2", "--template-only", "--work-dir",
             dir.path + "/o", "^base$"],
            environment: ["HOME": dir.path])
        #expect(over.status == 0, "\(over.stderr)")
        let overridden = try String(contentsOfFile: dir.path + "/o/docker/base/Dockerfile", encoding: .utf8)
        #expect(overridden.contains("COPY sources.list /etc/apt/sources.list\n") && !overridden.contains("kolla-custom.list"))
    }
}

extension DropInTests {
    // MARK: - COMPATIBILITY.md

    /// The kolla-build section of COMPATIBILITY.md names every option whose meaning differs
    /// without an engine, every kolla-oci option, and the behaviours known to differ.
    @Test func compatibilityListsEveryKnownDivergence() throws {
        let text = try String(contentsOfFile: Self.repositoryRoot + "/COMPATIBILITY.md", encoding: .utf8)
        let start = try #require(text.range(of: "## kolla-build front end"))
        let section = String(text[start.lowerBound...])
        for spec in OptionRegistry.all where spec.daemonless != nil || spec.group == OptionRegistry.kollaOCI {
            let spellings = ["`--\(spec.name)`", "`\(spec.dest)`", "`--\(spec.name)` /", "`--\(spec.name)`,"]
            #expect(spellings.contains { section.contains($0) }, "COMPATIBILITY.md does not mention \(spec.name)")
        }
        for divergence in [
            "parent_error", "SOURCE_DATE_EPOCH", "build-date", "org.opencontainers.image.created", "credHelpers", "credsStore",
            "OS_<GROUP>__<OPT>", "unknown keys in config files", "kolla_version", "--save-dependency F.png", "identity tokens",
        ] {
            #expect(section.contains(divergence), "COMPATIBILITY.md does not mention \(divergence)")
        }
    }
}
