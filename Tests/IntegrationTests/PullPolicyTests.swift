import Foundation
import OCIBuild
import TestSupport
import Testing

/// kolla-build's `--pull` in `kolla-oci build`: each build checks the root's FROM image
/// against its registry and pulls only when the registry's digest changed; `--nopull`
/// uses the store's; an unreachable registry leaves a stored image usable, with a warning.
/// A loopback registry (port 5172) behind the request-recording proxy (port 5173).
@Suite(.serialized) struct PullPolicyTests {
    static var reason: String? { RegistryTestEnvironment.registryMissing }

    /// A tree whose base only labels its FROM image (no RUN: no sandbox needed).
    func makeTree(_ dir: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/docker/base", withIntermediateDirectories: true)
        try "FROM {{ base_image }}:{{ base_distro_tag }}\nLABEL name=\"{{ image_name }}\"\n"
            .write(toFile: dir + "/docker/base/Dockerfile.j2", atomically: true, encoding: .utf8)
        try fm.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        try "base: debian\ndistros:\n  debian:\n    image: debian\n    tag: bookworm\n    package_manager: apt\n    package_type: deb\n"
            .write(toFile: dir + "/data/defaults.yaml", atomically: true, encoding: .utf8)
        for f in ["profiles.yaml", "users.yaml", "sources.yaml", "unbuildable.yaml"] {
            try "{}\n".write(toFile: dir + "/data/" + f, atomically: true, encoding: .utf8)
        }
        try "deb: {}\n".write(toFile: dir + "/data/repos.yaml", atomically: true, encoding: .utf8)
    }

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func pullChecksTheDigestAndPullsOnlyWhatChanged() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-pull")
        defer { try? dir.remove() }
        try makeTree(dir.path)
        let registry = try TestRegistry(directory: dir.path + "/registry", port: 5172)
        defer { registry.stop() }
        let proxy = try FaultProxy(upstream: registry.address, directory: dir.path, port: 5173)
        defer { proxy.stop() }
        let bin = kollaOCIBinary()
        let remote = "\(proxy.address)/test/root"
        let env = ["KOLLA_OCI_ROOT": dir.path + "/store", "HOME": dir.path]

        // Publishes version `n` of the root image under remote:1.
        let scratch = try ImageStore(root: dir.path + "/scratch")
        func publish(_ n: Int) throws {
            try TestImages.importImage(["etc/version": Array("\(n)\n".utf8)], name: "root:\(n)", into: scratch, scratch: dir.path)
            let push = try runTool(
                bin, ["push", "--root", dir.path + "/scratch", "--insecure-registry", proxy.address, "root:\(n)", "\(remote):1"],
                environment: env)
            #expect(push.status == 0, "\(push.stderr)")
            try proxy.setFaults([])  // forget the push's requests
        }
        func build(_ extra: [String] = []) throws -> ToolRun {
            try runTool(
                bin, ["build", "--data-dir", dir.path, "--base-image", remote, "--base-tag", "1", "--insecure-registry", proxy.address,
                      "--debug", "--work-dir", dir.path + "/work"] + extra,
                environment: env)
        }
        let store = try ImageStore(root: dir.path + "/store")
        func stored(_ name: String) throws -> Descriptor? { try store.images().first { $0.name == name }?.descriptor }
        func scratchDigest(_ n: Int) throws -> Digest { try #require(try scratch.images().first { $0.name == "root:\(n)" }).descriptor.digest }

        // 1. The store lacks it: pulled.
        try publish(1)
        let first = try build()
        #expect(first.status == 0, "\(first.stderr.suffix(2000))")
        #expect(first.stdout.contains(#""built": [{"name": "base"}]"#))
        #expect(first.stderr.contains("Pulled the registry's current \(remote):1"), "\(first.stderr.suffix(2000))")
        #expect(try stored("\(remote):1")?.digest == scratchDigest(1))
        let names = try store.images().map { $0.name ?? "" }
        let base1 = try #require(try stored("kolla/base:2026.2-debian-1"), "\(names)")

        // 2. Unchanged in the registry: one digest check, no manifest or blob download.
        try proxy.setFaults([])
        let second = try build()
        #expect(second.status == 0)
        #expect(second.stderr.contains("\(remote):1 is the registry's current image"), "\(second.stderr.suffix(2000))")
        let checks = try proxy.stats().requests
        #expect(checks.contains("HEAD /v2/test/root/manifests/1"), "\(checks)")
        #expect(checks.filter { $0 != "GET /v2/" } == ["HEAD /v2/test/root/manifests/1"], "\(checks)")

        // 3. A newer image under the same tag: pulled, and the child rebuilt on it.
        try publish(2)
        let third = try build()
        #expect(third.status == 0)
        #expect(third.stderr.contains("Pulled the registry's current \(remote):1"))
        #expect(try stored("\(remote):1")?.digest == scratchDigest(2))
        #expect(try stored("kolla/base:2026.2-debian-1") != base1)

        // 4. --nopull: the store's image as it is, the registry not asked.
        try publish(3)
        let nopull = try build(["--nopull"])
        #expect(nopull.status == 0)
        let asked = try proxy.stats().requests
        #expect(asked.isEmpty, "\(asked)")
        #expect(try stored("\(remote):1")?.digest == scratchDigest(2))

        // 5. The registry unreachable: the stored image, with a warning; the build succeeds.
        proxy.stop()
        let offline = try build()
        #expect(offline.status == 0, "\(offline.stderr.suffix(2000))")
        #expect(offline.stderr.contains("WARNING:kolla.common.utils:Cannot check \(remote):1 for a newer image ("), "\(offline.stderr.suffix(2000))")
        #expect(offline.stderr.contains("); building on the image in the store"))
        #expect(try stored("\(remote):1")?.digest == scratchDigest(2))
    }
}
