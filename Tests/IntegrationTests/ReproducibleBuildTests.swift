import Foundation
import TestSupport
import Testing

/// Reproducible mode end to end: kolla-oci's `ci` profile (base → openstack-base →
/// keystone-base → keystone, installed from Debian's archive) built twice, in two fresh
/// stores with the same `--timestamp`, gives the same manifest digest for every image —
/// what a site that rebuilds an image to verify it relies on. Both builds run the same
/// packages (one archive state, minutes apart); a Debian point release in between would
/// change the images, as it should.
@Suite(.serialized) struct ReproducibleBuildTests {
    static var reason: String? {
        if getuid() != 0 { return "needs root (or a cached Debian base) to import the debootstrapped base" }
        return DebianBase.unavailableReason
    }

    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// name → manifest digest of every image in `store`.
    func digests(_ store: String) throws -> [String: String] {
        let list = try runTool(kollaOCIBinary(), ["images", "--root", store, "--quiet"])
        var result: [String: String] = [:]
        for name in list.stdout.split(separator: "\n").map(String.init) {
            let inspect = try runTool(kollaOCIBinary(), ["inspect", "--root", store, name])
            let json = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any]
            let descriptor = json?["descriptor"] as? [String: Any]
            result[name] = descriptor?["digest"] as? String ?? "?"
        }
        return result
    }

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func ciProfileTwiceGivesTheSameDigests() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-repro")
        defer { _ = try? runTool("/bin/rm", ["-rf", dir.path]) }
        _ = try runTool("/bin/mkdir", ["-p", dir.path + "/tree/data"])
        _ = try runTool("/bin/cp", ["-a", Self.repoRoot + "/docker", dir.path + "/tree/"])
        _ = try runTool("/bin/sh", ["-c", "cp -a \(Self.repoRoot)/etc/kolla/data/. \(dir.path)/tree/data/"])
        let epoch = "1700000000"
        var built: [[String: String]] = []
        for run in ["a", "b"] {
            let store = dir.path + "/store-" + run
            // The base's own created time comes from SOURCE_DATE_EPOCH too, or every child
            // would inherit a different history.
            let imported = try runTool(
                kollaOCIBinary(), ["import", "--root", store, try DebianBase.tarball(), "debian:bookworm"],
                environment: ["SOURCE_DATE_EPOCH": epoch, "HOME": dir.path])
            try #require(imported.status == 0, "\(imported.stderr)")
            let build = try runTool(
                kollaOCIBinary(),
                ["build", "--root", store, "--data-dir", dir.path + "/tree", "--profile", "ci", "--threads", "2",
                 "--timestamp", epoch, "--work-dir", dir.path + "/work-" + run],
                environment: ["HOME": dir.path])
            try #require(build.status == 0, "\(build.stderr.suffix(3000))")
            #expect(build.stdout.hasPrefix(#"{"built": [{"name": "base"}, {"name": "keystone"}, {"name": "keystone-base"}, {"name": "openstack-base"}], "failed": []"#))
            built.append(try digests(store))
        }
        #expect(built[0].count == 5, "debian:bookworm and the four images: \(built[0])")
        for (name, digest) in built[0].sorted(by: { $0.key < $1.key }) {
            #expect(built[1][name] == digest, "\(name): \(digest) in the first store, \(built[1][name] ?? "nothing") in the second")
        }
    }
}
