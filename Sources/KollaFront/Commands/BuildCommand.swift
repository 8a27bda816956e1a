import Foundation

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
            print(Help.usage(program: program), terminator: "")
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
        try checkEngineOptions(conf, log)
        if let bad = conf.invalidRpmSetup {
            throw ConfigError.badValue(
                source: conf.configFiles.last ?? "config", option: "rpm_setup_config", value: bad,
                reason: "RPM setup must be provided as .rpm or .repo files")
        }
        let workDir = try WorkDir(configuration: conf)
        log.debug("Created working dir: \(workDir.path)")
        let listing = conf.bool("template_only") || conf.string("save_dependency") != nil
            || conf.bool("list_images") || conf.bool("list_dependencies")
        defer { if !conf.bool("template_only") { workDir.cleanup() } }

        try DockerfileRenderer(conf: conf, workDir: workDir).renderAll()
        try workDir.createPatchFiles(patchesPath: conf.string("patches_path"))

        var namespace = conf.string("namespace") ?? "kolla"
        if let registry = conf.string("registry"), !registry.isEmpty { namespace = registry + "/" + namespace }
        var graph = try ImageGraph(
            paths: workDir.imagePaths, namespace: namespace, prefix: conf.string("image_name_prefix") ?? "",
            tag: conf.string("tag") ?? "")
        let unbuildable: Set<String> =
            conf.bool("enable_unbuildable")
            ? [] : ImageGraph.unbuildableNames(conf.catalog.unbuildable, base: conf.string("base") ?? "", arch: conf.string("base_arch") ?? "")
        try graph.filter(
            patterns: try patterns(conf), unbuildable: unbuildable, skipParents: conf.bool("skip_parents"),
            skipExisting: { _ in false })

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
                try Data(graph.dot().utf8).write(to: URL(fileURLWithPath: file))
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
        _ = listing
        throw BuildUnavailable()
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
        if let mode = conf.string("network_mode"), mode != "host" {
            throw ConfigError.badValue(
                source: "options", option: "network_mode", value: mode, reason: "RUN always uses the host network in kolla-oci")
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

/// The builder is not part of this version: said plainly, exit status 1.
struct BuildUnavailable: Error, CustomStringConvertible {
    var description: String {
        "building images is not available in this version of kolla-oci yet; --template-only, --list-images, --list-dependencies and --save-dependency work"
    }
}

extension Configuration {
    /// Where a value came from, or nil for defaults.
    func origins(_ dest: String) -> String? { originOf(dest) }
}
