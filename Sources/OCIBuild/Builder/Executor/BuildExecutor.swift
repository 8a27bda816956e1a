import Foundation
import OCIDockerfile
import OCILayers
import OCISandbox
import OCIStore
import OCISystem
import OCIValues

/// Executes Dockerfiles into the store without a daemon, as buildah does in three
/// levels: the build (stages, final commit and names) → a stage (one FROM: its image
/// state) → instructions (metadata reducers, or RUN/COPY/ADD producing a layer).
///
/// Every layer-producing step follows one commit sequence: cache lookup → run into a
/// fresh upper directory → diff → write the layer (diff_id and digest in one pass) →
/// store the blob → keep the upper directory as the extracted layer for later steps →
/// record the cache entry. RUN happens in the sandbox on an overlay of the extracted
/// layers; COPY/ADD write the upper directory directly.
///
/// A build holds a `ContentLease` from start to end and pins every blob and extracted
/// layer before it uses or makes it, so a concurrent `kolla-oci gc` keeps them. Step
/// scratch directories carry this process's owner token and are registered for removal
/// at SIGINT/SIGTERM (StoreOwnership.swift, Termination.swift).
package final class BuildExecutor: @unchecked Sendable {
    package let store: ImageStore
    package let layers: LayerCache
    /// The isolation rung RUN uses.
    package let plan: SandboxPlan
    /// How container ids map to host ids for RUN (`plan.mapping`).
    package var mapping: IDMapping { plan.mapping }
    /// Container ids ↔ the ids on disk in extracted layers and RUN's upper directories.
    let idMap: IDMap
    let cache: BuildCache
    /// Where build steps keep their scratch directories (on the store's file system, so
    /// upper directories can be renamed into the layer cache).
    let scratchRoot: String
    /// Runs one RUN step's spec with its output on a descriptor: the sandbox (a test
    /// replaces it to see the spec without running anything).
    package var launch: @Sendable (RunSpec, Int32) throws -> Int32 = { spec, fd in
        try SandboxLauncher.run(spec, stdout: fd, stderr: fd)
    }

    package init(store: ImageStore, plan: SandboxPlan) throws {
        self.store = store
        self.plan = plan
        self.idMap = plan.mapping.storage
        self.layers = LayerCache(directory: store.root + "/layers", storeRoot: store.root)
        try layers.adopt(idMap: plan.mapping.storage)
        try layers.adoptBoot()
        self.cache = BuildCache(directory: store.root + "/cache")
        self.scratchRoot = store.root + "/ingest/build"
        try StoreOwner.claim(storeRoot: store.root)
        try FileManager.default.createDirectory(atPath: scratchRoot, withIntermediateDirectories: true)
        // Builds killed without a chance to clean up (SIGKILL, a crash) left scratch behind.
        store.removeStaleScratch()
    }

    /// The overlay xattr namespace of this process's mounts: `user.` inside a user
    /// namespace (`userxattr`), `trusted.` as real root.
    var overlayXattrPrefix: String { mapping.overlayUsesUserXattr ? "user.overlay." : "trusted.overlay." }

    // MARK: - build

    /// Builds the request's Dockerfile and names the result; returns what was built.
    package func build(_ request: BuildRequest) throws -> BuildResult {
        // Everything this build makes or uses stays out of gc's reach until it ends.
        let lease = try ContentLease(store: store)
        defer { lease.release() }
        let file = try DockerfileParser.parse(request.dockerfileText, name: request.dockerfilePath)
        let ignore = try loadDockerignore(request.contextDirectory)
        var globalArgs: [String: String] = [:]
        let words = ShellWords(escape: file.escape)
        for ins in file.globalArgs {
            guard case .arg(let decls) = ins.kind else { continue }
            for d in decls {
                if let v = request.buildArgs[d.name] {
                    globalArgs[d.name] = v
                } else if let dflt = d.defaultValue {
                    globalArgs[d.name] = try expand(words, dflt, globalArgs, ins, file)
                }
            }
        }
        var finished: [String: StageState] = [:]
        var counters = BuildCounters()
        let stages: [Stage]
        if let target = request.target {
            guard let idx = file.stages.firstIndex(where: { $0.alias == target.lowercased() }) else {
                throw ExecutorError.noSuchStage(target)
            }
            stages = Array(file.stages[...idx])
        } else {
            stages = file.stages
        }
        let totalSteps = stages.reduce(0) { $0 + 1 + $1.instructions.count }
        var step = 0
        var last: StageState?
        for (index, stage) in stages.enumerated() {
            step += 1
            request.log("STEP \(step)/\(totalSteps): \(stage.from.text)")
            var state = try startStage(
                stage, index: index, globalArgs: globalArgs, finished: finished, file: file, request: request, lease: lease)
            // A stage built on an earlier one starts from its layers, never its chroot root.
            state.materialized = nil
            defer { if let root = state.materialized { root.remove() } }
            state.globalArgs = globalArgs
            for ins in stage.instructions {
                step += 1
                request.log("STEP \(step)/\(totalSteps): \(ins.text)")
                do {
                    try execute(ins, &state, file: file, words: words, request: request, ignore: ignore, finished: finished, counters: &counters)
                } catch let e as ExecutorError where e.isLocated {
                    throw e
                } catch {
                    throw ExecutorError.step(file: file.name, line: ins.line, instruction: ins.text, cause: error)
                }
            }
            finished[String(index)] = state
            if let alias = stage.alias { finished[alias] = state }
            last = state
        }
        guard var final = last else { throw ExecutorError.nothingToBuild }
        if !request.labels.isEmpty {
            var c = final.config.config ?? ContainerConfig()
            var labels = c.labels ?? [:]
            for (k, v) in request.labels { labels[k] = v }
            c.labels = labels
            final.config.config = c
        }
        let (manifest, config) = try commitImage(final, request: request)
        var result = BuildResult(manifest: manifest, config: config)
        result.stepsRun = counters.run
        result.stepsCached = counters.cached
        result.secondsInRun = counters.secondsInRun
        return result
    }

    private func loadDockerignore(_ context: String) throws -> DockerIgnore? {
        let path = context + "/.dockerignore"
        // Read inside the context like every source: a link to a host file is no ignore file.
        guard let tree = try? ConfinedDirectory(path: context), let entry = try tree.entry(".dockerignore", followLast: true),
            try entry.info().kind == .regular
        else { return nil }
        let data = try entry.reopen(flags: O_RDONLY).readAll()
        return try DockerIgnore(String(decoding: data, as: UTF8.self), file: path)
    }

    /// Expands variables in `text` with `env`, naming the instruction on failure.
    func expand(_ words: ShellWords, _ text: String, _ env: [String: String], _ ins: Instruction, _ file: Dockerfile) throws -> String {
        do {
            return try words.process(text, env: env)
        } catch {
            throw ExecutorError.step(file: file.name, line: ins.line, instruction: ins.text, cause: error)
        }
    }

    // MARK: - stages

    private func startStage(
        _ stage: Stage, index: Int, globalArgs: [String: String], finished: [String: StageState], file: Dockerfile,
        request: BuildRequest, lease: ContentLease
    ) throws -> StageState {
        guard case .from(let rawImage, _) = stage.from.kind else { throw ExecutorError.stageWithoutFrom }
        let words = ShellWords(escape: file.escape)
        let image = try expand(words, rawImage, globalArgs, stage.from, file)
        let created = timestampString(request)
        if let previous = finished[image.lowercased()] {
            var s = previous
            s.args = [:]
            s.cacheKey = BuildCache.key(previous.cacheKey, "FROM stage \(image)")
            return s
        }
        if image == "scratch" {
            var config = ImageConfig()
            config.created = created
            var state = StageState(config: config, layers: [], cacheKey: BuildCache.key("scratch", request.cacheSettings), baseName: "scratch")
            state.lease = lease
            return state
        }
        var resolved: (name: String?, descriptor: Descriptor)
        if let refresh = request.refresh, let fresh = try refresh(image) {
            resolved = (image, fresh)
        } else {
            do {
                resolved = try store.resolve(image)
            } catch {
                guard let pull = request.pull, let descriptor = try pull(image) else {
                    throw ExecutorError.step(file: file.name, line: stage.from.line, instruction: stage.from.text, cause: ExecutorError.missingImage(image))
                }
                resolved = (image, descriptor)
            }
        }
        // Pinned before it is read: untagging the base image during the build is harmless.
        try lease.pin(blobs: [resolved.descriptor.digest])
        let (manifestDescriptor, manifest) = try store.manifest(resolved.descriptor)
        try lease.pin(blobs: [manifestDescriptor.digest, manifest.config.digest])
        var config = try store.readJSON(ImageConfig.self, manifest.config)
        if config.history == nil { config.history = [] }
        try lease.pin(blobs: manifest.layers.map(\.digest), layers: config.rootfs.diffIDs)
        var state = StageState(
            config: config, layers: manifest.layers, cacheKey: BuildCache.key(manifestDescriptor.digest.description, request.cacheSettings),
            baseName: image)
        state.lease = lease
        state.lastCreated = config.created
        return state
    }

    // MARK: - instructions

    private func execute(
        _ ins: Instruction, _ state: inout StageState, file: Dockerfile, words: ShellWords, request: BuildRequest,
        ignore: DockerIgnore?, finished: [String: StageState], counters: inout BuildCounters
    ) throws {
        let env = state.expansionEnvironment
        func x(_ s: String) throws -> String { try expand(words, s, env, ins, file) }
        var c = state.config.config ?? ContainerConfig()
        let history = "/bin/sh -c #(nop) \(ins.text)"
        switch ins.kind {
        case .from: return
        case .env(let pairs):
            var list = c.env ?? []
            var local = env
            for kv in pairs {
                let value = try expand(words, kv.value, local, ins, file)
                local[kv.key] = value
                list.removeAll { $0.hasPrefix(kv.key + "=") }
                list.append("\(kv.key)=\(value)")
            }
            c.env = list
        case .label(let pairs):
            var labels = c.labels ?? [:]
            for kv in pairs { labels[try x(kv.key)] = try x(kv.value) }
            c.labels = labels
        case .arg(let decls):
            for d in decls {
                if let v = request.buildArgs[d.name] {
                    state.args[d.name] = v
                } else if let dflt = d.defaultValue {
                    state.args[d.name] = try x(dflt)
                } else if let global = state.globalArgs[d.name] {
                    state.args[d.name] = global
                }
            }
            state.cacheKey = BuildCache.key(state.cacheKey, ins.text, state.args.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n"))
            return
        case .user(let u): c.user = try x(u)
        case .workdir(let w):
            let expanded = try x(w)
            let path = expanded.hasPrefix("/") ? expanded : ((c.workingDir ?? "/") as NSString).appendingPathComponent(expanded)
            c.workingDir = path
            state.config.config = c
            try ensureWorkdir(&state, path: path, ins: ins, request: request, counters: &counters)
            return
        case .cmd(let cmd): c.cmd = try commandArgv(cmd, state)
        case .entrypoint(let cmd):
            c.entrypoint = try commandArgv(cmd, state)
            // Docker: ENTRYPOINT resets a CMD inherited from the base image.
            if !state.cmdSetInStage { c.cmd = nil }
        case .expose(let ports):
            var exposed = c.exposedPorts ?? [:]
            for p in ports {
                let port = try x(p)
                exposed[port.contains("/") ? port : port + "/tcp"] = EmptyObject()
            }
            c.exposedPorts = exposed
        case .volume(let vols):
            var v = c.volumes ?? [:]
            for vol in vols { v[try x(vol)] = EmptyObject() }
            c.volumes = v
        case .stopsignal(let sig): c.stopSignal = try x(sig)
        case .shell(let sh): state.shell = sh
        case .maintainer(let m): state.config.author = m
        case .healthcheck, .onbuild:
            // OCI image configs have no place for these (buildah drops them for the OCI
            // format too); Kolla's templates use neither.
            request.log("note: \(ins.kind.keyword) is not part of the OCI image format and is ignored")
        case .run(let cmd):
            try runStep(ins, cmd, &state, file: file, words: words, request: request, ignore: ignore, finished: finished, counters: &counters)
            return
        case .copy(let sources, let dest), .add(let sources, let dest):
            let isAdd = { if case .add = ins.kind { return true } else { return false } }()
            try copyStep(
                ins, sources: sources, destination: dest, isAdd: isAdd, &state, file: file, words: words, request: request,
                ignore: ignore, finished: finished, counters: &counters)
            return
        }
        if case .cmd = ins.kind { state.cmdSetInStage = true }
        state.config.config = c
        state.appendHistory(History(created: state.createdForMetadata(request), createdBy: history, emptyLayer: true))
        state.cacheKey = BuildCache.key(state.cacheKey, ins.text)
    }

    /// Exec form as is; shell form through the stage's SHELL.
    func commandArgv(_ cmd: Instruction.Command, _ state: StageState) throws -> [String] {
        switch cmd {
        case .exec(let argv): return argv
        case .shell(let text): return state.shell + [text]
        }
    }

    func timestampString(_ request: BuildRequest) -> String {
        ImageImport.rfc3339(request.timestamp.map { Date(timeIntervalSince1970: Double($0)) } ?? Date())
    }

    // MARK: - commit

    /// Writes config and manifest and names the image.
    private func commitImage(_ state: StageState, request: BuildRequest) throws -> (Descriptor, ImageConfig) {
        var config = state.config
        config.created = state.createdForMetadata(request)
        let platform = Platform.host
        config.architecture = platform.architecture
        config.os = platform.os
        return try store.withWriteLease {
            for layer in state.layers where !store.hasBlob(layer.digest) {
                throw ExecutorError.missingBaseLayer(layer.digest)
            }
            let configDescriptor = try store.putJSON(config, mediaType: .ociConfig)
            let manifest = Manifest(config: configDescriptor, layers: state.layers)
            let descriptor = try store.putJSON(manifest, mediaType: .ociManifest)
            for tag in request.tags { try store.tag(ImageStore.storeName(tag), descriptor) }
            return (descriptor, config)
        }
    }

    /// Writes the layer for `changes`, stores its blob, keeps `upper` as the extracted
    /// layer, appends it to the stage and records the cache entry.
    ///
    /// `hostIDs`: the upper directory holds host ids (RUN's, written through the sandbox)
    /// rather than container ids (COPY's and WORKDIR's, written by this process); either
    /// way the layer gets container ids and the cache entry host ids.
    func commitLayer(
        changes: [LayerChange], upper: String, state: inout StageState, createdBy: String, cacheKey: String,
        request: BuildRequest, hostIDs: Bool = false, cacheUpper: Bool = true
    ) throws {
        var options = LayerWriteOptions()
        if hostIDs { options.idMap = idMap }
        options.compression = CompressionOptions(request.compression)
        options.makeReproducible(epoch: request.timestamp)
        let (descriptor, diffID) = try store.withWriteLease { () throws -> (Descriptor, Digest) in
            let ingest = try store.startIngest()
            var times = LayerWriteTimes()
            let started = Monotonic.now()
            let digests = try LayerWriter(options: options).write(changes, to: ingest.file, times: &times)
            let written = Monotonic.now()
            try store.commit(ingest, expected: digests.digest, expectedSize: digests.size)
            var phases = PhaseTimes()
            phases.add(.archive, max(0, written - started - times.hash - times.compress - times.write))
            phases.add(.hash, times.hash)
            phases.add(.compress, times.compress)
            phases.add(.store, times.write + Monotonic.now() - written)
            PhaseClock.process.add(phases)
            // Pinned while gc is still excluded: the new blob (and the layer directory the
            // upper directory becomes) stay until the image names them.
            try state.lease?.pin(blobs: [digests.digest], layers: [digests.diffID])
            return (Descriptor(mediaType: .ociLayer(digests.compression), digest: digests.digest, size: digests.size), digests.diffID)
        }
        // The upper directory already is the layer in overlay form: keep it as the cache entry.
        if !cacheUpper {
            // The chroot rung's root stays where it is; the layer is extracted on demand.
        } else if !hostIDs { try shiftToHost(upper) }
        let dest = layers.path(for: diffID)
        if !cacheUpper {
        } else if layers.contains(diffID) {
            try? FileSystem.removeTree(upper)
        } else {
            try FileManager.default.createDirectory(atPath: FileSystem.parentPath(dest), withIntermediateDirectories: true)
            if (try? FileSystem.renameUnlessPresent(upper, to: dest)) != true { try? FileSystem.removeTree(upper) }
        }
        state.layers.append(descriptor)
        state.config.rootfs.diffIDs.append(diffID)
        let created = timestampString(request)
        state.appendHistory(History(created: created, createdBy: createdBy))
        state.lastCreated = created
        state.cacheKey = cacheKey
        cache.record(cacheKey, .init(layer: descriptor, diffID: diffID, createdBy: createdBy, created: created))
    }

    /// Reuses a cached layer for `key` when its blob is still in the store.
    func reuse(_ key: String, _ state: inout StageState, request: BuildRequest) -> Bool {
        guard !request.noCache, let entry = cache.lookup(key) else { return false }
        // Pin, then check: a blob present after its pin stays for the rest of the build.
        guard (try? state.lease?.pin(blobs: [entry.layer.digest], layers: [entry.diffID])) != nil,
              store.hasBlob(entry.layer.digest) else { return false }
        state.layers.append(entry.layer)
        state.config.rootfs.diffIDs.append(entry.diffID)
        // A fixed timestamp is this build's created time, whichever build made the entry.
        let created = request.timestamp == nil ? entry.created ?? timestampString(request) : timestampString(request)
        state.appendHistory(History(created: created, createdBy: entry.createdBy))
        state.lastCreated = created
        state.cacheKey = key
        request.log("--> Using cache \(key.prefix(12))")
        return true
    }

    // MARK: - layers on disk

    /// The stage's file system as COPY, ADD and WORKDIR look into it. The chroot rung reads
    /// its materialised root: extracted layers hold overlay whiteouts (0:0 character
    /// devices), which cannot be made where the store itself sits on an overlay, as in a CI
    /// engine's container.
    func lowerView(_ state: inout StageState) throws -> RootfsView {
        if plan.isolation == .chroot {
            return RootfsView(layers: [try materializedRoot(&state).path], opaqueXattr: overlayXattrPrefix + "opaque")
        }
        return RootfsView(layers: try extractedLayers(state), opaqueXattr: overlayXattrPrefix + "opaque")
    }

    /// The extracted directories of the stage's layers, topmost first (extracting any
    /// that are not cached yet).
    func extractedLayers(_ state: StageState) throws -> [String] {
        var dirs: [String] = []
        var options = UnpackOptions()
        options.whiteouts = .overlay(xattrPrefix: overlayXattrPrefix)
        options.idMap = idMap
        if plan.rung == .singleID {
            // Only uid/gid 0 exist here: owners are recorded, not set.
            options.setOwners = false
            options.recordOwners = true
        }
        // The extracted directories become overlay lower directories: gc must keep them.
        try state.lease?.pin(blobs: state.layers.map(\.digest), layers: state.config.rootfs.diffIDs)
        try PhaseClock.process.measure(.unpack) {
            for (layer, diffID) in zip(state.layers, state.config.rootfs.diffIDs) {
                let (path, _) = try layers.extract(
                    layerPath: store.blobPath(layer.digest), diffID: diffID, digest: layer.digest, options: options)
                dirs.append(path)
            }
        }
        // A layer can occur twice (identical steps, empty layers); overlayfs refuses a
        // lower directory given twice (ELOOP, "overlapping layers"). Identical content
        // applied again later wins anyway, so the topmost occurrence alone is the same tree.
        var seen = Set<String>()
        return dirs.reversed().filter { seen.insert($0).inserted }
    }

    /// A fresh scratch directory for one step, `ingest/build/step-<owner token>-XXXXXX`,
    /// registered for removal at SIGINT/SIGTERM; remove it with `ScratchRegistry.remove`.
    func scratchDirectory() throws -> String {
        try ScratchRegistry.create { () throws(NativeError) -> String in
            try FileSystem.makeTemporaryDirectory(prefix: scratchRoot + "/step-\(StoreOwner.token)-")
        }
    }

    /// WORKDIR creates its directory when it does not exist (as BuildKit does): a small
    /// layer with the missing directories.
    private func ensureWorkdir(_ state: inout StageState, path: String, ins: Instruction, request: BuildRequest, counters: inout BuildCounters) throws {
        let key = BuildCache.key(state.cacheKey, ins.text)
        let view = try lowerView(&state)
        let resolved = try view.resolve(path)
        if let (_, info) = view.lookup(resolved), info.kind == .directory {
            state.appendHistory(History(created: state.createdForMetadata(request), createdBy: "/bin/sh -c #(nop) \(ins.text)", emptyLayer: true))
            state.cacheKey = key
            return
        }
        if reuse(key, &state, request: request) {
            counters.cached += 1
            return
        }
        try commitWrittenLayer(&state, createdBy: "/bin/sh -c #(nop) \(ins.text)", cacheKey: key, request: request, counters: &counters) {
            upper in
            let upperTree = try ConfinedDirectory(path: upper)
            try mirrorParents(view, resolved, into: upperTree, includeSelf: false)
            try upperTree.directory(resolved, create: true).reopen(flags: O_RDONLY | O_DIRECTORY).setMode(0o755)
        }
    }

    /// Commits the layer `writeFiles` puts into a fresh upper directory (in scratch, removed
    /// afterwards): the step of COPY, ADD and WORKDIR that writes files without running.
    func commitWrittenLayer(
        _ state: inout StageState, createdBy: String, cacheKey key: String, request: BuildRequest,
        counters: inout BuildCounters, writeFiles: (String) throws -> Void
    ) throws {
        let scratch = try scratchDirectory()
        defer { ScratchRegistry.remove(scratch) }
        let upper = scratch + "/upper"
        try FileSystem.createDirectory(upper)
        try writeFiles(upper)
        try commitLayer(
            changes: Differ.treeChanges(lower: nil, upper: upper), upper: upper, state: &state, createdBy: createdBy,
            cacheKey: key, request: request)
        counters.run += 1
    }

    /// Rewrites the owners in `tree` (the directory itself included) from container ids to
    /// host ids, for a tree this process wrote that becomes an overlay layer of RUN.
    func shiftToHost(_ tree: String) throws {
        if idMap == .identity { return }
        func shift(_ path: String) throws {
            guard let info = try FileSystem.status(path) else { return }
            guard let uid = idMap.hostUID(info.uid), let gid = idMap.hostGID(info.gid) else {
                throw ExecutorError.ownerOutsideRange(path: path, uid: info.uid, gid: info.gid, ids: Int(mapping.maxContainerID) + 1)
            }
            try FileSystem.setOwner(path, uid: uid, gid: gid)
            // chown clears setuid/setgid bits of files: put the mode back.
            if info.kind != .symlink, info.permissions & 0o6000 != 0 { try FileSystem.setMode(path, info.permissions) }
            if info.kind == .directory {
                for name in try FileSystem.directoryEntries(path) { try shift(path + "/" + name) }
            }
        }
        try shift(tree)
    }

    /// Creates in `upper` every parent directory of `path` that exists in the image, with
    /// the image's mode, owner and times, so a layer never changes the metadata of
    /// directories it only passes through.
    func mirrorParents(_ view: RootfsView, _ path: String, into upper: ConfinedDirectory, includeSelf: Bool) throws {
        let parts = path.split(separator: "/").map(String.init)
        let count = includeSelf ? parts.count : max(0, parts.count - 1)
        var parent = try upper.directory("", create: false)
        var rel = ""
        for part in parts.prefix(count) {
            rel = rel.isEmpty ? part : rel + "/" + part
            if try upper.status(part, in: parent) == nil {
                if let (hostPath, info) = view.lookup(rel), info.kind == .directory {
                    try upper.makeDirectory(part, in: parent, mode: 0o700)
                    try upper.setMode(part, in: parent, info.permissions)
                    // The image's owner in container ids (the tree is shifted as a whole
                    // later); best effort: a rootless namespace cannot set ids it does not map.
                    try? upper.setOwner(
                        part, in: parent, uid: idMap.containerUID(info.uid) ?? info.uid, gid: idMap.containerGID(info.gid) ?? info.gid)
                    // An owner recorded rather than set (single-id rung) goes along.
                    if let recorded = try? FileSystem.extendedAttributes(hostPath).first(where: { $0.name == RecordedOwner.xattr }) {
                        try upper.openEntry(part, in: parent, directory: true).setXattr(recorded.name, recorded.value)
                    }
                    try upper.setTimes(part, in: parent, seconds: info.mtimeSeconds, nanoseconds: info.mtimeNanoseconds)
                } else {
                    try upper.makeDirectory(part, in: parent)
                }
            }
            parent = try upper.directory(rel, create: false)
        }
    }
}

/// Step counts of one build.
struct BuildCounters {
    var run = 0
    var cached = 0
    var secondsInRun: Double = 0
}

/// The state of a stage while its instructions run.
struct StageState: Sendable {
    var config: ImageConfig
    var layers: [Descriptor]
    var cacheKey: String
    var baseName: String
    var shell = ["/bin/sh", "-c"]
    /// ARG values in scope (declared in this stage).
    var args: [String: String] = [:]
    var globalArgs: [String: String] = [:]
    var cmdSetInStage = false
    /// The `created` time of the newest layer step (or of the base image).
    var lastCreated: String?
    /// The chroot rung's materialised root of this stage (created by its first RUN).
    var materialized: MaterializedRoot?
    /// The build's lease: pins what the stage uses and makes (nil: nothing is pinned).
    var lease: ContentLease?

    init(config: ImageConfig, layers: [Descriptor], cacheKey: String, baseName: String) {
        self.config = config
        self.layers = layers
        self.cacheKey = cacheKey
        self.baseName = baseName
    }

    /// Variables for expansion and for RUN: ARGs, overridden by ENV.
    var expansionEnvironment: [String: String] {
        var env = args
        for entry in config.config?.env ?? [] {
            if let eq = entry.firstIndex(of: "=") { env[String(entry[..<eq])] = String(entry[entry.index(after: eq)...]) }
        }
        return env
    }

    /// Metadata steps and the image take the time of the last layer step (or
    /// SOURCE_DATE_EPOCH), so unchanged builds give unchanged digests.
    func createdForMetadata(_ request: BuildRequest) -> String {
        if let t = request.timestamp { return ImageImport.rfc3339(Date(timeIntervalSince1970: Double(t))) }
        return lastCreated ?? ImageImport.rfc3339(Date())
    }

    mutating func appendHistory(_ h: History) {
        var list = config.history ?? []
        list.append(h)
        config.history = list
    }
}
