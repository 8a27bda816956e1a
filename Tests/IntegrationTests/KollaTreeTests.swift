import Foundation
import Testing
import TestSupport

/// kolla 23.0.0's own Debian tree — kolla's templates from PyPI, unchanged — built by
/// kolla-oci where only Debian's archive and PyPI are reachable, through `tools/kolla-tree`
/// and kolla's own hooks (etc/kolla/kolla23-offline: local sources, a template override,
/// a repos.yaml): base → openstack-base → keystone-base → keystone, pushed to a loopback
/// registry, keystone started through kolla_start with a kolla-ansible-style config.json,
/// then the same build again with nothing run and nothing uploaded.
///
/// A cold build installs ~120 pip packages (some compiled) and ~400 Debian packages: far
/// more than CI's time budget on two cores, so the test runs only when
/// `KOLLA_OCI_KOLLA_TREE=1` is set; `tools/kolla-tree --smoke` is the same check by hand.
@Suite(.serialized) struct KollaTreeTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static var reason: String? {
        if ProcessInfo.processInfo.environment["KOLLA_OCI_KOLLA_TREE"] != "1" {
            return "a cold build of kolla's chain exceeds CI's time budget: set KOLLA_OCI_KOLLA_TREE=1 (or run tools/kolla-tree --smoke)"
        }
        if RegistryTestEnvironment.registryMissing != nil { return RegistryTestEnvironment.registryMissing }
        let cache = FileManager.default.homeDirectoryForCurrentUser.path + "/.cache/kolla-oci"
        if getuid() != 0 && !FileManager.default.fileExists(atPath: cache + "/trixie-minbase.tar") {
            return "the Debian trixie base is not cached and debootstrap needs root"
        }
        if getuid() == 0 && !FileManager.default.fileExists(atPath: cache + "/trixie-minbase.tar")
            && !FileManager.default.isExecutableFile(atPath: "/usr/sbin/debootstrap") {
            return "debootstrap is not installed (tools/setup)"
        }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") { return "python3 is needed to install kolla 23.0.0" }
        return nil
    }

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func kollaOwnChainBuildsStartsKeystoneAndRebuildsFromCache() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-kolla-tree")
        defer { _ = try? runTool("/bin/rm", ["-rf", dir.path]) }
        let registry = try TestRegistry(directory: dir.path + "/registry")
        defer { registry.stop() }

        func kollaTree(_ extra: [String], _ options: [String]) throws -> ToolRun {
            try runTool(
                Self.repoRoot + "/tools/kolla-tree", extra + ["--"] + options,
                environment: ["KOLLA_OCI": kollaOCIBinary()], directory: dir.path)
        }
        let common = ["--root", dir.path + "/store", "--threads", "2", "--push", "--registry", registry.address,
                      "--insecure-registry", registry.address]
        let cold = try kollaTree(["--smoke"], common + ["--work-dir", dir.path + "/w1", "--summary-json-file", dir.path + "/s1.json"])
        try #require(cold.status == 0, "\(cold.stderr.suffix(4000))")
        let summary = try String(contentsOfFile: dir.path + "/s1.json", encoding: .utf8)
        for image in ["base", "openstack-base", "keystone-base", "keystone"] {
            #expect(summary.contains("{\"name\": \"\(image)\"}"), "\(image) not built: \(summary)")
        }
        #expect(summary.contains("\"failed\": []"), "\(summary)")
        #expect(cold.stderr.components(separatedBy: "Pushed successfully").count - 1 == 4)
        // kolla_start ran config.json's command and keystone answered with its version.
        #expect(cold.stderr.contains("started through kolla_start: keystone-manage --version = 30.0.0"), "\(cold.stderr.suffix(2000))")

        // No change: every step from the cache, nothing uploaded.
        let warm = try kollaTree([], common + ["--work-dir", dir.path + "/w2", "--summary-json-file", dir.path + "/s2.json"])
        #expect(warm.status == 0, "\(warm.stderr.suffix(2000))")
        #expect(!warm.stderr.contains("RUN took"), "a step ran again")
        let pushes = warm.stderr.split(separator: "\n").filter { $0.contains("Pushed \(registry.address)") }
        #expect(pushes.count == 4)
        #expect(pushes.allSatisfy { $0.contains(" 0 blob(s) uploaded (0 bytes)") }, "\(pushes)")
    }
}
