import Foundation
import TestSupport
import Testing

/// Generated pipelines run locally (`PipelineRunner`): every job instance in a fresh
/// store and workspace inside a simulated unprivileged CI container — a user namespace
/// with an id range, user namespaces switched off inside it and the capabilities cut to
/// Docker's default set, as IsolationRungTests' chroot rung — sharing only a loopback
/// registry. With `--timestamp` fixed, the images the pipeline pushes are compared with
/// those a single `kolla-oci build` of the same selection makes in the same container.
@Suite(.serialized) struct PipelineRunTests {
    static var reason: String? {
        if getuid() != 0 { return "needs root to simulate CI containers (unshare, capsh)" }
        for tool in ["/usr/bin/unshare", "/usr/sbin/capsh", "/usr/bin/bsdtar", "/usr/bin/python3", "/usr/bin/newuidmap"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            return "needs \(tool) (tools/setup)"
        }
        if (try? runTool("/usr/bin/python3", ["-c", "import yaml"]))?.status != 0 { return "needs python3-yaml (tools/setup)" }
        if let missing = RegistryTestEnvironment.registryMissing { return missing }
        return DebianBase.unavailableReason
    }

    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let timestamp = "1700000000"
    /// Root's id range for the simulated containers (apart from IsolationRungTests' range).
    static let idRange = (start: 600000, count: 65536)

    /// Docker's default CI container: a user namespace with a range, no nested user
    /// namespaces, Docker's default capabilities only.
    static func container(_ command: String) -> [String] {
        let range = "\(idRange.start),1,\(idRange.count)"
        let inner = "echo 0 > /proc/sys/user/max_user_namespaces && exec /usr/sbin/capsh --drop=\(IsolationRungTests.nonDefaultCapabilities) -- -c \"$0\""
        return ["/usr/bin/unshare", "--user", "--map-root-user", "--map-users=\(range)", "--map-groups=\(range)", "--mount", "--fork",
                "/bin/sh", "-c", inner, command]
    }

    /// The scratch of one test: the repository checkout, the CI image's commands, a
    /// store template holding the Debian base (as the CI image's store does), a registry.
    final class Bench {
        let dir: TemporaryDirectory
        let registry: TestRegistry
        let removeRange: @Sendable () -> Void
        var repo: String { dir.path + "/repo" }
        var bin: String { dir.path + "/bin" }
        var template: String { dir.path + "/template-store" }

        init(prefix: String) throws {
            dir = try TemporaryDirectory(prefix: prefix)
            chmod(dir.path, 0o755)
            removeRange = try TestUser.addRootRange(start: PipelineRunTests.idRange.start, count: PipelineRunTests.idRange.count)
            try FileManager.default.createDirectory(atPath: dir.path + "/repo", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: dir.path + "/bin", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: dir.path + "/bin/kolla-oci", withDestinationPath: kollaOCIBinary())
            let imported = try runTool(kollaOCIBinary(), ["import", try DebianBase.tarball(), "debian:bookworm"], environment: ["KOLLA_OCI_ROOT": dir.path + "/template-store"])
            guard imported.status == 0 else { throw PipelineRunner.RunnerError("import: \(imported.stderr)") }
            registry = try TestRegistry(directory: dir.path + "/registry")
        }

        func close() {
            registry.stop()
            removeRange()
            _ = try? runTool("/bin/rm", ["-rf", dir.path])
        }

        /// `kolla-oci ARGS` run in the repository, on the host (the generator).
        func kollaOCI(_ args: [String]) throws -> ToolRun {
            try runTool(kollaOCIBinary(), args, environment: ["HOME": dir.path, "KOLLA_OCI_ROOT": template], directory: repo)
        }

        func seed(_ store: String) throws {
            let r = try runTool("/bin/cp", ["-a", template, store])
            guard r.status == 0 else { throw PipelineRunner.RunnerError("cp: \(r.stderr)") }
        }

        func runner(_ engine: PipelineRunner.Engine, file: String, scratch: String) -> PipelineRunner {
            PipelineRunner(
                engine: engine, file: file, scratch: scratch, checkout: repo,
                variables: [
                    "KOLLA_REGISTRY": registry.address, "KOLLA_OCI_IMAGE": "kolla-oci-ci:test",
                    "KOLLA_OCI_OPTIONS": "--insecure-registry \(registry.address)",
                ],
                secrets: [:], binDirectory: bin, prepareStore: seed, container: PipelineRunTests.container)
        }

        /// One `kolla-oci build` of `selection` in a fresh store in the simulated container:
        /// image name → manifest digest, plus the store.
        func singleMachineBuild(_ selection: [String], images: [(name: String, image: String)]) throws -> (store: String, digests: [String: String]) {
            let store = dir.path + "/single-store"
            try seed(store)
            let words = ["env", "HOME=\(dir.path)", "KOLLA_OCI_ROOT=\(store)", kollaOCIBinary(), "build"] + selection
            let command = "cd '\(repo)' && exec " + words.map { "'\($0)'" }.joined(separator: " ")
            let argv = PipelineRunTests.container(command)
            let r = try runTool(argv[0], Array(argv.dropFirst()), directory: repo)
            guard r.status == 0 else { throw PipelineRunner.RunnerError("single-machine build: \(r.stderr.suffix(3000))") }
            var digests: [String: String] = [:]
            for (name, image) in images {
                digests[name] = try PipelineRunTests.inspect(store: store, reference: image)["descriptor"].flatMap { ($0 as? [String: Any])?["digest"] as? String }
            }
            return (store, digests)
        }
    }

    static func inspect(store: String, reference: String) throws -> [String: Any] {
        let r = try runTool(kollaOCIBinary(), ["inspect", "--root", store, reference])
        guard r.status == 0, let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else {
            throw PipelineRunner.RunnerError("inspect \(reference): \(r.stderr)")
        }
        return json
    }

    /// The images of the plan: name and reference without a registry.
    static func planImages(_ bench: Bench, _ selection: [String]) throws -> [(name: String, image: String)] {
        let r = try bench.kollaOCI(["build"] + selection + ["--plan", "json"])
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return ((json?["images"] as? [[String: Any]]) ?? []).map { ($0["name"] as! String, $0["image"] as! String) }
    }

    /// Pulls each pushed image into a fresh store: name → manifest digest.
    static func pulled(_ bench: Bench, _ images: [(name: String, image: String)], store: String) throws -> [String: String] {
        var digests: [String: String] = [:]
        for (name, image) in images {
            let r = try runTool(kollaOCIBinary(), ["pull", "--root", store, "--insecure-registry", bench.registry.address, "--quiet", bench.registry.address + "/" + image])
            #expect(r.status == 0, "pull \(image): \(r.stderr)")
            digests[name] = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return digests
    }

    /// Member names of each layer and the config without its layer digests.
    static func contents(store: String, reference: String) throws -> (layers: [[String]], config: String) {
        let json = try inspect(store: store, reference: reference)
        let layers = ((json["manifest"] as? [String: Any])?["layers"] as? [[String: Any]]) ?? []
        let files = try layers.map { layer in
            let digest = (layer["digest"] as? String ?? "").replacingOccurrences(of: "sha256:", with: "")
            return try runTool("/usr/bin/bsdtar", ["-tf", store + "/blobs/sha256/" + digest]).stdout.split(separator: "\n").map(String.init).sorted()
        }
        var config = (json["config"] as? [String: Any]) ?? [:]
        config["rootfs"] = nil
        let text = String(decoding: try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]), as: UTF8.self)
        return (files, text)
    }

    /// Runs the generated file; checks every job ran in the container and succeeded, each
    /// image was built by exactly one job, and the summary job merged all of them.
    static func runPipeline(_ bench: Bench, engine: PipelineRunner.Engine, selection: [String], expectedImages: [String]) throws -> [PipelineRunner.JobRun] {
        let generated = try bench.kollaOCI(["build"] + selection + ["--plan", engine.rawValue])
        try #require(generated.status == 0, "\(generated.stderr)")
        #expect(!generated.stdout.contains(bench.registry.address))
        let file = bench.dir.path + "/\(engine.rawValue).yml"
        try generated.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        let scratch = bench.dir.path + "/run-\(engine.rawValue)"
        let runs = try bench.runner(engine, file: file, scratch: scratch).run()
        var builtBy: [String: [String]] = [:]
        for run in runs {
            let label = "\(run.job) \(run.matrix)"
            #expect(run.ran && run.succeeded, "\(label): \(run.output.suffix(3000))")
            if run.output.contains("kolla-oci build") || run.output.contains("isolation:") {
                #expect(run.output.contains("isolation: chroot\n"), "\(label) did not run in the chroot rung")
            }
            // The job's own summary: what it built.
            let summaries = (FileManager.default.enumerator(atPath: run.workspace + "/kolla-out")?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix("summary.json") }
            for s in summaries where !run.job.contains("summary") {
                let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run.workspace + "/kolla-out/" + s))) as? [String: Any]
                for b in (json?["built"] as? [[String: String]]) ?? [] { builtBy[b["name"]!, default: []].append(label) }
            }
        }
        #expect(builtBy.keys.sorted() == expectedImages.sorted(), "\(builtBy)")
        #expect(builtBy.values.allSatisfy { $0.count == 1 }, "an image built twice: \(builtBy)")
        // The summary job's merged summary: kolla's keys, every image built.
        let summaryRun = try #require(runs.last)
        let merged = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: summaryRun.workspace + "/kolla-summary/summary.json"))) as? [String: Any]
        #expect(Set(((merged?["built"] as? [[String: String]]) ?? []).compactMap { $0["name"] }) == Set(expectedImages), "\(String(describing: merged))")
        #expect((merged?["failed"] as? [Any])?.isEmpty == true)
        let timings = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: summaryRun.workspace + "/kolla-summary/timings.json"))) as? [String: Double]
        #expect(Set(timings?.keys.map { $0 } ?? []) == Set(expectedImages))
        return runs
    }

    /// base ← parent ← sibling, base ← other; two shards: stage 1 is a matrix of two jobs.
    func shardedToyPipeline(_ engine: PipelineRunner.Engine) throws {
        let bench = try Bench(prefix: "kolla-oci-pipeline-toy")
        defer { bench.close() }
        try KollaBuildTests().makeTree(bench.repo + "/toy")
        try FileManager.default.removeItem(atPath: bench.repo + "/toy/docker/parent/broken")
        try "all:\n  - sibling\n  - other\n".write(toFile: bench.repo + "/toy/data/profiles.yaml", atomically: true, encoding: .utf8)
        let selection = ["--data-dir", "toy", "--profile", "all", "--timestamp", Self.timestamp, "--shard", "0/2"]
        let images = try Self.planImages(bench, selection)
        #expect(images.map(\.name) == ["base", "other", "parent", "sibling"])
        let single = try bench.singleMachineBuild(Array(selection.dropLast(2)), images: images)
        let runs = try Self.runPipeline(bench, engine: engine, selection: selection, expectedImages: images.map(\.name))
        // Stage 1's matrix ran as two jobs.
        #expect(runs.filter { !$0.matrix.isEmpty }.count == 2, "\(runs.map { "\($0.job) \($0.matrix)" })")
        let pulled = try Self.pulled(bench, images, store: bench.dir.path + "/pulled")
        for (name, _) in images {
            #expect(pulled[name] == single.digests[name], "\(name) differs from the single-machine build")
        }
    }

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func shardedToyPipelineOnGitHubActions() throws { try shardedToyPipeline(.github) }

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func shardedToyPipelineOnGitLabCI() throws { try shardedToyPipeline(.gitlab) }

    /// The ci profile (base → openstack-base → keystone-base → keystone, Debian packages)
    /// through the generated GitHub Actions workflow, against one `kolla-oci build`.
    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func ciProfilePipelineMatchesASingleMachineBuild() throws {
        let bench = try Bench(prefix: "kolla-oci-pipeline-ci")
        defer { bench.close() }
        _ = try runTool("/bin/mkdir", ["-p", bench.repo + "/tree/data"])
        _ = try runTool("/bin/cp", ["-a", Self.repoRoot + "/docker", bench.repo + "/tree/"])
        _ = try runTool("/bin/sh", ["-c", "cp -a '\(Self.repoRoot)'/etc/kolla/data/. '\(bench.repo)'/tree/data/"])
        let selection = ["--data-dir", "tree", "--profile", "ci", "--timestamp", Self.timestamp]
        let images = try Self.planImages(bench, selection)
        #expect(images.map(\.name) == ["base", "openstack-base", "keystone-base", "keystone"])
        let single = try bench.singleMachineBuild(selection, images: images)
        _ = try Self.runPipeline(bench, engine: .github, selection: selection, expectedImages: images.map(\.name))
        let pulledStore = bench.dir.path + "/pulled"
        let pulled = try Self.pulled(bench, images, store: pulledStore)
        var report: [String] = []
        for (name, image) in images {
            // The same files in every layer and the same configuration (history, labels,
            // environment, created times) as the single-machine build.
            let a = try Self.contents(store: single.store, reference: image)
            let b = try Self.contents(store: pulledStore, reference: bench.registry.address + "/" + image)
            #expect(a.layers == b.layers, "\(name): the pipeline's layers hold other files")
            #expect(a.config == b.config, "\(name): the pipeline's config differs")
            report.append("\(name): \(pulled[name] == single.digests[name] ? "same digest" : "digest differs")")
        }
        print("ci profile, pipeline vs single machine: " + report.joined(separator: ", "))
        // Identical digests: reproducible mode (--timestamp) leaves no run-specific bytes in
        // the layers (docs/REPRODUCIBLE.md), whichever machine or shard builds them.
        for (name, _) in images {
            #expect(pulled[name] == single.digests[name], "\(name): \(pulled[name] ?? "-") vs \(single.digests[name] ?? "-")")
        }
    }
}
