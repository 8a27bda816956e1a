import Foundation
import TestSupport
import Testing

/// `kolla-oci build` on a small tree: parents before children, statuses, summary JSON,
/// exit codes, per-image logs, a failing RUN.
@Suite(.serialized) struct KollaBuildTests {
    static var reason: String? {
        if getuid() != 0 { return "needs root (or a cached Debian base) to import the debootstrapped base" }
        return DebianBase.unavailableReason
    }

    /// A data directory: base ← parent ← {broken ← grandchild, sibling}, plus an unrelated image.
    func makeTree(_ dir: String) throws {
        let fm = FileManager.default
        func image(_ path: String, _ text: String) throws {
            try fm.createDirectory(atPath: dir + "/docker/" + path, withIntermediateDirectories: true)
            try text.write(toFile: dir + "/docker/" + path + "/Dockerfile.j2", atomically: true, encoding: .utf8)
        }
        try image("base", "FROM {{ base_image }}:{{ base_distro_tag }}\nLABEL name=\"{{ image_name }}\"\nRUN echo base > /base.txt\n")
        try image("parent", "FROM {{ namespace }}/{{ image_prefix }}base:{{ tag }}\nRUN echo parent > /parent.txt\n")
        try image("parent/broken", "FROM {{ namespace }}/{{ image_prefix }}parent:{{ tag }}\nRUN echo ok\nRUN echo about to fail && false\n")
        try image("parent/broken/grandchild", "FROM {{ namespace }}/{{ image_prefix }}broken:{{ tag }}\nRUN true\n")
        try image("parent/sibling", "FROM {{ namespace }}/{{ image_prefix }}parent:{{ tag }}\nRUN cat /base.txt /parent.txt\n")
        try image("other", "FROM {{ namespace }}/{{ image_prefix }}base:{{ tag }}\nRUN true\n")
        try fm.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        try """
        base: debian
        distros:
          debian: {image: debian, tag: bookworm, package_manager: apt, package_type: deb}
        """.replacingOccurrences(of: "{image: debian, tag: bookworm, package_manager: apt, package_type: deb}", with: "\n    image: debian\n    tag: bookworm\n    package_manager: apt\n    package_type: deb")
            .write(toFile: dir + "/data/defaults.yaml", atomically: true, encoding: .utf8)
        try "test:\n  - sibling\n  - grandchild\n".write(toFile: dir + "/data/profiles.yaml", atomically: true, encoding: .utf8)
        for f in ["users.yaml", "sources.yaml", "unbuildable.yaml"] {
            try "{}\n".write(toFile: dir + "/data/" + f, atomically: true, encoding: .utf8)
        }
        try "deb: {}\n".write(toFile: dir + "/data/repos.yaml", atomically: true, encoding: .utf8)
    }

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func failingRunMarksChildrenAndKeepsSiblings() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-kbuild")
        defer { try? dir.remove() }
        try makeTree(dir.path)
        let env = ["KOLLA_OCI_ROOT": dir.path + "/store", "HOME": dir.path]
        let bin = kollaOCIBinary()
        #expect(try runTool(bin, ["import", try DebianBase.tarball(), "debian:bookworm"], environment: env).status == 0)
        try FileManager.default.createDirectory(atPath: dir.path + "/logs", withIntermediateDirectories: true)
        let run = try runTool(
            bin, ["build", "--data-dir", dir.path, "--profile", "test", "--threads", "2", "--retries", "0", "--logs-dir", dir.path + "/logs", "--work-dir", dir.path + "/work"],
            environment: env)
        #expect(run.status == 1)
        #expect(
            run.stdout
                == #"{"built": [{"name": "base"}, {"name": "parent"}, {"name": "sibling"}], "failed": [{"name": "broken", "status": "error"}, {"name": "grandchild", "status": "parent_error"}], "not_matched": [{"name": "other"}], "skipped": [], "unbuildable": []}"#,
            "\(run.stdout)\n\(run.stderr.suffix(2000))")
        // The log names the failing step and its line.
        #expect(run.stderr.contains("broken/Dockerfile:3: building at STEP \"RUN echo about to fail && false\": exit status 1"), "\(run.stderr.suffix(2000))")
        let brokenLog = try String(contentsOfFile: dir.path + "/logs/broken.log", encoding: .utf8)
        #expect(brokenLog.contains("about to fail"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir.path + "/logs/000_FAILED_broken.log") == "broken.log")
        #expect(FileManager.default.fileExists(atPath: dir.path + "/logs/sibling.log"))

        // allowed_to_fail turns the exit code to 0 (the image is still listed as failed).
        try "[DEFAULT]\nallowed_to_fail = broken,grandchild\n".write(toFile: dir.path + "/a.conf", atomically: true, encoding: .utf8)
        let allowed = try runTool(
            bin, ["build", "--config-file", dir.path + "/a.conf", "--data-dir", dir.path, "--profile", "test", "--retries", "0", "--summary-json-file", dir.path + "/s.json"],
            environment: env)
        #expect(allowed.status == 0, "\(allowed.stderr.suffix(1000))")
        #expect(allowed.stdout.isEmpty)
        let summary = try String(contentsOfFile: dir.path + "/s.json", encoding: .utf8)
        #expect(summary.hasPrefix("{\n    \"built\": ["))
        #expect(allowed.stderr.contains("broken Failed with status: error (allowed to fail)"))
    }
}

/// The CI job of `kolla-oci build`: kolla-oci's own `ci` profile (base → openstack-base →
/// keystone-base → keystone from Debian packages) built rootless from a fresh store,
/// pushed to a loopback registry, then rebuilt with no change: every step cached,
/// nothing uploaded, the same statuses.
@Suite(.serialized) struct CIProfileTests {
    static let user = "kolla-oci-it"
    static var reason: String? {
        if getuid() != 0 { return "needs root to create the unprivileged test user" }
        if RegistryTestEnvironment.registryMissing != nil { return RegistryTestEnvironment.registryMissing }
        return DebianBase.unavailableReason
    }

    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func ciProfileRootlessPushAndNoChangeRebuild() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-ci")
        defer { _ = try? runTool("/bin/rm", ["-rf", dir.path]) }
        chmod(dir.path, 0o755)
        // The unprivileged user with subordinate ids (as in BudTests), removed afterwards.
        let user = try TestUser.create(Self.user, subordinateIDs: (300000, 65536))
        defer { user.remove() }
        // kolla-oci's tree, copied where the test user can read it.
        _ = try runTool("/bin/mkdir", ["-p", dir.path + "/tree/data"])
        _ = try runTool("/bin/cp", ["-a", Self.repoRoot + "/docker", dir.path + "/tree/"])
        _ = try runTool("/bin/sh", ["-c", "cp -a \(Self.repoRoot)/etc/kolla/data/. \(dir.path)/tree/data/"])
        try FileManager.default.copyItem(atPath: try DebianBase.tarball(), toPath: dir.path + "/base.tar")
        _ = try runTool("/bin/chown", ["-R", Self.user, dir.path])
        let registry = try TestRegistry(directory: dir.path + "/registry")
        defer { registry.stop() }

        func kollaOCI(_ args: [String]) throws -> ToolRun {
            try runTool(
                "/usr/sbin/runuser",
                ["-u", Self.user, "--", "/usr/bin/env", "KOLLA_OCI_ROOT=\(dir.path)/store", "HOME=\(dir.path)", kollaOCIBinary()] + args,
                directory: dir.path)
        }
        #expect(try kollaOCI(["import", "base.tar", "debian:bookworm"]).status == 0)
        let common = ["build", "--data-dir", dir.path + "/tree", "--profile", "ci", "--threads", "2", "--push",
                      "--registry", registry.address, "--insecure-registry", registry.address]
        let cold = try kollaOCI(common + ["--work-dir", dir.path + "/w1"])
        let expected = #"{"built": [{"name": "base"}, {"name": "keystone"}, {"name": "keystone-base"}, {"name": "openstack-base"}], "failed": []"#
        try #require(cold.status == 0, "\(cold.stderr.suffix(3000))")
        #expect(cold.stdout.hasPrefix(expected), "\(cold.stdout)")
        #expect(cold.stderr.components(separatedBy: "Pushed successfully").count - 1 == 4)

        // The registry has every image.
        let plan = try kollaOCI(["build", "--data-dir", dir.path + "/tree", "--profile", "ci", "--registry", registry.address, "--plan", "json"])
        let tag = plan.stdout.components(separatedBy: "\"image\": \"").dropFirst().first?.components(separatedBy: "\"").first?.split(separator: ":").last.map(String.init) ?? ""
        for image in ["base", "openstack-base", "keystone-base", "keystone"] {
            let head = try runTool("/usr/bin/curl", [
                "-s", "-o", "/dev/null", "-w", "%{http_code}", "-I", "-H", "Accept: application/vnd.oci.image.manifest.v1+json",
                "http://\(registry.address)/v2/kolla/\(image)/manifests/\(tag)",
            ])
            #expect(head.stdout == "200", "\(image):\(tag)")
        }

        // No change: everything from the cache, nothing uploaded, same summary.
        let warm = try kollaOCI(common + ["--work-dir", dir.path + "/w2"])
        #expect(warm.status == 0, "\(warm.stderr.suffix(2000))")
        #expect(warm.stdout == cold.stdout)
        #expect(!warm.stderr.contains("RUN took"), "a step ran again")
        let pushes = warm.stderr.split(separator: "\n").filter { $0.contains("Pushed \(registry.address)") }
        #expect(pushes.count == 4)
        #expect(pushes.allSatisfy { $0.contains(" 0 blob(s) uploaded (0 bytes)") }, "\(pushes)")
    }
}

/// `--plan json`, `--shard I/N` and `--stage K`: two shards as two processes with separate
/// stores sharing one loopback registry, stage by stage as a CI engine would run them.
@Suite(.serialized) struct ShardTests {
    static var reason: String? {
        if RegistryTestEnvironment.registryMissing != nil { return RegistryTestEnvironment.registryMissing }
        if getuid() != 0 { return "needs root (or a cached Debian base) to import the debootstrapped base" }
        return DebianBase.unavailableReason
    }

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func twoShardsShareARegistry() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-shards")
        defer { try? dir.remove() }
        try KollaBuildTests().makeTree(dir.path)
        // No failing image here.
        try FileManager.default.removeItem(atPath: dir.path + "/docker/parent/broken")
        try "all:\n  - sibling\n  - other\n".write(toFile: dir.path + "/data/profiles.yaml", atomically: true, encoding: .utf8)
        let registry = try TestRegistry(directory: dir.path + "/registry")
        defer { registry.stop() }
        let bin = kollaOCIBinary()
        func env(_ shard: Int) -> [String: String] { ["KOLLA_OCI_ROOT": dir.path + "/store\(shard)", "HOME": dir.path] }
        for shard in 0..<2 {
            #expect(try runTool(bin, ["import", try DebianBase.tarball(), "debian:bookworm"], environment: env(shard)).status == 0)
        }
        let common = ["build", "--data-dir", dir.path, "--profile", "all", "--registry", registry.address,
                      "--insecure-registry", registry.address]
        let plan = try runTool(bin, common + ["--plan", "json", "--shard", "0/2"], environment: env(0))
        #expect(plan.status == 0)
        #expect(plan.stdout.contains(#""stages": [\#n    ["base"],\#n    ["other", "parent"],\#n    ["sibling"]\#n  ]"#), "\(plan.stdout)")
        #expect(plan.stdout.contains(#"{"name": "parent", "image": "\#(registry.address)/kolla/parent:"#))

        // Stage by stage, both shards at once; each pushes what it built.
        var built: [Int: [String]] = [0: [], 1: []]
        for stage in 0..<3 {
            let runs = try (0..<2).map { shard in
                try runTool(bin, common + ["--shard", "\(shard)/2", "--stage", "\(stage)", "--push", "--work-dir", dir.path + "/w\(shard)-\(stage)"], environment: env(shard))
            }
            for (shard, run) in runs.enumerated() {
                #expect(run.status == 0, "stage \(stage) shard \(shard): \(run.stderr.suffix(1500))")
                let json = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
                built[shard]! += ((json?["built"] as? [[String: String]]) ?? []).compactMap { $0["name"] }
            }
        }
        #expect(Set(built[0]! + built[1]!) == ["base", "other", "parent", "sibling"])
        #expect(Set(built[0]!).isDisjoint(with: built[1]!))
        // sibling (shard 0) was built on parent (shard 1), pulled from the registry.
        #expect(built[0]!.contains("sibling") && built[1]!.contains("parent"))
        let run = try runTool(bin, ["run", "\(registry.address)/kolla/sibling:" + (plan.stdout.components(separatedBy: "kolla/sibling:").last?.prefix { $0 != "\"" }.description ?? ""), "cat", "/base.txt", "/parent.txt"], environment: env(0))
        #expect(run.stdout == "base\nparent\n", "\(run.stderr)")
    }
}
