import Foundation
import OCIBuild

/// `kolla-oci build` (and `kolla-build`): kolla-build's pipeline — options, work dir,
/// rendering, image list, parents, filters — then template-only, the listing modes, or a
/// build. Returns kolla-build's exit status.
struct BuildCommand {
    let program: String
    let arguments: [String]

    func run() -> Int32 {
        let cli: ParsedCommandLine
        do {
            cli = try CommandLineParser.parse(arguments)
        } catch {
            KollaOCI.printError("\(program): error: \(error)")
            return 2
        }
        if cli.help {
            let defaults = EffectiveDefaults.resolve(
                cli: cli, environment: ProcessInfo.processInfo.environment,
                home: FileManager.default.homeDirectoryForCurrentUser.path, executable: CommandLine.arguments.first ?? program)
            print(Help.usage(program: program, defaults: defaults), terminator: "")
            return 0
        }
        if cli.version {
            print(KollaOCI.version)
            return 0
        }
        let conf: Configuration
        do {
            conf = try Configuration(
                cli: cli, environment: ProcessInfo.processInfo.environment,
                home: FileManager.default.homeDirectoryForCurrentUser.path,
                executable: CommandLine.arguments.first ?? program)
        } catch {
            KollaOCI.printError("\(program): error: \(error)")
            return 1
        }
        let log = Log(debug: conf.bool("debug"), quiet: conf.bool("quiet"))
        do {
            // A rootless build runs as root of its own user namespace (re-executed).
            if !conf.buildsNothing,
                let status = try UserNamespace.enterIfNeeded(
                    root: conf.string("root"), isolation: try UserNamespace.request(conf.string("isolation")))
            {
                return status
            }
            return try pipeline(conf, log)
        } catch let e as RenderError {
            log.error("Syntax error in template: \(e.image)")
            KollaOCI.printError(e.description)
            return 1
        } catch {
            KollaOCI.printError("\(program): error: \(error)")
            return 1
        }
    }

    private func pipeline(_ conf: Configuration, _ log: Log) throws -> Int32 {
        // Here, not before the re-execution into a user namespace, so they show once.
        for warning in conf.warnings { log.warning(warning) }
        try checkEngineOptions(conf, log)
        if let bad = conf.invalidRpmSetup {
            throw ConfigError.badValue(
                source: conf.configFiles.last ?? "config", option: "rpm_setup_config", value: bad,
                reason: "RPM setup must be provided as .rpm or .repo files")
        }
        let workDir = try WorkDir(configuration: conf)
        log.debug("Created working dir: \(workDir.path)")
        for path in workDir.imagePaths { log.debug("Found \(path.dropFirst(workDir.path.count))") }
        log.debug("Found \(workDir.imagePaths.count) Dockerfiles")
        if !conf.buildsNothing {
            log.debug(try UserNamespace.plan(try UserNamespace.request(conf.string("isolation"))).description)
        }
        defer { if !conf.bool("template_only") && conf.string("work_dir") == nil { workDir.cleanup() } }

        try DockerfileRenderer(conf: conf, workDir: workDir, log: log).renderAll()
        try workDir.createPatchFiles(patchesPath: conf.string("patches_path"))

        var namespace = conf.string("namespace") ?? "kolla"
        if let registry = conf.string("registry"), !registry.isEmpty { namespace = registry + "/" + namespace }
        var graph = try ImageGraph(
            paths: workDir.imagePaths, namespace: namespace, prefix: conf.string("image_name_prefix") ?? "",
            tag: conf.string("tag") ?? "")
        let unbuildable: Set<String> =
            conf.bool("enable_unbuildable")
            ? [] : ImageGraph.unbuildableNames(conf.catalog.unbuildable, base: conf.string("base") ?? "", arch: conf.string("base_arch") ?? "")
        let builder: DaemonlessBuilder? = conf.buildsNothing && !conf.bool("skip_existing") ? nil : try makeBuilder(conf, log: log)
        try graph.filter(
            patterns: try patterns(conf), unbuildable: unbuildable, skipParents: conf.bool("skip_parents"),
            skipExisting: { img in conf.bool("skip_existing") && builder?.exists(img.canonicalName) == true })

        // kolla-oci's CI fan-out: the plan, and the slice of it this job builds.
        let shard = try conf.string("shard").map(BuildPlan.parseShard)
        let stage: Int? = conf["stage"] == .none ? nil : conf.int("stage")
        let timings = try conf.string("plan_timings").map(BuildPlan.readTimings) ?? [:]
        let plan = BuildPlan(graph: graph, shards: shard?.count ?? 1, timings: timings)
        if let format = conf.string("plan") {
            FileHandle.standardOutput.write(Data(try planOutput(plan, format: format).utf8))
            return 0
        }
        if shard != nil || stage != nil {
            let selected = plan.selection(shard: shard?.index, stage: stage)
            for (i, img) in graph.images.enumerated() where img.status == .matched && !selected.contains(img.name) {
                graph.setStatus(i, .skipped)
            }
        }

        if conf.bool("template_only") {
            for img in graph.images where img.status != .matched {
                try? FileManager.default.removeItem(atPath: img.path)
            }
            log.info("Dockerfiles are generated in \(workDir.path)")
            return 0
        }
        workDir.resetTimes()
        if let file = conf.string("save_dependency") {
            do {
                let ext = (file as NSString).pathExtension.lowercased()
                if ["png", "svg", "pdf"].contains(ext) {
                    // A picture when Graphviz is installed (kolla writes dot source only).
                    guard let dot = ["/usr/bin/dot", "/usr/local/bin/dot"].first(where: FileManager.default.isExecutableFile) else {
                        throw ConfigError.dataFile(file, "rendering .\(ext) needs Graphviz's dot (apt-get install graphviz); use a .dot/.gv name for the source")
                    }
                    let p = Process()
                    p.executableURL = URL(fileURLWithPath: dot)
                    p.arguments = ["-T\(ext)", "-o", file]
                    let input = Pipe()
                    p.standardInput = input
                    try p.run()
                    input.fileHandleForWriting.write(Data(graph.dot().utf8))
                    try input.fileHandleForWriting.close()
                    p.waitUntilExit()
                    guard p.terminationStatus == 0 else { throw ConfigError.dataFile(file, "dot failed") }
                } else {
                    try Data(graph.dot().utf8).write(to: URL(fileURLWithPath: file))
                }
            } catch let e as ConfigError {
                throw e
            } catch {
                throw ConfigError.dataFile(file, "cannot write the dependency graph: \(error.localizedDescription)")
            }
            log.info("Container images dependency are saved in \(file)")
            return 0
        }
        if conf.bool("list_images") {
            FileHandle.standardOutput.write(Data(graph.listImages().utf8))
            return 0
        }
        if conf.bool("list_dependencies") {
            FileHandle.standardOutput.write(Data(graph.listDependencies().utf8))
            return 0
        }
        guard let builder else { throw CommandError("no builder") }
        return try build(graph, builder: builder, conf: conf, log: log)
    }

    /// Options a generated pipeline's jobs set themselves (or that would stop them
    /// building), left out of the build options handed on to them.
    static let pipelineOwnedOptions: Set<String> = [
        "plan", "shard", "stage", "registry", "insecure_registry", "push", "logs_dir", "summary_json_file", "format",
        "summary", "root", "work_dir", "template_only", "list_images", "list_dependencies", "save_dependency",
    ]

    /// `--plan`'s output: the plan as JSON, or a pipeline running it on a CI engine.
    private func planOutput(_ plan: BuildPlan, format: String) throws -> String {
        if format == "json" { return plan.json() }
        let handedOn = try CommandLineParser.arguments(arguments, removing: Self.pipelineOwnedOptions)
        // GitHub evaluates ${{ }} anywhere in a workflow, even inside a shell word.
        if let bad = handedOn.first(where: { $0.contains("${{") }) {
            throw ConfigError.badValue(source: "command line", option: "plan", value: bad, reason: "an option value containing '${{' cannot be written into a pipeline")
        }
        let pipeline = CIPipeline(plan: plan, buildArguments: handedOn)
        return format == "github-actions" ? GitHubActionsPipeline(pipeline: pipeline).yaml() : GitLabPipeline(pipeline: pipeline).yaml()
    }

    /// The store and the daemonless builder of this run.
    private func makeBuilder(_ conf: Configuration, log: Log) throws -> DaemonlessBuilder {
        let store = try ImageStore(root: UserNamespace.storeRoot(conf.string("root")))
        let builder = try DaemonlessBuilder(
            store: store, compression: conf.string("compression") == "zstd" ? .zstd : .gzip,
            isolation: try UserNamespace.request(conf.string("isolation")))
        var options = RegistryOptions()
        options.insecureRegistries = Set(conf.multi("insecure_registry"))
        // `--retries` counts whole push tasks (the scheduler's); each registry operation
        // within a push is retried by time.
        options.retryMaxTime = Double(conf.int("retry_max_time"))
        let registry = RegistryClient(options: options)
        builder.pusher = { store, descriptor, name, log in
            let reference = try Reference(name)
            do {
                let report = try registry.push(store: store, manifest: descriptor, to: reference)
                log("Pushed \(name): \(report.blobsUploaded) blob(s) uploaded (\(report.bytesUploaded) bytes), \(report.blobsSkipped) already there, \(report.blobsMounted) mounted")
            } catch let error as RegistryError {
                if case .transfer = error { throw ConnectionError(description: "\(error)") }
                throw error
            }
        }
        builder.prepare = { job, log in
            try SourceArchives(conf: conf, log: log).prepare(image: job.name, context: job.context)
        }
        builder.puller = registry.fromImagePuller(into: store)
        let refresh = BaseRefresh(registry: registry, store: store, log: log)
        builder.refresher = { image in try refresh(image) }
        return builder
    }

    /// Builds (and pushes) the matched images, prints the summary, returns the exit status.
    private func build(_ graph: ImageGraph, builder: DaemonlessBuilder, conf: Configuration, log: Log) throws -> Int32 {
        if let dir = conf.string("logs_dir"), !FileManager.default.fileExists(atPath: dir) {
            throw ConfigError.dataFile(dir, "--logs-dir does not exist")
        }
        let timestamp = (conf["timestamp"] == .none ? nil : conf.int("timestamp"))
            ?? ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap(Int.init)
        let buildArgs = BuildCommand.buildArgs(conf)
        let tag = conf.string("tag") ?? ""
        let maintainer = conf.string("maintainer") ?? ""
        let noCache = !conf.bool("cache")
        let pull = conf.bool("pull")
        // The option's choices are exactly the sandbox's modes (checked when parsed).
        let network = RunSpec.NetworkMode(rawValue: conf.string("network_mode") ?? "host") ?? .host
        let allImages = graph.images
        let scheduler = BuildScheduler(
            images: graph.images, builder: builder, threads: conf.int("threads"), pushThreads: conf.int("push_threads"),
            retries: conf.int("retries"), push: conf.bool("push"), log: log, logsDir: conf.string("logs_dir")
        ) { image in
            var labels = [
                "org.opencontainers.image.title": image.name,
                "org.opencontainers.image.description": "OpenStack Kolla \(image.name) image",
                "org.opencontainers.image.version": tag,
                "org.opencontainers.image.authors": maintainer,
                "org.opencontainers.image.url": "https://opendev.org/openstack/kolla",
                "org.opencontainers.image.licenses": "Apache-2.0",
            ]
            // kolla stamps these with the wall clock on every run, so no two
            // builds share a digest; kolla-oci sets them only for a fixed timestamp.
            if let timestamp {
                let date = Date(timeIntervalSince1970: Double(timestamp))
                labels["org.opencontainers.image.created"] = ImageImport.rfc3339(date)
                let f = DateFormatter()
                f.dateFormat = "yyyyMMdd"
                f.timeZone = TimeZone(identifier: "UTC")
                labels["build-date"] = f.string(from: date)
            }
            var job = BuildJob(name: image.name, canonicalName: image.canonicalName, context: image.path)
            job.labels = labels
            job.buildArgs = buildArgs
            job.noCache = noCache
            // Roots fetch their FROM image when the store lacks it, as an engine does even
            // with --nopull, and with --pull check the registry for a newer one first;
            // children of images another shard builds always take the registry's.
            let fromOtherShard = image.parent.map { allImages[$0].status == .skipped } == true
            job.pull = image.parent == nil || fromOtherShard
            job.refresh = (pull && image.parent == nil) || fromOtherShard
            job.timestamp = timestamp
            job.network = network
            return job
        }
        let finished = scheduler.run()
        if let dir = conf.string("logs_dir") {
            try writeTimings(scheduler.buildSeconds, to: dir + "/timings.json")
        }
        var summary = BuildSummary(images: finished, allowedToFail: conf.list("allowed_to_fail"))
        if conf.bool("timings") {
            let times = PhaseClock.process.snapshot
            summary.timings = times
            FileHandle.standardError.write(Data((["Where the time went (seconds, summed over concurrent builds):"]
                + times.lines()).joined(separator: "\n").appending("\n").utf8))
        }
        if conf.bool("summary") {
            try report(summary, conf: conf, log: log)
        }
        return summary.exitStatus
    }

    /// The build time of each image built, for `--plan-timings` (one image per line).
    private func writeTimings(_ seconds: [String: Double], to path: String) throws {
        let text = "{\n" + seconds.keys.sorted().map { "  \(JSONTree.quote($0)): \(String(format: "%.1f", seconds[$0]!))" }.joined(separator: ",\n") + "\n}\n"
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw CommandError("\(path): \(error.localizedDescription)")
        }
    }

    /// kolla's summary: console sections, JSON (stdout or file), FAILED log links.
    private func report(_ summary: BuildSummary, conf: Configuration, log: Log) throws {
        var failedSection = false
        for line in summary.consoleLines(debug: conf.bool("debug")) {
            if line == "Images that failed to build" { failedSection = true }
            if line.hasPrefix("Images ") && line != "Images that failed to build" { failedSection = false }
            log.log(failedSection && line.contains(" Failed with status: ") ? .error : .info, line)
        }
        if let dir = conf.string("logs_dir") {
            for f in summary.failed where f.status == .error {
                let link = dir + "/000_FAILED_\(f.name).log"
                try? FileManager.default.removeItem(atPath: link)
                try? FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "\(f.name).log")
            }
        }
        guard conf.string("format") == "json" else { return }
        if let file = conf.string("summary_json_file") {
            do {
                try Data(summary.json(indent: 4).utf8).write(to: URL(fileURLWithPath: file))
            } catch {
                log.error("Failed to write JSON build summary to \(file)")
                throw CommandError("\(file): \(error.localizedDescription)")
            }
        } else {
            FileHandle.standardOutput.write(Data(summary.json(indent: nil).utf8))
        }
    }

    /// kolla's build args: `--build-args`, the proxy variables of the environment not
    /// already set, then the pip options.
    static func buildArgs(_ conf: Configuration) -> [String: String] {
        var args: [String: String] = [:]
        for kv in conf.dict("build_args") { args[kv.key] = kv.value }
        let env = ProcessInfo.processInfo.environment
        for name in ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy"]
        where args[name] == nil {
            if let v = env[name] { args[name] = v }
        }
        for (arg, opt) in [("PIP_INDEX_URL", "pip_index_url"), ("PIP_TRUSTED_HOST", "pip_trusted_host"), ("PIP_EXTRA_INDEX_URL", "pip_extra_index_url")] {
            if let v = conf.string(opt), !v.isEmpty { args[arg] = v }
        }
        return args
    }

    /// The regex patterns of this run: positional regexes, else every `--profile` list.
    private func patterns(_ conf: Configuration) throws -> [String] {
        if !conf.regexes.isEmpty { return conf.regexes }
        var out: [String] = []
        let profiles = conf.profiles
        for name in conf.multi("profile") {
            guard let list = profiles.first(where: { $0.0 == name })?.1, !list.isEmpty else {
                throw ConfigError.unknownProfile(name)
            }
            out += list
        }
        return out
    }

    /// Engine options that cannot mean anything without an engine: refused when they
    /// would change the result, ignored (with a debug note) when they would not.
    private func checkEngineOptions(_ conf: Configuration, _ log: Log) throws {
        if conf.bool("squash") {
            throw ConfigError.badValue(
                source: "options", option: "squash", value: "true", reason: "kolla-oci does not squash layers; build without --squash")
        }
        if let platform = conf.string("platform"), !platform.isEmpty {
            let host = OptionRegistry.hostArch == "aarch64" ? "linux/arm64" : "linux/amd64"
            guard platform == host else {
                throw ConfigError.badValue(
                    source: "options", option: "platform", value: platform, reason: "only the host platform \(host) can be built")
            }
        }
        for ignored in ["engine", "podman_base_url", "buildkit", "buildkit_builder", "keep"] where conf.origins(ignored) != nil {
            log.debug("Option \(ignored) has no effect in kolla-oci (no container engine)")
        }
    }
}

extension Configuration {
    /// True for the modes that render and report but build nothing: template-only, the
    /// listings and the plan.
    var buildsNothing: Bool {
        bool("template_only") || string("save_dependency") != nil || bool("list_images") || bool("list_dependencies")
            || string("plan") != nil
    }

    /// Where a value came from, or nil for defaults.
    func origins(_ dest: String) -> String? { originOf(dest) }
}
