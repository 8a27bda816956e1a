import Foundation
import TestSupport

/// A local stand-in for a CI engine running a pipeline kolla-oci generated: it reads the
/// file with PyYAML (an independent YAML reader), runs the jobs in dependency order with
/// their matrices expanded, each job instance in a fresh workspace and a fresh store as
/// a new CI container would have, and carries artifacts between jobs as the engine
/// does. Jobs share nothing else: images travel through the registry.
///
/// Only what the generated files use is supported (a `run`/`script` step, the checkout,
/// upload and download actions, `${{ vars | secrets | matrix }}`, `needs`, `if: always()`
/// / `when: always`, matrices of lists); anything else fails the run, so the harness
/// cannot quietly skip something the generator starts to emit.
struct PipelineRunner {
    enum Engine: String {
        case github = "github-actions"
        case gitlab = "gitlab-ci"
    }

    /// One job instance's outcome.
    struct JobRun {
        let job: String
        /// The matrix values of this instance.
        let matrix: [String: String]
        var succeeded: Bool
        var ran: Bool
        var output: String
        let workspace: String
    }

    let engine: Engine
    /// The generated file.
    let file: String
    /// Scratch space for workspaces, stores, artifacts.
    let scratch: String
    /// What a job's checkout holds (the repository).
    let checkout: String
    /// Repository variables (GitHub `vars`, GitLab CI/CD variables) and secrets.
    let variables: [String: String]
    let secrets: [String: String]
    /// Directory with the CI image's commands (kolla-oci), first on PATH.
    let binDirectory: String
    /// Fills a fresh job store as the CI image ships it.
    let prepareStore: (String) throws -> Void
    /// The argv that runs a shell command in the simulated CI container.
    let container: (String) -> [String]

    struct RunnerError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    /// The file as JSON values, through PyYAML's safe loader.
    func document() throws -> [String: Any] {
        let r = try runTool(
            "/usr/bin/python3", ["-c", "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1], encoding='utf-8')), sys.stdout)", file])
        guard r.status == 0, let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else {
            throw RunnerError("PyYAML cannot read \(file): \(r.stderr)")
        }
        return doc
    }

    /// Runs every job; returns the instances in the order they ran.
    func run() throws -> [JobRun] {
        let doc = try document()
        return engine == .github ? try runGitHub(doc) : try runGitLab(doc)
    }

    // MARK: - GitHub Actions

    private func runGitHub(_ doc: [String: Any]) throws -> [JobRun] {
        guard let jobs = doc["jobs"] as? [String: Any] else { throw RunnerError("no jobs") }
        let order = try jobOrder(jobs.mapValues { (($0 as? [String: Any])?["needs"] as? [String]) ?? [] })
        let workflowEnv = (doc["env"] as? [String: Any]) ?? [:]
        var runs: [JobRun] = []
        var outcome: [String: Bool] = [:]
        for name in order {
            let job = jobs[name] as! [String: Any]
            let needs = (job["needs"] as? [String]) ?? []
            let always = (job["if"] as? String) == "always()"
            guard job["if"] == nil || always else { throw RunnerError("\(name): unsupported if: \(job["if"]!)") }
            let image = ((job["container"] as? [String: Any])?["image"] as? String).map { try? expand($0, matrix: [:]) } ?? nil
            guard let image, image == variables["KOLLA_OCI_IMAGE"] else { throw RunnerError("\(name): the container is not the CI image variable") }
            let upstreamOK = needs.allSatisfy { outcome[$0] == true }
            var jobOK = true
            for matrix in try matrixInstances(((job["strategy"] as? [String: Any])?["matrix"] as? [String: Any]) ?? [:]) {
                var run = try newRun(name, matrix)
                if upstreamOK || always {
                    try runGitHubSteps(job, workflowEnv: workflowEnv, into: &run)
                } else {
                    run.ran = false
                    run.succeeded = false
                }
                jobOK = jobOK && run.succeeded
                runs.append(run)
            }
            outcome[name] = jobOK
        }
        return runs
    }

    private func runGitHubSteps(_ job: [String: Any], workflowEnv: [String: Any], into run: inout JobRun) throws {
        var env: [String: String] = [:]
        for (k, v) in workflowEnv.merging((job["env"] as? [String: Any]) ?? [:], uniquingKeysWith: { $1 }) {
            env[k] = try expand("\(v)", matrix: run.matrix)
        }
        for step in (job["steps"] as? [[String: Any]]) ?? [] {
            let condition = step["if"] as? String
            guard condition == nil || condition == "always()" else { throw RunnerError("unsupported step if: \(condition!)") }
            if !run.succeeded && condition == nil { continue }
            var stepEnv = env
            for (k, v) in (step["env"] as? [String: Any]) ?? [:] { stepEnv[k] = try expand("\(v)", matrix: run.matrix) }
            let with = try ((step["with"] as? [String: Any]) ?? [:]).mapValues { try expand("\($0)", matrix: run.matrix) }
            if let uses = step["uses"] as? String {
                switch uses.split(separator: "@").first.map(String.init) {
                case "actions/checkout": break  // the workspace starts as the checkout
                case "actions/upload-artifact":
                    guard let artifact = with["name"], let path = with["path"] else { throw RunnerError("upload without name or path") }
                    try copyTree(run.workspace + "/" + path, to: artifacts + "/" + artifact)
                case "actions/download-artifact":
                    guard let pattern = with["pattern"], let path = with["path"], ["true", "1"].contains(with["merge-multiple"] ?? "") else {
                        throw RunnerError("download-artifact needs pattern, path and merge-multiple")
                    }
                    for artifact in try FileManager.default.contentsOfDirectory(atPath: artifacts).sorted() where fnmatch(pattern, artifact, 0) == 0 {
                        try copyTree(artifacts + "/" + artifact, to: run.workspace + "/" + path)
                    }
                default: throw RunnerError("unsupported action \(uses)")
                }
            } else if let script = step["run"] as? String {
                // GitHub runs `shell: bash` as `bash --noprofile --norc -eo pipefail {0}`.
                let status = try shell(try expand(script, matrix: run.matrix), env: stepEnv, run: &run)
                if status != 0 { run.succeeded = false }
            } else {
                throw RunnerError("a step with neither uses nor run")
            }
        }
    }

    /// `${{ vars.X }}`, `${{ secrets.X }}`, `${{ matrix.X }}` substituted; anything else refused.
    func expand(_ text: String, matrix: [String: String]) throws -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else { throw RunnerError("unclosed expression in \(text)") }
            let expression = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let parts = expression.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw RunnerError("unsupported expression \(expression)") }
            switch parts[0] {
            case "vars": out += variables[parts[1]] ?? ""
            case "secrets": out += secrets[parts[1]] ?? ""
            case "matrix":
                guard let v = matrix[parts[1]] else { throw RunnerError("matrix.\(parts[1]) is not a key of this job's matrix") }
                out += v
            default: throw RunnerError("unsupported expression \(expression)")
            }
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    // MARK: - GitLab CI

    private func runGitLab(_ doc: [String: Any]) throws -> [JobRun] {
        let stages = (doc["stages"] as? [String]) ?? []
        let reserved: Set<String> = ["stages", "default", "variables", "workflow", "include"]
        let jobNames = doc.keys.filter { !reserved.contains($0) && !$0.hasPrefix(".") }
        // GitLab runs stage by stage; `needs` may only name jobs of earlier stages here.
        let stageOf = try Dictionary(uniqueKeysWithValues: jobNames.map { name -> (String, Int) in
            guard let s = ((doc[name] as? [String: Any])?["stage"] as? String).flatMap({ stages.firstIndex(of: $0) }) else {
                throw RunnerError("\(name) is in no declared stage")
            }
            return (name, s)
        })
        let order = jobNames.sorted { stageOf[$0]! != stageOf[$1]! ? stageOf[$0]! < stageOf[$1]! : $0 < $1 }
        let image = ((doc["default"] as? [String: Any])?["image"] as? String) ?? ""
        guard image == "$KOLLA_OCI_IMAGE" else { throw RunnerError("the default image is not the CI image variable") }
        let fileVariables = ((doc["variables"] as? [String: Any]) ?? [:]).mapValues { "\($0)" }
        var runs: [JobRun] = []
        var outcome: [String: Bool] = [:]
        var instances: [String: [JobRun]] = [:]
        for name in order {
            let job = doc[name] as! [String: Any]
            let needs = try ((job["needs"] as? [Any]) ?? []).map { need -> (job: String, artifacts: Bool) in
                if let s = need as? String { return (s, true) }
                guard let m = need as? [String: Any], let j = m["job"] as? String else { throw RunnerError("\(name): bad needs entry") }
                return (j, (m["artifacts"] as? Bool) ?? true)
            }
            for need in needs where stageOf[need.job].map({ $0 < stageOf[name]! }) != true {
                throw RunnerError("\(name) needs \(need.job), which is not a job of an earlier stage")
            }
            let when = (job["when"] as? String) ?? "on_success"
            guard ["on_success", "always"].contains(when) else { throw RunnerError("\(name): unsupported when: \(when)") }
            let upstreamOK = needs.allSatisfy { outcome[$0.job] == true }
            var matrices: [[String: String]] = []
            if let parallel = job["parallel"] as? [String: Any] {
                for entry in (parallel["matrix"] as? [[String: Any]]) ?? [] { matrices += try matrixInstances(entry) }
            } else {
                matrices = [[:]]
            }
            var jobOK = true
            for matrix in matrices {
                var run = try newRun(name, matrix)
                if upstreamOK || when == "always" {
                    for need in needs where need.artifacts {
                        for upstream in instances[need.job] ?? [] {
                            try copyTree(artifacts + "/" + artifactName(upstream), to: run.workspace)
                        }
                    }
                    // Project variables override the file's; matrix values override both.
                    var env = fileVariables.merging(variables) { $1 }.merging(secrets) { $1 }.merging(matrix) { $1 }
                    env["CI"] = "true"
                    let script = ((job["script"] as? [String]) ?? []).joined(separator: "\n")
                    if try shell(script, env: env, run: &run) != 0 { run.succeeded = false }
                    let artifactSpec = (job["artifacts"] as? [String: Any]) ?? [:]
                    if run.succeeded || (artifactSpec["when"] as? String) == "always" {
                        for path in (artifactSpec["paths"] as? [String]) ?? [] {
                            let clean = path.hasSuffix("/") ? String(path.dropLast()) : path
                            try copyTree(run.workspace + "/" + clean, to: artifacts + "/" + artifactName(run) + "/" + clean)
                        }
                    }
                } else {
                    run.ran = false
                    run.succeeded = false
                }
                jobOK = jobOK && run.succeeded
                runs.append(run)
                instances[name, default: []].append(run)
            }
            outcome[name] = jobOK
        }
        return runs
    }

    private func artifactName(_ run: JobRun) -> String {
        ([run.job] + run.matrix.keys.sorted().map { "\($0)=\(run.matrix[$0]!)" }).joined(separator: "-")
    }

    // MARK: - shared

    private var artifacts: String { scratch + "/artifacts" }

    /// Jobs in an order where every job follows what it needs; unknown needs are errors.
    private func jobOrder(_ needs: [String: [String]]) throws -> [String] {
        var done: [String] = []
        var left = needs.keys.sorted()
        while !left.isEmpty {
            guard let next = left.first(where: { needs[$0]!.allSatisfy(done.contains) }) else {
                throw RunnerError("needs name unknown jobs or form a cycle: \(left)")
            }
            done.append(next)
            left.removeAll { $0 == next }
        }
        return done
    }

    /// The cartesian product of a matrix of lists.
    private func matrixInstances(_ matrix: [String: Any]) throws -> [[String: String]] {
        var instances: [[String: String]] = [[:]]
        for key in matrix.keys.sorted() {
            guard let values = matrix[key] as? [Any] else { throw RunnerError("matrix key \(key) is not a list") }
            instances = instances.flatMap { base in values.map { base.merging([key: "\($0)"]) { $1 } } }
        }
        return instances
    }

    /// A fresh workspace (the checkout) and a fresh store for one job instance.
    private func newRun(_ job: String, _ matrix: [String: String]) throws -> JobRun {
        let label = ([job] + matrix.keys.sorted().map { "\($0)-\(matrix[$0]!)" }).joined(separator: "-")
        let root = scratch + "/jobs/" + label
        try FileManager.default.createDirectory(atPath: root + "/home", withIntermediateDirectories: true)
        _ = try runTool("/bin/cp", ["-a", checkout, root + "/workspace"])
        try prepareStore(root + "/store")
        return JobRun(job: job, matrix: matrix, succeeded: true, ran: true, output: "", workspace: root + "/workspace")
    }

    /// Runs `script` with bash in the simulated CI container with exactly `env` (plus
    /// PATH, HOME and the job's store), in the workspace; returns its exit status.
    private func shell(_ script: String, env: [String: String], run: inout JobRun) throws -> Int32 {
        let root = URL(fileURLWithPath: run.workspace).deletingLastPathComponent().path
        let file = root + "/step-\(UUID().uuidString.prefix(8)).sh"
        try script.write(toFile: file, atomically: true, encoding: .utf8)
        var full = env
        full["PATH"] = binDirectory + ":/usr/sbin:/usr/bin:/sbin:/bin"
        full["HOME"] = root + "/home"
        full["KOLLA_OCI_ROOT"] = root + "/store"
        let words = ["/usr/bin/env", "-i"] + full.keys.sorted().map { "\($0)=\(full[$0]!)" }
            + ["/bin/bash", "--noprofile", "--norc", "-eo", "pipefail", file]
        let command = "cd \(quote(run.workspace)) && exec " + words.map(quote).joined(separator: " ")
        let argv = container(command)
        let r = try runTool(argv[0], Array(argv.dropFirst()), directory: run.workspace)
        run.output += r.stdout + r.stderr
        return r.status
    }

    private func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Copies the contents of `source` (a directory) or the file into `destination`.
    private func copyTree(_ source: String, to destination: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else { return }
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        let from = isDirectory.boolValue ? source + "/." : source
        let r = try runTool("/bin/cp", ["-a", from, destination + "/"])
        guard r.status == 0 else { throw RunnerError("cp \(source): \(r.stderr)") }
    }
}
