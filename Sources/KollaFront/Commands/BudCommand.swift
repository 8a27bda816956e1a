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
                             [--label K=V]... [--network host|none] [--secret id=ID,src=PATH|env=VAR]...
                             [--root DIR] [--isolation auto|userns|chroot] [--insecure-registry HOST[:PORT]]...
                             [--tls-ca-file FILE] [--authfile FILE] CONTEXT
        """

    let arguments: [String]

    func run() throws -> Int32 {
        let args = try ArgumentScanner(arguments, flags: [
            .init("--file", "-f"), .init("--tag", "-t"), .init("--build-arg"), .init("--no-cache", value: false),
            .init("--compression"), .init("--timestamp"), .init("--target"), .init("--label"), .init("--root"),
            .init("--quiet", "-q", value: false), .init("--isolation"), .init("--network"), .init("--secret"),
        ] + RegistryCommand.connectionFlags)
        guard args.positionals.count == 1, let context = args.positionals.first else {
            throw UsageError("exactly one CONTEXT directory is required")
        }
        let isolation = try UserNamespace.request(args.value("--isolation"))
        if let status = try UserNamespace.enterIfNeeded(root: args.value("--root"), isolation: isolation) { return status }
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
        if let network = args.value("--network") { request.network = try networkMode(network) }
        for spec in args.all("--secret") {
            let (id, secret) = try Self.secret(spec)
            request.secrets[id] = secret
        }
        let quiet = args.isSet("--quiet")
        request.log = { line in if !quiet { print(line) } }
        let store = try ImageStore(root: UserNamespace.storeRoot(args.value("--root")))
        // FROM an image the store lacks: pull it from its registry.
        let registry = RegistryClient(options: try RegistryCommand.options(args, quiet: quiet))
        request.pull = registry.fromImagePuller(into: store)
        let executor = try BuildExecutor(store: store, plan: try UserNamespace.plan(isolation))
        let started = Date()
        let result = try executor.build(request)
        print(result.manifest.digest.description)
        if !quiet {
            let total = Date().timeIntervalSince(started)
            FileHandle.standardError.write(Data(String(format: "built in %.2f s (%.2f s in RUN), %d step(s) run, %d from cache\n", total, result.secondsInRun, result.stepsRun, result.stepsCached).utf8))
        }
        return 0
    }

    /// `--secret id=ID,src=PATH` (or `source=`, `type=file`) or `--secret id=ID,env=VAR`
    /// (`type=env`), as `docker buildx build` and buildah take it.
    static func secret(_ spec: String) throws -> (String, BuildSecret) {
        var fields: [String: String] = [:]
        for field in spec.split(separator: ",") {
            guard let eq = field.firstIndex(of: "="), ["id", "src", "source", "env", "type"].contains(String(field[..<eq])) else {
                throw UsageError("--secret needs id=ID,src=PATH or id=ID,env=VAR, not '\(spec)'")
            }
            fields[String(field[..<eq])] = String(field[field.index(after: eq)...])
        }
        guard let id = fields["id"], !id.isEmpty else { throw UsageError("--secret needs id=ID: '\(spec)'") }
        let src = fields["src"] ?? fields["source"]
        let type = fields["type"] ?? (fields["env"] != nil && src == nil ? "env" : "file")
        switch type {
        case "file":
            guard let path = src, !path.isEmpty else { throw UsageError("--secret \(spec): src=PATH is missing") }
            guard FileManager.default.isReadableFile(atPath: path) else { throw CommandError("\(path): cannot read the secret \(id)") }
            return (id, .file(path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path))
        case "env":
            let name = fields["env"] ?? src ?? id
            guard let value = ProcessInfo.processInfo.environment[name] else {
                throw CommandError("the environment has no \(name) for the secret \(id)")
            }
            return (id, .value(Array(value.utf8)))
        default:
            throw UsageError("--secret type must be file or env, not '\(type)'")
        }
    }

    private func keyValue(_ s: String, _ flag: String) throws -> (String, String?) {
        guard let eq = s.firstIndex(of: "=") else { return (s, nil) }
        let k = String(s[..<eq])
        guard !k.isEmpty else { throw UsageError("\(flag) needs KEY=VALUE") }
        return (k, String(s[s.index(after: eq)...]))
    }
}

/// `kolla-oci run [-d [--name N]] [--rm] [--user U] [--env K=V]... [--workdir D] [--root DIR] REF [CMD...]`:
/// runs CMD (default: the image's entrypoint and command) in the image, on a throwaway
/// overlay, with the same sandbox as RUN; exits with the command's status. With `-d` the
/// command runs detached under a supervisor (see `ContainerRecords`) and `run` prints the
/// container's id as soon as it is up.
struct RunCommand {
    static let usage = """
        usage: kolla-oci run [-d [--name NAME]] [--rm] [-t] [-i] [--user U] [--env K=V]... [--workdir DIR]
                             [--entrypoint CMD] [-v HOST:PATH[:ro]]... [--network host|none] [--root DIR]
                             [--isolation auto|userns|chroot] REF [CMD...]
        """

    let arguments: [String]

    static let flags: [ArgumentScanner.Flag] = [
        .init("--rm", value: false), .init("--user", "-u"), .init("--env", "-e"), .init("--workdir", "-w"),
        .init("--root"), .init("--entrypoint"), .init("--volume", "-v"), .init("--isolation"),
        .init("--tty", "-t", value: false), .init("--interactive", "-i", value: false), .init("--network"),
        .init("--detach", "-d", value: false), .init("--name"),
        // The detached container's supervisor: `run --supervise ID` with the original arguments.
        .init("--supervise"),
    ]

    func run() throws -> Int32 {
        let args = try ArgumentScanner(arguments, flags: Self.flags, stopAtPositional: true)
        let network = try args.value("--network").map(networkMode) ?? .host
        guard let ref = args.positionals.first else { throw UsageError("an image REF is required") }
        let isolation = try UserNamespace.request(args.value("--isolation"))
        let detached = args.isSet("--detach")
        if detached && (args.isSet("--tty") || args.isSet("--interactive")) {
            throw UsageError("-d runs without a terminal or standard input: drop -t and -i")
        }
        if args.isSet("--name") && !detached { throw UsageError("--name names a detached container: add -d") }
        let binds = try Self.binds(args.all("--volume"))
        if let id = args.value("--supervise") {
            return try supervise(id: id, args: args, ref: ref, network: network, isolation: isolation, binds: binds)
        }
        if detached { return try detach(args: args, ref: ref) }
        if let status = try UserNamespace.enterIfNeeded(root: args.value("--root"), isolation: isolation) { return status }
        return try runInImage(
            args: args, ref: ref, network: network, isolation: isolation, binds: binds,
            terminal: args.isSet("--tty"), interactive: args.isSet("--interactive") || args.isSet("--tty"))
    }

    /// The command in the image, attached to this process's standard streams.
    private func runInImage(
        args: ArgumentScanner, ref: String, network: RunSpec.NetworkMode, isolation: IsolationRequest,
        binds: [RunSpec.Bind], terminal: Bool, interactive: Bool
    ) throws -> Int32 {
        let store = try ImageStore(root: UserNamespace.storeRoot(args.value("--root")))
        let executor = try BuildExecutor(store: store, plan: try UserNamespace.plan(isolation))
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
        return try executor.runContainer(
            layers: manifest.layers, diffIDs: config.rootfs.diffIDs, argv: argv, environment: env,
            user: args.value("--user") ?? c.user ?? "", workdir: args.value("--workdir") ?? c.workingDir ?? "/", binds: binds,
            terminal: terminal, interactive: interactive, network: network)
    }

    /// `-v HOST:/PATH[:ro|rw]`, the host path made absolute.
    static func binds(_ volumes: [String]) throws -> [RunSpec.Bind] {
        try volumes.map { v -> RunSpec.Bind in
            let parts = v.split(separator: ":").map(String.init)
            guard parts.count == 2 || (parts.count == 3 && ["ro", "rw"].contains(parts[2])), parts[1].hasPrefix("/") else {
                throw UsageError("-v needs HOST:/PATH[:ro], not '\(v)'")
            }
            guard FileManager.default.fileExists(atPath: parts[0]) else { throw CommandError("\(parts[0]): no such file or directory (-v)") }
            let host = parts[0].hasPrefix("/") ? parts[0] : FileManager.default.currentDirectoryPath + "/" + parts[0]
            return RunSpec.Bind(source: host, target: parts[1], readOnly: parts.count == 3 && parts[2] == "ro")
        }
    }

    /// `run -d`: records the container, starts its supervisor in its own session and
    /// prints the id once the command runs (or fails with the reason the sandbox gave).
    private func detach(args: ArgumentScanner, ref: String) throws -> Int32 {
        let root = UserNamespace.storeRoot(args.value("--root"))
        let store = try ImageStore(root: root)
        _ = try store.resolve(ref)
        let records = ContainerRecords(storeRoot: store.root)
        let record = try records.create(
            name: args.value("--name"), image: ref, command: Array(args.positionals.dropFirst()), removeOnExit: args.isSet("--rm"))
        let exe = ProcessIdentity.executablePath
        var environment = ProcessInfo.processInfo.environment
        environment["KOLLA_OCI_ROOT"] = store.root
        let pid: Int32
        do {
            pid = try DetachedProcess.spawn(
                executable: exe, arguments: ["kolla-oci", "run", "--supervise", record.id] + arguments,
                environment: environment.map { "\($0.key)=\($0.value)" }, logPath: records.logPath(record.id))
        } catch {
            try? records.remove(record)
            throw CommandError("\(record.name): \(error)")
        }
        // Until the supervisor holds the lock (the command is starting) or has given up.
        while true {
            switch records.state(record) {
            case .running(let supervisor):
                // Up once the sandbox's pid 1 has exec'd the command; a setup failure
                // before that ends as `.failed` instead.
                let current = (try? records.find(record.id)) ?? record
                let pid = supervisor > 0 ? supervisor : current.supervisorPID ?? 0
                if pid > 0, let initPID = DetachedProcess.containerInit(under: pid), DetachedProcess.hasExecuted(initPID) {
                    print(record.id)
                    return 0
                }
                Thread.sleep(forTimeInterval: 0.02)
            case .exited:
                print(record.id)
                return 0
            case .failed(let message):
                throw CommandError("\(record.name): \(message)")
            case .created:
                // `--rm`: a command that ended at once took its record with it.
                if record.removeOnExit, (try? records.find(record.id)) == nil {
                    print(record.id)
                    return 0
                }
                if DetachedProcess.childHasExited(pid) {
                    if case .created = records.state(record) {
                        let log = (try? String(contentsOfFile: records.logPath(record.id), encoding: .utf8)) ?? ""
                        let last = log.split(separator: "\n").last.map(String.init) ?? "no output"
                        throw CommandError("\(record.name): the supervisor exited before the command started: \(last)")
                    }
                    continue
                }
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
    }

    /// The supervisor of a detached container: holds the container's lock, runs the
    /// command with its output in the container's log, records the exit status.
    private func supervise(
        id: String, args: ArgumentScanner, ref: String, network: RunSpec.NetworkMode, isolation: IsolationRequest,
        binds: [RunSpec.Bind]
    ) throws -> Int32 {
        // A rootless supervisor re-executes itself in its user namespace: that copy only runs.
        if ProcessInfo.processInfo.environment[IDMapping.namespaceMarker] != nil {
            return try runInImage(args: args, ref: ref, network: network, isolation: isolation, binds: binds, terminal: false, interactive: false)
        }
        let records = ContainerRecords(storeRoot: UserNamespace.storeRoot(args.value("--root")))
        var record = try records.find(id)
        let lock = try records.holdLock(record.id)
        return withExtendedLifetime(lock) {
            record.supervisorPID = ProcessInfo.processInfo.processIdentifier
            var status: Int32 = 1
            do {
                try records.save(record)
                if let inner = try UserNamespace.enterIfNeeded(root: args.value("--root"), isolation: isolation) {
                    status = inner
                } else {
                    status = try runInImage(
                        args: args, ref: ref, network: network, isolation: isolation, binds: binds, terminal: false,
                        interactive: false)
                }
                records.recordExit(record.id, "\(status)")
            } catch {
                KollaOCI.printError("kolla-oci: \(error)")
                records.recordExit(record.id, "error: \(error)")
            }
            // Still under the lock: whoever sees it free finds the exit status written.
            if record.removeOnExit { try? records.remove(record) }
            return status
        }
    }
}

/// `--network host|none` of `bud` and `run`: the host's network, or a private network
/// namespace with only loopback. There is no bridge network without a container engine.
func networkMode(_ text: String) throws -> RunSpec.NetworkMode {
    guard let mode = RunSpec.NetworkMode(rawValue: text) else {
        throw UsageError("--network must be host or none, not '\(text)' (kolla-oci has no bridge network)")
    }
    return mode
}
