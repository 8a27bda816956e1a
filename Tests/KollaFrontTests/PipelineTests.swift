import Foundation
import TestSupport
import Testing

@testable import KollaFront

/// `build --plan github-actions|gitlab-ci`: the generated files read back as meant (by
/// kolla-oci's YAML reader and by PyYAML), validate against the engines' published
/// schemas, and pass the checks a schema cannot make: every `needs` names an earlier
/// job, every image of the plan is built by exactly one job instance, and every
/// expression names a matrix key or variable the job defines.
@Suite struct PipelineTests {
    static let tree = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tree").path
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    func kollaOCI(_ args: [String], home: String) throws -> ToolRun {
        try runTool(kollaOCIBinary(), args, environment: ["HOME": home])
    }

    // MARK: - the YAML writer

    static let awkward = [
        "on", "On", "yes", "no", "y", "N", "off", "true", "False", "null", "~", "", " ", "0", "012", "0x1F", "1_000", "1:20", "1e3", ".5",
        "-1", "+1", ".inf", ".NaN", "2001-12-14", "a: b", "a:b", "#x", "a #b", "- a", "-", "?x", "*a", "&a", "!t", "%x", "@x", "`x",
        "[a]", "{a}", "a, b", "'q'", "\"q\"", ">x", "|x", "${{ vars.X }}", "$X", "lead ", " lead", "tab\tx", "back\\slash", "ü ß",
        "line\n", "two\nlines\n", "no final\nnewline", "  indented\nblock\n", "trailing \nspace\n", "blank\n\nline\n", "ctl\u{1}x",
        "many\n\n", "kolla-out/", "kolla-stage-*", "actions/checkout@v4", "always()",
    ]

    @Test func scalarsReadBackAsTheSameStrings() throws {
        let doc = YAMLWriter.document(
            .map([
                YAMLEntry("keys", .map(Self.awkward.enumerated().map { YAMLEntry("k\($0.offset)", .string($0.element)) })),
                YAMLEntry("list", .list(Self.awkward.map { .string($0) })),
                YAMLEntry("quoted keys", .map(Self.awkward.filter { !$0.isEmpty }.map { YAMLEntry($0, "v") })),
                YAMLEntry("nested", .list([.map([YAMLEntry("a", 1), YAMLEntry("b", .list([true, .map([])]))]), .list([])])),
            ]), header: ["a header", ""])
        #expect(doc.hasPrefix("# a header\n#\nkeys:\n"))
        // kolla-oci's own YAML reader (for the strings it supports).
        let node = try YAMLLoader.load(doc)
        for (i, s) in Self.awkward.enumerated() where !s.contains("\t") && !s.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" }) {
            #expect(node["keys"]?["k\(i)"]?.string == s, "\(s.debugDescription) written as \(YAMLWriter.scalar(s))")
        }
        // PyYAML (YAML 1.1, the stricter reading of plain scalars) reads every one back.
        if let json = try Self.pyYAML(doc) {
            let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            let keys = object?["keys"] as? [String: Any]
            for (i, s) in Self.awkward.enumerated() {
                #expect(keys?["k\(i)"] as? String == s, "\(s.debugDescription): \(String(describing: keys?["k\(i)"]))")
            }
            #expect(object?["list"] as? [String] == Self.awkward)
            #expect(Set(((object?["quoted keys"] as? [String: Any]) ?? [:]).keys) == Set(Self.awkward.filter { !$0.isEmpty }))
        }
    }

    /// The document as JSON through PyYAML's safe loader, or nil without python3-yaml.
    static func pyYAML(_ text: String) throws -> String? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"),
            try runTool("/usr/bin/python3", ["-c", "import yaml"]).status == 0
        else { return nil }
        let dir = try TemporaryDirectory(prefix: "kolla-oci-yaml")
        defer { try? dir.remove() }
        try text.write(toFile: dir.path + "/doc.yml", atomically: true, encoding: .utf8)
        let r = try runTool(
            "/usr/bin/python3", ["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding='utf-8'))))", dir.path + "/doc.yml"])
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout
    }

    // MARK: - options handed on

    @Test func pipelineOwnedOptionsAreLeftOut() throws {
        let args = [
            "--profile", "ci", "--registry", "r:5", "--push", "--shard=0/2", "--stage", "1", "-f", "json", "--logs-dir", "/x",
            "--summary-json-file=/s", "--nopush", "-b", "debian", "--timestamp", "9", "--config-file", "k.conf", "--plan", "gitlab-ci",
            "--insecure-registry", "r:5", "-dq", "keystone", "--", "--odd",
        ]
        let kept = try CommandLineParser.arguments(args, removing: BuildCommand.pipelineOwnedOptions)
        #expect(kept == ["--profile", "ci", "-b", "debian", "--timestamp", "9", "--config-file", "k.conf", "-dq", "keystone", "--", "--odd"])
        #expect(throws: ConfigError.self) { try CommandLineParser.arguments(["-df", "json"], removing: ["format"]) }
    }

    // MARK: - shards weighed by build time

    /// base ← {a, b, c, d, e}: 10, 1, 1, 8 and 2 seconds.
    func fanTree() throws -> (ImageGraph, TemporaryDirectory) {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-plan")
        var paths: [String] = []
        for (name, from) in [("base", "FROM debian:bookworm"), ("a", "FROM kolla/base:t"), ("b", "FROM kolla/base:t"), ("c", "FROM kolla/base:t"), ("d", "FROM kolla/base:t"), ("e", "FROM kolla/base:t")] {
            try FileManager.default.createDirectory(atPath: dir.path + "/" + name, withIntermediateDirectories: true)
            try (from + "\n").write(toFile: dir.path + "/\(name)/Dockerfile", atomically: true, encoding: .utf8)
            paths.append(dir.path + "/" + name)
        }
        var graph = try ImageGraph(paths: paths, namespace: "kolla", prefix: "", tag: "t")
        try graph.filter(patterns: [], unbuildable: [], skipParents: false, skipExisting: { _ in false })
        return (graph, dir)
    }

    @Test func shardsAreBalancedByRecordedTimes() throws {
        let (graph, dir) = try fanTree()
        defer { try? dir.remove() }
        // Without timings: round-robin by name, as before timings existed.
        let counted = BuildPlan(graph: graph, shards: 2)
        #expect(counted.entries.map(\.shard) == [0, 0, 1, 0, 1, 0])
        #expect(counted.criticalPath.images == ["base", "a"] && counted.criticalPath.seconds == nil)
        #expect(counted.stagedSeconds == nil)
        // With them: heaviest first to the least loaded shard: {a, b} 11 s, {d, e, c} 11 s
        // (round-robin would give 13 s and 9 s).
        let timings: [String: Double] = ["base": 30, "a": 10, "b": 1, "c": 1, "d": 8, "e": 2]
        let timed = BuildPlan(graph: graph, shards: 2, timings: timings)
        let shardOf = Dictionary(uniqueKeysWithValues: timed.entries.map { ($0.name, $0.shard) })
        #expect(shardOf == ["base": 0, "a": 0, "b": 0, "c": 1, "d": 1, "e": 1])
        #expect(timed.stagedSeconds == 41)
        #expect(timed.criticalPath.images == ["base", "a"] && timed.criticalPath.seconds == 40)
        #expect(timed.json().contains(#""critical_path": {"images": ["base", "a"], "seconds": 40.0}"#))
        #expect(timed.json().contains(#"{"name": "d", "image": "kolla/d:t", "parent": "base", "stage": 1, "shard": 1, "seconds": 8.0}"#))
        // An image without a recorded time weighs the median of the recorded ones (10 s):
        // a, b, c, e 10 s and d 8 s deal out as {a, c, d} 28 s and {b, e} 20 s.
        let partial = BuildPlan(graph: graph, shards: 2, timings: ["base": 30, "a": 10, "d": 8])
        #expect(partial.entries.first { $0.name == "b" }?.seconds == nil)
        #expect(partial.stagedSeconds.map { $0 - 58 } == 0, "\(String(describing: partial.stagedSeconds))")
        // Two shards of a stage with a single image: only the first is busy.
        #expect(timed.busyShards(stage: 0) == 1 && timed.busyShards(stage: 1) == 2)
    }

    @Test func timingsFileErrorsNameTheFile() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-plan")
        defer { try? dir.remove() }
        try #"{"base": "slow"}"#.write(toFile: dir.path + "/t.json", atomically: true, encoding: .utf8)
        let r = try kollaOCI(["build", "--data-dir", Self.tree, "--plan", "json", "--plan-timings", dir.path + "/t.json"], home: dir.path)
        #expect(r.status == 1)
        #expect(r.stderr.contains("\(dir.path)/t.json: expected a JSON object of image name to seconds"), "\(r.stderr)")
        try #"{"base": 12.5, "cron": 3}"#.write(toFile: dir.path + "/t.json", atomically: true, encoding: .utf8)
        let ok = try kollaOCI(["build", "--data-dir", Self.tree, "--plan", "json", "--plan-timings", dir.path + "/t.json"], home: dir.path)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains(#""seconds": 12.5}"#))
    }

    // MARK: - generated pipelines

    /// Selection used by the pipeline tests: four stages, two of them with two images.
    static let selection = ["--data-dir", tree, "keystone", "cron", "--timestamp", "1700000000"]

    func generate(_ format: String, shards: Int = 2, home: String) throws -> String {
        let r = try kollaOCI(["build"] + Self.selection + ["--plan", format, "--shard", "0/\(shards)", "--registry", "registry.invalid:5000", "--push"], home: home)
        try #require(r.status == 0, "\(r.stderr)")
        return r.stdout
    }

    /// (stage, shard) of every planned image.
    func plan(shards: Int, home: String) throws -> [String: (stage: Int, shard: Int)] {
        let r = try kollaOCI(["build"] + Self.selection + ["--plan", "json", "--shard", "0/\(shards)"], home: home)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        var out: [String: (Int, Int)] = [:]
        for image in (json?["images"] as? [[String: Any]]) ?? [] {
            out[image["name"] as! String] = (image["stage"] as! Int, image["shard"] as! Int)
        }
        return out
    }

    /// `--stage K` and `--shard I/N` of a job's build command: the images it builds.
    func images(built script: String, plan: [String: (stage: Int, shard: Int)]) -> [String] {
        guard let line = script.split(separator: "\n").first(where: { $0.hasPrefix("kolla-oci build ") }) else { return [] }
        let words = line.split(separator: " ").map(String.init)
        let stage = words.firstIndex(of: "--stage").map { Int(words[$0 + 1])! }
        let shard = words.firstIndex(of: "--shard").map { Int(words[$0 + 1].split(separator: "/")[0])! } ?? 0
        return plan.filter { $0.value.stage == stage && $0.value.shard == shard }.map(\.key).sorted()
    }

    @Test func githubWorkflowHasOrderedJobsAndCoversThePlanOnce() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-gha")
        defer { try? dir.remove() }
        let text = try generate("github-actions", home: dir.path)
        #expect(!text.contains("registry.invalid"), "the registry is a variable")
        #expect(text.contains("# Generated by: kolla-oci build --data-dir \(Self.tree) keystone cron --timestamp 1700000000 --plan github-actions\n"))
        let doc = try YAMLLoader.load(text)
        #expect(doc["on"]?["workflow_dispatch"] != nil)
        #expect(doc["env"]?["KOLLA_REGISTRY"]?.string == "${{ vars.KOLLA_REGISTRY }}")
        let plan = try plan(shards: 2, home: dir.path)
        var seen: [String] = []
        var earlier: Set<String> = []
        for (name, job) in doc["jobs"]?.pairs ?? [] {
            for need in job["needs"]?.items ?? [] {
                #expect(earlier.contains(need.string ?? ""), "\(name) needs \(need) that is not an earlier job")
            }
            let matrixKeys = Set(job["strategy"]?["matrix"]?.pairs.map(\.0) ?? [])
            #expect(job["container"]?["image"]?.string == "${{ vars.KOLLA_OCI_IMAGE }}")
            // Every expression names a defined matrix key, a variable or a secret.
            for expression in Self.expressions(in: Self.text(of: job)) {
                if expression.hasPrefix("matrix.") {
                    #expect(matrixKeys.contains(String(expression.dropFirst(7))), "\(name): \(expression)")
                } else {
                    #expect(["vars.", "secrets."].contains { expression.hasPrefix($0) } || expression == "always()", "\(name): \(expression)")
                }
            }
            let steps = job["steps"]?.items ?? []
            if let run = steps.compactMap({ $0["run"]?.string }).first(where: { $0.contains("kolla-oci build ") }) {
                #expect(steps.contains { $0["uses"]?.string == GitHubActionsPipeline.uploadAction && $0["if"]?.string == "always()" })
                let shards = job["strategy"]?["matrix"]?["shard"]?.items.compactMap { $0.string.flatMap(Int.init) } ?? [0]
                for shard in shards {
                    seen += images(built: run.replacingOccurrences(of: "${{ matrix.shard }}", with: "\(shard)"), plan: plan)
                }
            } else {
                #expect(name == "summary" && job["if"]?.string == "always()")
                #expect(steps.contains { $0["run"]?.string?.contains("kolla-oci merge-summaries") == true })
            }
            earlier.insert(name)
        }
        #expect(seen.sorted() == plan.keys.sorted(), "every image built by exactly one job")
        #expect(doc["jobs"]?["stage-1"]?["strategy"]?["matrix"]?["shard"]?.items.count == 2)
        #expect(doc["jobs"]?["stage-2"]?["strategy"] == nil, "a stage with one image is a single job")
    }

    @Test func gitlabPipelineHasOrderedJobsAndCoversThePlanOnce() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-glci")
        defer { try? dir.remove() }
        let text = try generate("gitlab-ci", home: dir.path)
        #expect(!text.contains("registry.invalid"))
        let doc = try YAMLLoader.load(text)
        let stages = doc["stages"]?.items.compactMap(\.string) ?? []
        #expect(stages == ["kolla-stage-0", "kolla-stage-1", "kolla-stage-2", "kolla-stage-3", "kolla-summary"])
        let plan = try plan(shards: 2, home: dir.path)
        var seen: [String] = []
        var earlier: [String: Int] = [:]
        for (name, job) in doc.pairs where !["stages", "default", "variables"].contains(name) {
            let stage = stages.firstIndex(of: job["stage"]?.string ?? "")
            try #require(stage != nil, "\(name) is in no declared stage")
            for need in job["needs"]?.items ?? [] {
                let needed = need["job"]?.string ?? ""
                #expect(earlier[needed].map { $0 < stage! } == true, "\(name) needs \(needed) that is not in an earlier stage")
            }
            let matrix = job["parallel"]?["matrix"]?.items.first
            let script = job["script"]?.items.compactMap(\.string).joined(separator: "\n") ?? ""
            // $KOLLA_SHARD only where the matrix defines it.
            #expect(script.contains("$KOLLA_SHARD") == (matrix?["KOLLA_SHARD"] != nil), "\(name)")
            if script.contains("kolla-oci build ") {
                #expect(job["artifacts"]?["when"]?.string == "always")
                let shards = matrix?["KOLLA_SHARD"]?.items.compactMap(\.string) ?? ["0"]
                for shard in shards {
                    seen += images(built: script.replacingOccurrences(of: "$KOLLA_SHARD", with: shard), plan: plan)
                }
                // A stage job needs its parents in the registry, not the earlier jobs' logs.
                #expect((job["needs"]?.items ?? []).allSatisfy { $0["artifacts"]?.bool == false })
            } else {
                #expect(name == "kolla-summary" && job["when"]?.string == "always")
                #expect(job["needs"]?.items.count == 4)
            }
            earlier[name] = stage
        }
        #expect(seen.sorted() == plan.keys.sorted(), "every image built by exactly one job")
    }

    @Test func expressionsInOptionsAreRefused() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-gha")
        defer { try? dir.remove() }
        let r = try kollaOCI(["build", "--data-dir", Self.tree, "--plan", "github-actions", "--tag", "${{ secrets.X }}"], home: dir.path)
        #expect(r.status == 1)
        #expect(r.stderr.contains("cannot be written into a pipeline"), "\(r.stderr)")
        // Shell syntax in an option value is quoted in the job's script.
        let quoted = try kollaOCI(["build", "--data-dir", Self.tree, "--plan", "gitlab-ci", "--tag", "a b$c'd"], home: dir.path)
        #expect(quoted.stdout.contains(#"kolla-oci build --data-dir \#(Self.tree) --tag 'a b$c'\''d' --registry"#), "\(quoted.stdout)")
    }

    /// Both files against the engines' JSON schemas, with check-jsonschema (PyPI; tools/setup
    /// installs it into tools/.venv).
    static var checkJSONSchema: String? {
        [repoRoot + "/tools/.venv/bin/check-jsonschema", "/usr/local/bin/check-jsonschema", "/usr/bin/check-jsonschema"]
            .first(where: FileManager.default.isExecutableFile)
    }

    @Test(.enabled(if: checkJSONSchema != nil, "needs check-jsonschema (tools/setup installs it into tools/.venv)"))
    func filesValidateAgainstTheEnginesSchemas() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-schema")
        defer { try? dir.remove() }
        for (format, schema) in [("github-actions", "vendor.github-workflows"), ("gitlab-ci", "vendor.gitlab-ci")] {
            for shards in [1, 3] {
                let file = dir.path + "/\(format)-\(shards).yml"
                try generate(format, shards: shards, home: dir.path).write(toFile: file, atomically: true, encoding: .utf8)
                let r = try runTool(Self.checkJSONSchema!, ["--builtin-schema", schema, file])
                #expect(r.status == 0, "\(format) \(shards) shards: \(r.stdout) \(r.stderr)")
            }
        }
        // The schema does reject a broken file (the check is not vacuous).
        try "jobs:\n  x:\n    runs-on: 3\n    stepz: []\n".write(toFile: dir.path + "/bad.yml", atomically: true, encoding: .utf8)
        #expect(try runTool(Self.checkJSONSchema!, ["--builtin-schema", "vendor.github-workflows", dir.path + "/bad.yml"]).status != 0)
    }

    @Test func summariesMergeIntoOne() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-merge")
        defer { try? dir.remove() }
        let fm = FileManager.default
        for (job, summary, timings) in [
            ("stage-0", #"{"built": [{"name": "base"}], "failed": [], "not_matched": [{"name": "x"}], "skipped": [{"name": "a"}, {"name": "b"}], "unbuildable": []}"#, #"{"base": 20}"#),
            ("stage-1-shard-0", #"{"built": [{"name": "a"}], "failed": [], "not_matched": [{"name": "x"}], "skipped": [{"name": "base"}, {"name": "b"}], "unbuildable": []}"#, #"{"a": 5.5}"#),
            ("stage-1-shard-1", #"{"built": [], "failed": [{"name": "b", "status": "error"}], "not_matched": [{"name": "x"}], "skipped": [{"name": "a"}, {"name": "base"}], "unbuildable": []}"#, "{}"),
        ] {
            try fm.createDirectory(atPath: dir.path + "/out/\(job)/logs", withIntermediateDirectories: true)
            try summary.write(toFile: dir.path + "/out/\(job)/summary.json", atomically: true, encoding: .utf8)
            try timings.write(toFile: dir.path + "/out/\(job)/logs/timings.json", atomically: true, encoding: .utf8)
        }
        let r = try kollaOCI(["merge-summaries", "--output", dir.path + "/s.json", "--timings", dir.path + "/t.json", dir.path + "/out"], home: dir.path)
        #expect(r.status == 0, "\(r.stderr)")
        let merged = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: [[String: String]]]
        #expect(merged?["built"] == [["name": "a"], ["name": "base"]])
        #expect(merged?["failed"] == [["name": "b", "status": "error"]])
        #expect(merged?["skipped"] == [] && merged?["not_matched"] == [["name": "x"]])
        #expect(try String(contentsOfFile: dir.path + "/s.json", encoding: .utf8) == r.stdout)
        #expect(try String(contentsOfFile: dir.path + "/t.json", encoding: .utf8) == "{\n  \"a\": 5.5,\n  \"base\": 20.0\n}\n")
        #expect(r.stderr.contains("b Failed with status: error"))

        try "{\"built\": 3}".write(toFile: dir.path + "/bad.json", atomically: true, encoding: .utf8)
        let bad = try kollaOCI(["merge-summaries", dir.path + "/bad.json"], home: dir.path)
        #expect(bad.status == 1 && bad.stderr.contains("\(dir.path)/bad.json: not a kolla-build summary"), "\(bad.stderr)")
        let none = try kollaOCI(["merge-summaries", dir.path + "/out/stage-0/logs"], home: dir.path)
        #expect(none.status == 1 && none.stderr.contains("no summary.json found"))
    }

    static func expressions(in text: String) -> [String] {
        text.components(separatedBy: "${{").dropFirst().compactMap { $0.components(separatedBy: "}}").first?.trimmingCharacters(in: .whitespaces) }
    }

    static func text(of node: YAMLValue) -> String {
        switch node {
        case .sequence(let items): return items.map(text(of:)).joined(separator: "\n")
        case .mapping: return node.pairs.map { $0.0 + "\n" + text(of: $0.1) }.joined(separator: "\n")
        case .null: return ""
        default: return node.string ?? ""
        }
    }
}
