import Foundation
import OCIDockerfile
import OCILayers
import OCISandbox
import OCIStore
import OCISystem
import OCIValues

/// RUN: the command in the sandbox on an overlay of the stage's extracted layers; the
/// overlay's upper directory is the step's layer.
extension BuildExecutor {
    func runStep(
        _ ins: Instruction, _ cmd: Instruction.Command, _ state: inout StageState, file: Dockerfile, words: ShellWords,
        request: BuildRequest, ignore: DockerIgnore?, finished: [String: StageState], counters: inout BuildCounters
    ) throws {
        var argv = try commandArgv(cmd, state)
        var environment = state.expansionEnvironment
        // Reproducible mode: the command sees the build's SOURCE_DATE_EPOCH, as the
        // Reproducible Builds convention asks of a build environment, so the tools that
        // honour it (shadow's useradd for the password-change date in /etc/shadow, Python's
        // py_compile, gzip, man-db, ...) write the same bytes on every machine and every
        // day. PYTHONHASHSEED=0 too: Python programs run by maintainer scripts (Django's
        // compress, collectstatic) write files in set and dict-of-set order, which follows
        // the interpreter's random string hashing otherwise. Only RUN's environment, and
        // only where the Dockerfile sets neither: the image's config and history get
        // nothing, so containers keep hash randomisation.
        if let epoch = request.timestamp {
            if environment["SOURCE_DATE_EPOCH"] == nil { environment["SOURCE_DATE_EPOCH"] = String(epoch) }
            if environment["PYTHONHASHSEED"] == nil { environment["PYTHONHASHSEED"] = "0" }
        }
        func located(_ cause: any Error) -> ExecutorError {
            ExecutorError.step(file: file.name, line: ins.line, instruction: ins.text, cause: cause)
        }
        // --network and --mount, their values expanded with the ARG/ENV in scope.
        let flags: RunFlags
        do {
            flags = try RunFlags(ins.flags) { try words.process($0, env: environment) }
        } catch {
            throw located(error)
        }
        let network = flags.network == .default ? request.network : (flags.network == .none ? .none : .host)
        // Here-documents: a RUN whose command is `<<EOF` runs the body with the shell.
        if let doc = ins.heredocs.first {
            // The shell expands the script's variables at run time, as with BuildKit.
            let body = doc.content
            if case .shell(let text) = cmd, text.trimmingCharacters(in: .whitespaces).hasPrefix("<<") {
                argv = state.shell + [body]
            } else {
                argv = state.shell + [argv.last.map { $0 + "\n" + body } ?? body]
            }
        }
        let createdBy = "/bin/sh -c " + argv.dropFirst(state.shell.count).joined(separator: " ")
        let argsInScope = state.args.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
        var key = BuildCache.key(state.cacheKey, ins.text, argsInScope, ins.heredocs.map(\.content).joined(separator: "\u{1}"))
        // A RUN without mounts on the host network keeps the key it always had.
        if !flags.mounts.isEmpty || network != .host {
            let mountKey: String
            do {
                mountKey = try mountCacheKey(flags.mounts, request: request, ignore: ignore, finished: finished)
            } catch {
                throw located(error)
            }
            key = BuildCache.key(key, "network=\(network.rawValue)", mountKey)
        }
        if reuse(key, &state, request: request) {
            counters.cached += 1
            return
        }
        if plan.isolation == .chroot {
            // Never run without a mount the Dockerfile asked for (the sandbox refuses
            // --network none there itself).
            if !flags.mounts.isEmpty {
                throw located(SandboxError("RUN --mount needs mount privilege, which the chroot isolation rung lacks"))
            }
            let started = Date()
            let (status, changes, root) = try runChrootStep(
                argv: argv, environment: environment, &state, request: request, network: network)
            try account(status, since: started, ins, file: file, request: request, counters: &counters)
            guard let changes else { return }
            try commitLayer(
                changes: changes, upper: root.path, state: &state, createdBy: createdBy, cacheKey: key, request: request,
                hostIDs: true, cacheUpper: false)
            root.applied = state.layers.count
            counters.run += 1
            return
        }
        let containerConfig = state.config.config ?? ContainerConfig()
        var sandbox = try prepareSandbox(
            state, argv: argv, environment: environment, user: containerConfig.user ?? "", workdir: containerConfig.workingDir ?? "")
        defer { sandbox.remove() }
        sandbox.spec.network = network
        // The upper directory is diffed into a blob or discarded: no fsync needed.
        sandbox.spec.skipSync = true
        var mounts = PreparedMounts()
        if !flags.mounts.isEmpty {
            do {
                mounts = try prepareMounts(
                    flags.mounts, view: sandbox.view, workdir: sandbox.spec.workingDirectory, scratch: sandbox.scratch, request: request,
                    ignore: ignore, finished: finished)
            } catch {
                throw located(error)
            }
            sandbox.spec.binds = mounts.binds
            sandbox.spec.tmpfs = mounts.tmpfs
            // Secrets with `env=`: in this command's environment only, never in the image's.
            for (k, v) in mounts.environment.sorted(by: { $0.key < $1.key }) {
                sandbox.spec.environment.removeAll { $0.hasPrefix(k + "=") }
                sandbox.spec.environment.append("\(k)=\(v)")
            }
        }

        let started = Date()
        let status = try withLogPipe(request.log) { fd in try launch(sandbox.spec, fd) }
        mounts.locks.removeAll()
        removeMountPoints(mounts, upper: sandbox.upper, view: sandbox.view)
        try account(status, since: started, ins, file: file, request: request, counters: &counters)
        try commitLayer(
            changes: try PhaseClock.process.measure(.diff) { try prunedOverlayChanges(sandbox) }, upper: sandbox.upper, state: &state, createdBy: createdBy,
            cacheKey: key, request: request, hostIDs: true)
        counters.run += 1
    }

    /// Logs and counts the time a RUN command took; a non-zero exit status is the step's error.
    private func account(
        _ status: Int32, since started: Date, _ ins: Instruction, file: Dockerfile, request: BuildRequest,
        counters: inout BuildCounters
    ) throws {
        let elapsed = Date().timeIntervalSince(started)
        counters.secondsInRun += elapsed
        PhaseClock.process.add(.run, elapsed)
        request.log(String(format: "RUN took %.2f s (exit status %d)", elapsed, status))
        if status != 0 {
            throw ExecutorError.runFailed(file: file.name, line: ins.line, instruction: ins.text, status: status)
        }
    }

    /// Runs `body` with a descriptor whose output is forwarded line by line to `log`.
    func withLogPipe<T>(_ log: @escaping @Sendable (String) -> Void, _ body: (Int32) throws -> T) throws -> T {
        // `writer` must be the only reference to the write end: dropping it closes the
        // descriptor, which is how the reader sees end of file.
        var writer: FileDescriptor?
        let readEnd: FileDescriptor
        do {
            let ends = try FileDescriptor.pipe()
            readEnd = ends.read
            writer = ends.write
        } catch {
            throw ExecutorError.system(error)
        }
        let done = DispatchSemaphore(value: 0)
        // The reader owns the read end from here on (a descriptor belongs to one thread).
        nonisolated(unsafe) let reader = readEnd
        let thread = Thread {
            var pending = [UInt8]()
            while true {
                guard let chunk = try? reader.read(upTo: 65536), !chunk.isEmpty else { break }
                pending += chunk
                while let nl = pending.firstIndex(of: 10) {
                    log(String(decoding: pending[..<nl], as: UTF8.self))
                    pending.removeSubrange(...nl)
                }
            }
            if !pending.isEmpty { log(String(decoding: pending, as: UTF8.self)) }
            done.signal()
        }
        thread.start()
        defer {
            writer = nil  // closes the write end: the reader sees end of file
            done.wait()
        }
        return try body(writer!.raw)
    }
}

extension BuildExecutor {
    /// Runs `argv` in an image (its layers extracted, a throwaway upper directory) with the
    /// RUN sandbox, attached to this process's standard streams; returns the exit status.
    /// Bind targets are resolved inside the image first (`RootfsView.mountPoint`).
    package func runContainer(
        layers imageLayers: [Descriptor], diffIDs: [Digest], argv: [String], environment: [String: String], user: String,
        workdir: String, binds: [RunSpec.Bind] = [], terminal: Bool = false, interactive: Bool = true,
        network: RunSpec.NetworkMode = .host
    ) throws -> Int32 {
        var state = StageState(config: ImageConfig(), layers: imageLayers, cacheKey: "", baseName: "")
        state.config.rootfs.diffIDs = diffIDs
        state.lease = try ContentLease(store: store)
        if plan.isolation == .chroot {
            guard binds.isEmpty else { throw SandboxError("-v needs a mount, which the chroot isolation rung cannot make") }
            let root = try materializedRoot(&state)
            defer { root.remove() }
            var spec = try chrootSpec(root, argv: argv, environment: environment, user: user, workdir: workdir)
            spec.network = network
            let emulated = try EmulatedMounts(root: root.path, resolvConf: spec.resolvConf, hosts: spec.hosts)
            // The root is removed afterwards: nothing to restore for a layer.
            defer { try? emulated.undo() }
            ProcessIdentity.flushStandardStreams()
            return try SandboxLauncher.run(spec, stdout: 1, stderr: 2, stdin: interactive ? 0 : -1)
        }
        var sandbox = try prepareSandbox(state, argv: argv, environment: environment, user: user, workdir: workdir, binds: binds)
        defer { sandbox.remove() }
        sandbox.spec.terminal = terminal
        // A container, not a build step: kolla_start's sudo must work as under Docker.
        sandbox.spec.allowNewPrivileges = true
        // Docker gives every container /etc/hosts and /etc/resolv.conf, even when the image
        // has none (images rarely do): bound read-only onto mount points made in the layer.
        for (host, path) in [(sandbox.spec.hosts, "etc/hosts"), (sandbox.spec.resolvConf, "etc/resolv.conf")] {
            guard let host, FileManager.default.fileExists(atPath: host), sandbox.view.lookup(path) == nil,
                !binds.contains(where: { $0.target == "/" + path })
            else { continue }
            sandbox.spec.binds.append(RunSpec.Bind(source: host, target: "/" + (try sandbox.view.mountPoint(path)), readOnly: true))
        }
        // On the host's network a container has the host's name, as under Docker (sudo and
        // RabbitMQ's node name resolve it through the bound /etc/hosts).
        if network == .host { sandbox.spec.hostname = ProcessInfo.processInfo.hostName }
        sandbox.spec.network = network
        ProcessIdentity.flushStandardStreams()
        return try SandboxLauncher.run(sandbox.spec, stdout: 1, stderr: 2, stdin: interactive ? 0 : -1)
    }
}

extension BuildExecutor {
    /// The files the sandbox binds over the image's own: never part of a RUN layer (the
    /// chroot rung restores them, buildah leaves them out too).
    static let boundFiles: Set<String> = ["etc/resolv.conf", "etc/hosts"]

    /// RUN's changes from the overlay upper directory, without what changed nothing (see
    /// `Differ.pruned`), so both isolation rungs write the same layers.
    func prunedOverlayChanges(_ sandbox: OverlaySandbox) throws -> [LayerChange] {
        try Differ.pruned(Differ.overlayChanges(upper: sandbox.upper), excluded: Self.boundFiles) { sandbox.view.lookup($0) }
    }
}

/// A sandbox ready to run: the overlay of a stage's extracted layers under a scratch
/// directory (upper, work, merged) and the spec that runs in it.
struct OverlaySandbox {
    let scratch: String
    var spec: RunSpec
    /// The image below the overlay (mount targets are resolved in it).
    let view: RootfsView
    var upper: String { scratch + "/upper" }

    /// Removes the scratch directory (overlay leaves a mode-000 directory in work/).
    func remove() {
        ScratchRegistry.remove(scratch)
    }
}

extension BuildExecutor {
    /// Prepares RUN's sandbox over `state`'s layers: the user resolved in the image, PATH and
    /// HOME defaulted, a missing working directory created in the upper layer (its missing
    /// parents mirrored from the image), bind targets resolved inside the image.
    func prepareSandbox(
        _ state: StageState, argv: [String], environment: [String: String], user: String, workdir: String,
        binds: [RunSpec.Bind] = []
    ) throws -> OverlaySandbox {
        let lowers = try extractedLayers(state)
        let view = RootfsView(layers: lowers, opaqueXattr: overlayXattrPrefix + "opaque")
        let identity = try view.user(user.isEmpty ? "root" : user)
        var environment = environment
        if environment["PATH"] == nil { environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" }
        if environment["HOME"] == nil { environment["HOME"] = identity.home }

        let scratch = try scratchDirectory()
        do {
            for d in ["upper", "work", "merged", "empty"] {
                try FileManager.default.createDirectory(atPath: scratch + "/" + d, withIntermediateDirectories: true)
            }
            let upper = scratch + "/upper"
            // The working directory must exist for chdir: create missing ones in the layer.
            let resolvedWorkdir = try view.resolve(workdir.isEmpty ? "/" : workdir)
            if view.lookup(resolvedWorkdir) == nil {
                let upperTree = try ConfinedDirectory(path: upper)
                try mirrorParents(view, resolvedWorkdir, into: upperTree, includeSelf: false)
                _ = try upperTree.directory(resolvedWorkdir, create: true)
            }
            // What this process wrote (and the upper directory itself, the merged root's
            // owner) in host ids, as RUN's own writes will be.
            try shiftToHost(upper)
            var spec = RunSpec(
                rootfs: scratch + "/merged", argv: argv,
                environment: environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }, mapping: mapping)
            spec.workingDirectory = "/" + resolvedWorkdir
            // The sandbox mounts onto these paths in the merged tree as they are: resolved
            // here, a symlink in the image cannot move a mount point out of it.
            spec.binds = try binds.map { bind in
                RunSpec.Bind(source: bind.source, target: "/" + (try view.mountPoint(bind.target)), readOnly: bind.readOnly)
            }
            spec.uid = identity.uid
            spec.gid = identity.gid
            spec.supplementaryGroups = identity.groups
            // Short lower paths: relative to the layer cache (the mount options hold one page).
            let base = layers.directory
            let relative = (lowers.isEmpty ? [scratch + "/empty"] : lowers).map {
                $0.hasPrefix(base + "/") ? String($0.dropFirst(base.count + 1)) : $0
            }
            spec.overlay = .init(lower: relative, upper: upper, work: scratch + "/work", lowerBase: base)
            spec.isolation = plan.isolation
            spec.recordOwners = plan.rung == .singleID
            return OverlaySandbox(scratch: scratch, spec: spec, view: view)
        } catch {
            ScratchRegistry.remove(scratch)
            throw error
        }
    }
}
