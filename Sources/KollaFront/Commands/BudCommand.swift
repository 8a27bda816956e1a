import Foundation
import OCIBuild

/// `kolla-oci bud` (build-using-dockerfile) and `kolla-oci run`: a Dockerfile into the
/// store, and a command in an image, with the daemonless sandbox. As a non-root user
/// both re-execute themselves inside a user namespace first (full subordinate id range
/// when /etc/subuid has one, else a single id), as `buildah unshare` does, so layer
/// ownership, overlay mounts and RUN all happen as that namespace's root.
struct BudCommand {
    static let usage = """
        usage: kolla-oci bud [-f Dockerfile] [-t NAME[:TAG]]... [--build-arg K=V]... [--no-cache]
                             [--compression gzip|zstd] [--timestamp EPOCH] [--target STAGE]
                             [--label K=V]... [--root DIR] [--insecure-registry HOST[:PORT]]...
                             [--tls-ca-file FILE] [--authfile FILE] CONTEXT
        """

    let arguments: [String]

    func run() throws -> Int32 {
        let args = try ArgumentScanner(arguments, flags: [
            .init("--file", "-f"), .init("--tag", "-t"), .init("--build-arg"), .init("--no-cache", value: false),
            .init("--compression"), .init("--timestamp"), .init("--target"), .init("--label"), .init("--root"),
            .init("--quiet", "-q", value: false),
        ] + RegistryCommand.connectionFlags)
        guard args.positionals.count == 1, let context = args.positionals.first else {
            throw UsageError("exactly one CONTEXT directory is required")
        }
        if let status = try UserNamespace.enterIfNeeded(root: args.value("--root")) { return status }
        let dockerfile = args.value("--file") ?? (context as NSString).appendingPathComponent("Dockerfile")
        guard let data = FileManager.default.contents(atPath: dockerfile) else {
            throw CommandError("\(dockerfile): cannot read the Dockerfile")
        }
        var request = BuildRequest(
            dockerfilePath: dockerfile, dockerfileText: String(decoding: data, as: UTF8.self), contextDirectory: context)
        request.tags = args.all("--tag")
        for pair in args.all("--build-arg") {
            let (k, v) = try keyValue(pair, "--build-arg")
            request.buildArgs[k] = v ?? ProcessInfo.processInfo.environment[k]
        }
        for pair in args.all("--label") {
            let (k, v) = try keyValue(pair, "--label")
            request.labels[k] = v ?? ""
        }
        request.noCache = args.isSet("--no-cache")
        if let c = args.value("--compression") {
            guard let comp = Compression(rawValue: c), comp != .none else { throw UsageError("--compression must be gzip or zstd") }
            request.compression = comp
        }
        if let t = args.value("--timestamp") ?? ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"] {
            guard let epoch = Int(t), epoch >= 0 else { throw UsageError("--timestamp must be seconds since the epoch") }
            request.timestamp = epoch
        }
        request.target = args.value("--target")
        let quiet = args.isSet("--quiet")
        request.log = { line in if !quiet { print(line) } }
        let store = try ImageStore(root: UserNamespace.storeRoot(args.value("--root")))
        // FROM an image the store lacks: pull it from its registry.
        let registry = RegistryClient(options: try RegistryCommand.options(args, quiet: quiet))
        request.pull = registry.fromImagePuller(into: store)
        let executor = try BuildExecutor(store: store, mapping: IDMapping.detect())
        let started = Date()
        let result = try executor.build(request)
        print(result.manifest.digest.description)
        if !quiet {
            let total = Date().timeIntervalSince(started)
            FileHandle.standardError.write(Data(String(format: "built in %.2f s (%.2f s in RUN), %d step(s) run, %d from cache\n", total, result.secondsInRun, result.stepsRun, result.stepsCached).utf8))
        }
        return 0
    }

    private func keyValue(_ s: String, _ flag: String) throws -> (String, String?) {
        guard let eq = s.firstIndex(of: "=") else { return (s, nil) }
        let k = String(s[..<eq])
        guard !k.isEmpty else { throw UsageError("\(flag) needs KEY=VALUE") }
        return (k, String(s[s.index(after: eq)...]))
    }
}

/// `kolla-oci run [--rm] [--user U] [--env K=V]... [--workdir D] [--root DIR] REF [CMD...]`:
/// runs CMD (default: the image's entrypoint and command) in the image, on a throwaway
/// overlay, with the same sandbox as RUN; exits with the command's status.
struct RunCommand {
    static let usage = """
        usage: kolla-oci run [--rm] [--user U] [--env K=V]... [--workdir DIR] [--entrypoint CMD]
                             [-v HOST:PATH[:ro]]... [--root DIR] REF [CMD...]
        """

    let arguments: [String]

    func run() throws -> Int32 {
        let args = try ArgumentScanner(arguments, flags: [
            .init("--rm", value: false), .init("--user", "-u"), .init("--env", "-e"), .init("--workdir", "-w"),
            .init("--root"), .init("--entrypoint"), .init("--volume", "-v"),
        ], stopAtPositional: true)
        guard let ref = args.positionals.first else { throw UsageError("an image REF is required") }
        if let status = try UserNamespace.enterIfNeeded(root: args.value("--root")) { return status }
        let store = try ImageStore(root: UserNamespace.storeRoot(args.value("--root")))
        let executor = try BuildExecutor(store: store, mapping: IDMapping.detect())
        let (_, descriptor) = try store.resolve(ref)
        let (_, manifest) = try store.manifest(descriptor)
        let config = try store.readJSON(ImageConfig.self, manifest.config)
        var command = Array(args.positionals.dropFirst())
        let c = config.config ?? ContainerConfig()
        let entrypoint = args.value("--entrypoint").map { [$0] } ?? c.entrypoint ?? []
        if command.isEmpty { command = c.cmd ?? [] }
        let argv = entrypoint + command
        guard !argv.isEmpty else { throw CommandError("\(ref): no command given and the image has no entrypoint or command") }
        var env: [String: String] = [:]
        for e in c.env ?? [] {
            if let eq = e.firstIndex(of: "=") { env[String(e[..<eq])] = String(e[e.index(after: eq)...]) }
        }
        for e in args.all("--env") {
            if let eq = e.firstIndex(of: "=") { env[String(e[..<eq])] = String(e[e.index(after: eq)...]) } else { env[e] = ProcessInfo.processInfo.environment[e] }
        }
        let binds = try args.all("--volume").map { v -> RunSpec.Bind in
            let parts = v.split(separator: ":").map(String.init)
            guard parts.count == 2 || (parts.count == 3 && ["ro", "rw"].contains(parts[2])), parts[1].hasPrefix("/") else {
                throw UsageError("-v needs HOST:/PATH[:ro], not '\(v)'")
            }
            guard FileManager.default.fileExists(atPath: parts[0]) else { throw CommandError("\(parts[0]): no such file or directory (-v)") }
            let host = parts[0].hasPrefix("/") ? parts[0] : FileManager.default.currentDirectoryPath + "/" + parts[0]
            return RunSpec.Bind(source: host, target: parts[1], readOnly: parts.count == 3 && parts[2] == "ro")
        }
        return try executor.runContainer(
            layers: manifest.layers, diffIDs: config.rootfs.diffIDs, argv: argv, environment: env,
            user: args.value("--user") ?? c.user ?? "", workdir: args.value("--workdir") ?? c.workingDir ?? "/", binds: binds)
    }
}

/// Entering the build's own user namespace when not root.
enum UserNamespace {
    /// For a non-root caller, re-executes this command inside a user namespace and returns
    /// its exit status; nil when the current process should do the work itself.
    static func enterIfNeeded(root: String?) throws -> Int32? {
        let mapping = IDMapping.detect()
        switch mapping {
        case .none, .inherited: return nil
        case .single, .subordinate:
            // The child is uid 0 in its namespace: pass the store location explicitly.
            setenv("KOLLA_OCI_ROOT", storeRoot(root), 1)
            // The child owns the scratch: on SIGINT/SIGTERM it cleans up and exits 130/143,
            // which this process then returns.
            Termination.forwardToChildren()
            let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            return try SandboxLauncher.reexecInUserNamespace(
                executable: exe, programName: CommandLine.arguments.first, arguments: Array(CommandLine.arguments.dropFirst()),
                mapping: mapping)
        }
    }

    static func storeRoot(_ root: String?) -> String {
        root ?? StoreLocation.defaultRoot(environment: ProcessInfo.processInfo.environment)
    }
}

extension RegistryClient {
    /// The FROM hook of builds: pulls an image the store lacks from its registry under its
    /// familiar name; nil when the registry has no such image.
    func fromImagePuller(into store: ImageStore) -> @Sendable (String) throws -> Descriptor? {
        { image in
            let reference = try Reference(image)
            do {
                return try self.pull(reference, into: store, name: reference.familiarString)
            } catch let error as RegistryError {
                if case .manifestNotFound = error { return nil }
                throw error
            }
        }
    }
}
