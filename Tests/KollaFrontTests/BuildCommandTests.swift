import Foundation
import TestSupport
import Testing

@testable import KollaFront

/// `kolla-oci build` end to end through the binary on the fixture tree.
@Suite struct BuildCommandTests {
    static let tree = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tree").path

    func build(_ args: [String], home: TemporaryDirectory) throws -> ToolRun {
        try runTool(kollaOCIBinary(), ["build", "--data-dir", Self.tree] + args, environment: ["HOME": home.path])
    }

    @Test func templateOnlyKeepsMatchedImages() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-build")
        defer { try? dir.remove() }
        let r = try build(["--template-only", "--work-dir", dir.path, "--profile", "infra"], home: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("INFO:kolla.common.utils:Dockerfiles are generated in \(dir.path)/docker"))
        let kept = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/docker"))
        #expect(kept.contains("cron") && kept.contains("base") && !kept.contains("openstack-base") && !kept.contains("rockyonly"))
        let cron = try String(contentsOfFile: dir.path + "/docker/cron/Dockerfile", encoding: .utf8)
        #expect(cron.hasPrefix("FROM kolla/base:2025.1-debian-bookworm\n"))
        #expect(cron.contains("apt-get -y install --no-install-recommends cron &&"))
        #expect(FileManager.default.fileExists(atPath: dir.path + "/docker/cron/patches"))
    }

    @Test func listingsAndKollaBuildName() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-build")
        defer { try? dir.remove() }
        let r = try build(["--list-images", "^keystone-fernet$"], home: dir)
        #expect(r.status == 0)
        #expect(Set(r.stdout.split(separator: "\n").map { String($0.split(separator: " ").last!) }) == ["base", "openstack-base", "keystone-base", "keystone-fernet"])
        // Invoked as kolla-build, kolla-oci is `kolla-oci build`.
        let link = dir.path + "/kolla-build"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: kollaOCIBinary())
        let k = try runTool(link, ["--data-dir", Self.tree, "--list-dependencies", "cron"], environment: ["HOME": dir.path])
        #expect(k.status == 0)
        #expect(k.stdout == "{\n  \"base\": [\n    \"cron\"\n  ]\n}")
    }

    @Test func badInputGivesOneClearLine() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-build")
        defer { try? dir.remove() }
        let unknown = try build(["--list-images", "--profile", "nope"], home: dir)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("Profile: nope does not exist"))
        let empty = try build(["--list-images", "--profile", "empty"], home: dir)
        #expect(empty.status == 1)

        try "[DEFAULT]\nthreads = lots\n".write(toFile: dir.path + "/bad.conf", atomically: true, encoding: .utf8)
        let bad = try build(["--config-file", dir.path + "/bad.conf", "--list-images"], home: dir)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("bad.conf:2: invalid value 'lots' for option 'threads'"))

        let missing = try build(["--config-file", dir.path + "/none.conf"], home: dir)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("none.conf: cannot read file"))

        // A template syntax error names the template and line.
        let overlay = dir.path + "/overlay/cron"
        try FileManager.default.createDirectory(atPath: overlay, withIntermediateDirectories: true)
        try "FROM x\n{% if %}\n".write(toFile: overlay + "/Dockerfile.j2", atomically: true, encoding: .utf8)
        let syntax = try build(["--template-only", "--work-dir", dir.path + "/w", "--docker-dir", dir.path + "/overlay"], home: dir)
        #expect(syntax.status == 1)
        #expect(syntax.stderr.contains("Syntax error in template: cron"))
        #expect(syntax.stderr.contains("TemplateSyntaxError: Expected an expression, got 'end of statement block' (cron/Dockerfile.j2:2)"))

        let squash = try build(["--squash", "--list-images"], home: dir)
        #expect(squash.status == 1)
        #expect(squash.stderr.contains("does not squash"))
    }

    @Test func templateOverrideExtendsEachImage() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-build")
        defer { try? dir.remove() }
        try """
        {% extends parent_template %}
        {% set cron_packages_append = ['logrotate'] %}
        {% block keystone_header %}RUN echo custom{% endblock %}
        """.write(toFile: dir.path + "/override.j2", atomically: true, encoding: .utf8)
        let r = try build(["--template-only", "--work-dir", dir.path + "/w", "--template-override", dir.path + "/override.j2"], home: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let cron = try String(contentsOfFile: dir.path + "/w/docker/cron/Dockerfile", encoding: .utf8)
        #expect(cron.contains("install --no-install-recommends cron logrotate"))
        let keystone = try String(contentsOfFile: dir.path + "/w/docker/keystone/keystone/Dockerfile", encoding: .utf8)
        #expect(keystone.contains("RUN echo custom"))
    }

    @Test func yamlErrorsNameFileAndLine() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-build")
        defer { try? dir.remove() }
        // A --repos-yaml override: one line naming the file and the line PyYAML names.
        let repos = dir.path + "/repos.yaml"
        try "deb:\n  extra:\n    url: [unclosed\n    suite: x\n".write(toFile: repos, atomically: true, encoding: .utf8)
        let r = try build(["--template-only", "--work-dir", dir.path + "/w", "--repos-yaml", repos], home: dir)
        #expect(r.status == 1)
        let errors = r.stderr.split(separator: "\n").filter { $0.contains(repos) }
        #expect(errors.count == 1, "\(r.stderr)")
        #expect(errors.first?.contains("\(repos):4: ") == true, "\(r.stderr)")

        // A data file of the tree: the same, through the catalog.
        let tree = dir.path + "/tree"
        try FileManager.default.copyItem(atPath: Self.tree, toPath: tree)
        try "kolla:\n  uid: 42400\n  gid: &a 42400\n  group: *b\n".write(toFile: tree + "/data/users.yaml", atomically: true, encoding: .utf8)
        let d = try runTool(kollaOCIBinary(), ["build", "--data-dir", tree, "--list-images"], environment: ["HOME": dir.path])
        #expect(d.status == 1)
        #expect(d.stderr.contains("\(tree)/data/users.yaml:4: found undefined alias 'b'"), "\(d.stderr)")
        #expect(d.stderr.split(separator: "\n").count == 1, "\(d.stderr)")
    }
}
