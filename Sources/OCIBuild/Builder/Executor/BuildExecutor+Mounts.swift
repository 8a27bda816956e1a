import Foundation
import OCIDockerfile
import OCISandbox
import OCISystem
import OCIValues

/// RUN's `--mount`s as BuildKit defines them: bind (context, stage or image), cache
/// (a directory per id kept in the store), tmpfs and secret. Each becomes a bind mount or
/// a tmpfs of the sandbox at its target resolved inside the image. The mounts sit on top
/// of the overlay, so what is written into them never reaches the upper directory; the
/// mount points the image lacked exist only to mount onto and are removed from the upper
/// directory after the run, so the layer does not carry them either.
extension BuildExecutor {
    /// Where a bind mount's source lives.
    enum BindSource {
        /// A path (relative, symlinks resolved inside the context) in the build context.
        case context(String)
        /// A stage or image (`from=`) and the source path in it.
        case stage(StageState, String)
    }

    /// The source of a bind (or a seeding cache) mount, checked to exist in the context.
    func bindSource(_ mount: RunMount, request: BuildRequest, ignore: DockerIgnore?, finished: [String: StageState]) throws -> BindSource {
        let source = mount.source ?? "/"
        if let from = mount.from {
            if let s = finished[from.lowercased()] { return .stage(s, source) }
            if let (_, descriptor) = try? store.resolve(from) {
                let (_, manifest) = try store.manifest(descriptor)
                let config = try store.readJSON(ImageConfig.self, manifest.config)
                return .stage(StageState(config: config, layers: manifest.layers, cacheKey: "", baseName: from), source)
            }
            throw ExecutorError.noSuchStage(from)
        }
        // Symlinks in the context are followed as if the context were `/`: a bind never
        // reaches outside it.
        let context = RootfsView(layers: [Self.absolute(request.contextDirectory)], opaqueXattr: "")
        let rel = try context.resolve(source)
        guard rel.isEmpty || context.lookup(rel) != nil else {
            throw ExecutorError.bindSourceOutsideContext(source)
        }
        if !rel.isEmpty, ignore?.excludes(rel) == true {
            throw ExecutorError.bindSourceIgnored(source)
        }
        return .context(rel)
    }

    /// The mounts' part of a RUN cache key: each mount's canonical spec, the content
    /// digest of a bound context source (as for COPY) and the layers of a bound stage.
    /// A secret's content and a cache's content are not part of it (BuildKit's rule).
    func mountCacheKey(_ mounts: [RunMount], request: BuildRequest, ignore: DockerIgnore?, finished: [String: StageState]) throws -> String {
        var parts: [String] = []
        for mount in mounts {
            var part = mount.canonical
            if mount.kind == .bind || (mount.kind == .cache && mount.from != nil) {
                switch try bindSource(mount, request: request, ignore: ignore, finished: finished) {
                case .context(let rel):
                    let context = try ConfinedDirectory(path: Self.absolute(request.contextDirectory))
                    part += "\u{1}" + (try digestSources([rel], root: context, ignore: ignore))
                case .stage(let other, let source):
                    part += "\u{1}" + other.config.rootfs.diffIDs.map(\.description).joined(separator: ",") + "\u{1}" + source
                }
            }
            parts.append(part)
        }
        return parts.joined(separator: "\u{2}")
    }

    /// A mount point the image did not have, created by the sandbox to mount onto.
    struct MountStub {
        /// Relative to the root.
        var path: String
        /// A file (the mount point of a file), else a directory.
        var file: Bool
    }

    /// What RUN's mounts turned into for one run.
    struct PreparedMounts {
        var binds: [RunSpec.Bind] = []
        var tmpfs: [String] = []
        /// Secrets exposed as environment variables (`env=`).
        var environment: [String: String] = [:]
        var stubs: [MountStub] = []
        /// The image's directories below which stubs were created (for their times).
        var anchors: [String] = []
        /// Cache locks (`sharing=shared|locked|private`) held while the command runs.
        var locks: [FileDescriptor] = []
    }

    /// Turns the mounts into binds and tmpfs mounts. Private copies (read-write binds,
    /// stages, secrets) go below `scratch`, which the caller removes after the run.
    func prepareMounts(
        _ mounts: [RunMount], view: RootfsView, workdir: String, scratch: String, request: BuildRequest, ignore: DockerIgnore?,
        finished: [String: StageState]
    ) throws -> PreparedMounts {
        var out = PreparedMounts()
        var targets: [(bind: RunSpec.Bind?, tmpfs: String?)] = []
        var lockedNames = Set<String>()
        let context = Self.absolute(request.contextDirectory)
        for (index, mount) in mounts.enumerated() {
            let own = scratch + "/mounts/\(index)"
            let rawTarget = mount.kind == .secret ? mount.secretTarget : mount.target
            var resolved = ""
            if let rawTarget {
                let absolute = rawTarget.hasPrefix("/") ? rawTarget : (workdir as NSString).appendingPathComponent(rawTarget)
                resolved = try view.resolve(absolute)
                guard !resolved.isEmpty else { throw ExecutorError.mountOverRoot }
            }
            switch mount.kind {
            case .bind:
                var host: String
                switch try bindSource(mount, request: request, ignore: ignore, finished: finished) {
                case .context(let rel):
                    host = context + (rel.isEmpty ? "" : "/" + rel)
                    // Writes to a read-write bind are discarded, and an ignored file must not
                    // show: both get a private copy.
                    if !mount.readOnly || Self.containsIgnored(context, rel, ignore) {
                        try FileSystem.createDirectory(own)
                        try Self.copyTree(
                            from: ConfinedDirectory(path: context), rel, into: ConfinedDirectory(path: own), "source", ignore: ignore,
                            owner: (0, 0), chownGiven: false)
                        host = own + "/source"
                    }
                case .stage(let other, let source):
                    try flatten(other, into: own + "/rootfs")
                    let rel = try RootfsView(layers: [own + "/rootfs"], opaqueXattr: "").resolve(source)
                    host = own + "/rootfs" + (rel.isEmpty ? "" : "/" + rel)
                    guard (try? FileSystem.status(host)) ?? nil != nil else {
                        throw ExecutorError.bindSourceOutsideStage(source: source, stage: mount.from ?? "")
                    }
                }
                targets.append((RunSpec.Bind(source: host, target: "/" + resolved, readOnly: mount.readOnly), nil))
                out.stubs += stubs(resolved, view: view, file: ((try? FileSystem.status(host)) ?? nil)?.kind != .directory, anchors: &out.anchors)
            case .cache:
                let name = Self.cacheMountName(mount.id ?? RootfsView.clean(rawTarget.map { $0.hasPrefix("/") ? $0 : workdir + "/" + $0 } ?? ""))
                var host = try cacheMountDirectory(name, mount, request: request, ignore: ignore, finished: finished, scratch: own)
                if !lockedNames.contains(name) {
                    let lockDir = store.root + "/cache-mounts/.locks"
                    try FileManager.default.createDirectory(atPath: lockDir, withIntermediateDirectories: true)
                    let lock = try FileDescriptor(path: lockDir + "/" + name, flags: O_RDWR | O_CREAT, mode: 0o600)
                    switch mount.sharing {
                    case .shared: _ = try lock.lock(exclusive: false)
                    case .locked: _ = try lock.lock(exclusive: true)
                    case .private:
                        if try !lock.lock(exclusive: true, wait: false) {
                            // In use: this run gets a fresh, empty cache of its own.
                            host = own + "/private"
                            try Self.makeDirectory(host, mode: mount.mode ?? 0o755, uid: mount.uid ?? 0, gid: mount.gid ?? 0)
                        }
                    }
                    out.locks.append(lock)
                    lockedNames.insert(name)
                }
                targets.append((RunSpec.Bind(source: host, target: "/" + resolved, readOnly: mount.readOnly), nil))
                out.stubs += stubs(resolved, view: view, file: false, anchors: &out.anchors)
            case .tmpfs:
                // RunSpec.tmpfs carries no size: the sandbox gives every tmpfs its own fixed
                // limit. Say so rather than let the requested size pass unremarked.
                if let size = mount.size {
                    request.log("note: RUN --mount=type=tmpfs,size=\(size): the size is not applied (the sandbox's tmpfs size is fixed)")
                }
                targets.append((nil, "/" + resolved))
                out.stubs += stubs(resolved, view: view, file: false, anchors: &out.anchors)
            case .secret:
                let id = mount.id ?? ""
                guard let secret = request.secrets[id] else {
                    if mount.required { throw ExecutorError.secretRequired(id) }
                    request.log("note: secret \(id) was not given: RUN runs without it")
                    continue
                }
                let content: [UInt8]
                switch secret {
                case .value(let bytes): content = bytes
                case .file(let path):
                    guard let data = FileManager.default.contents(atPath: path) else {
                        throw ExecutorError.secretUnreadable(id: id, path: path)
                    }
                    content = [UInt8](data)
                }
                if let env = mount.env { out.environment[env] = String(decoding: content, as: UTF8.self) }
                guard rawTarget != nil else { continue }
                // A private copy with the requested mode and owner, bound read-only.
                try Self.makeDirectory(own, mode: 0o700, uid: 0, gid: 0)
                let file = own + "/secret"
                let fd = try FileDescriptor(path: file, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
                try fd.write(content)
                try fd.setOwner(uid: mount.uid ?? 0, gid: mount.gid ?? 0)
                try fd.setMode(mount.mode ?? 0o400)
                targets.append((RunSpec.Bind(source: file, target: "/" + resolved, readOnly: true), nil))
                out.stubs += stubs(resolved, view: view, file: true, anchors: &out.anchors)
            case .ssh:
                throw ExecutorError.sshMountUnsupported
            }
        }
        // Parents before children, so a mount below another mount's target stays visible.
        let ordered = targets.enumerated().sorted {
            let a = ($0.element.bind?.target ?? $0.element.tmpfs ?? "").split(separator: "/").count
            let b = ($1.element.bind?.target ?? $1.element.tmpfs ?? "").split(separator: "/").count
            return a == b ? $0.offset < $1.offset : a < b
        }.map(\.element)
        out.binds = ordered.compactMap(\.bind)
        out.tmpfs = ordered.compactMap(\.tmpfs)
        // A missing working directory is already in the upper directory, made for the
        // layer: it is not a mount point to remove.
        out.stubs.removeAll { ((try? FileSystem.status(scratch + "/upper/" + $0.path)) ?? nil) != nil }
        return out
    }

    /// The parts of `path` (relative, resolved) that the image lacks: the first missing
    /// component and everything below it. The deepest existing ancestor goes to `anchors`.
    private func stubs(_ path: String, view: RootfsView, file: Bool, anchors: inout [String]) -> [MountStub] {
        let parts = path.split(separator: "/").map(String.init)
        var out: [MountStub] = []
        var rel = ""
        var anchor = ""
        for (i, part) in parts.enumerated() {
            rel = rel.isEmpty ? part : rel + "/" + part
            if out.isEmpty, view.lookup(rel) != nil {
                anchor = rel
                continue
            }
            out.append(MountStub(path: rel, file: file && i == parts.count - 1))
        }
        if !out.isEmpty && !anchors.contains(anchor) { anchors.append(anchor) }
        return out
    }

    /// Removes from the upper directory the mount points created only to mount onto
    /// (still empty: the mount hid whatever the command wrote there), then the image's
    /// directories that were copied up only to hold them; an image directory that stays
    /// in the layer gets its times back.
    func removeMountPoints(_ prepared: PreparedMounts, upper: String, view: RootfsView) {
        for stub in prepared.stubs.sorted(by: { $0.path.split(separator: "/").count > $1.path.split(separator: "/").count }) {
            let host = upper + "/" + stub.path
            guard let info = (try? FileSystem.status(host)) ?? nil else { continue }
            if info.kind == .directory {
                _ = try? FileSystem.removeEmptyDirectory(host)
            } else if stub.file, info.kind == .regular, info.size == 0 {
                try? FileSystem.removeFile(host)
            }
        }
        for anchor in prepared.anchors {
            var rel = anchor
            while !rel.isEmpty {
                let host = upper + "/" + rel
                guard let info = (try? FileSystem.status(host)) ?? nil, info.kind == .directory,
                    let image = view.lookup(rel)?.info, image.kind == .directory
                else { break }
                let attrs = (try? FileSystem.extendedAttributes(host)) ?? []
                let opaque = attrs.contains { $0.name.hasSuffix("overlay.opaque") }
                if !opaque, ((try? FileSystem.directoryEntries(host)) ?? ["?"]).isEmpty, info.permissions == image.permissions,
                    info.uid == image.uid, info.gid == image.gid
                {
                    _ = try? FileSystem.removeEmptyDirectory(host)
                    rel = rel.split(separator: "/").dropLast().joined(separator: "/")
                    continue
                }
                try? FileSystem.setTimes(host, seconds: image.mtimeSeconds, nanoseconds: image.mtimeNanoseconds)
                break
            }
        }
    }

    /// The cache directory `STORE/cache-mounts/<name>`, created on first use with the
    /// mount's mode and owner (and, with `from=`, seeded from that stage's `source`).
    private func cacheMountDirectory(
        _ name: String, _ mount: RunMount, request: BuildRequest, ignore: DockerIgnore?, finished: [String: StageState],
        scratch: String
    ) throws -> String {
        let root = store.root + "/cache-mounts"
        let dir = root + "/" + name
        if let info = (try? FileSystem.status(dir)) ?? nil, info.kind == .directory { return dir }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        // Made under a temporary name and renamed: a concurrent build sees all or nothing.
        let fresh = root + "/.new-\(ProcessIdentity.processID)-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileSystem.removeTree(fresh) }
        let uid = mount.uid ?? 0
        let gid = mount.gid ?? 0
        try Self.makeDirectory(fresh, mode: mount.mode ?? 0o755, uid: uid, gid: gid)
        if mount.from != nil, case .stage(let other, let source) = try bindSource(mount, request: request, ignore: ignore, finished: finished) {
            try flatten(other, into: scratch + "/seed")
            let rel = try RootfsView(layers: [scratch + "/seed"], opaqueXattr: "").resolve(source)
            let seed = try ConfinedDirectory(path: scratch + "/seed")
            if try seed.entry(rel, followLast: true)?.info().kind == .directory {
                try Self.copyTree(from: seed, rel, into: ConfinedDirectory(path: fresh), "", ignore: nil, owner: (uid, gid), chownGiven: true)
            }
            try? FileSystem.removeTree(scratch + "/seed")
        }
        do {
            _ = try FileSystem.renameUnlessPresent(fresh, to: dir)
        } catch {
            throw ExecutorError.cacheMount(dir, error)
        }
        return dir
    }

    /// Copies `relative` of `source` (a directory's contents, or a file) to `target` of
    /// `destination` (the root itself when empty), reading and writing only inside the two
    /// trees, as COPY does.
    static func copyTree(
        from source: ConfinedDirectory, _ relative: String, into destination: ConfinedDirectory, _ target: String,
        ignore: DockerIgnore?, owner: (uid: UInt32, gid: UInt32), chownGiven: Bool
    ) throws {
        guard let entry = try source.entry(relative, followLast: true) else {
            throw ExecutorError.bindSourceMissing(relative)
        }
        let copier = TreeCopier(
            owner: owner, chownGiven: chownGiven, chmod: nil, ignore: ignore, source: source, upper: destination, timestamp: nil)
        let info = try entry.info()
        if info.kind == .directory {
            _ = try destination.directory(target, create: true)
            try copier.copyContents(of: entry, relative: relative, to: target)
        } else if info.kind == .regular {
            try copier.copyFile(try entry.reopen(flags: O_RDONLY), info, to: target)
        }
    }

    /// A cache id as a file name: letters, digits, `_`, `-` and `.` kept (a leading dot
    /// escaped, so ids never meet the store's own `.locks` and `.new-*`), the rest as `%XX`;
    /// very long ids become their digest.
    static func cacheMountName(_ id: String) -> String {
        var out = ""
        for (i, byte) in id.utf8.enumerated() {
            let c = Character(Unicode.Scalar(byte))
            if (c.isASCII && (c.isLetter || c.isNumber)) || c == "_" || c == "-" || (c == "." && i > 0) {
                out.append(c)
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        if out.isEmpty { out = "%" }
        if out.utf8.count > 200 { out = "sha256-" + ((try? Digest.sha256(of: Array(id.utf8)).encoded) ?? "") }
        return out
    }

    /// True when `.dockerignore` excludes something at or below `rel` of the context.
    static func containsIgnored(_ context: String, _ rel: String, _ ignore: DockerIgnore?) -> Bool {
        guard let ignore else { return false }
        if !rel.isEmpty && ignore.excludes(rel) { return true }
        let dir = context + (rel.isEmpty ? "" : "/" + rel)
        guard ((try? FileSystem.status(dir)) ?? nil)?.kind == .directory else { return false }
        for name in (try? FileSystem.directoryEntries(dir)) ?? [] {
            if containsIgnored(context, rel.isEmpty ? name : rel + "/" + name, ignore) { return true }
        }
        return false
    }

    /// mkdir with an exact mode (no umask) and owner.
    static func makeDirectory(_ path: String, mode: UInt32, uid: UInt32, gid: UInt32) throws {
        do {
            try FileSystem.createDirectory(path, mode: 0o700)
            try FileSystem.setOwner(path, uid: uid, gid: gid)
            try FileSystem.setMode(path, mode)
        } catch {
            throw ExecutorError.system(error)
        }
    }

    /// `path` made absolute against the working directory (the sandbox's children change it).
    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
