import Foundation
import OCIDockerfile
import OCILayers
import OCIStore
import OCISystem
import OCIValues

/// COPY and ADD: sources from the build context (minus `.dockerignore`), another stage
/// (`--from`) or here-documents, written into a fresh upper directory at the destination
/// resolved inside the image (symlinks such as `lib -> usr/lib` followed), with
/// `--chown`/`--chmod`; ADD also unpacks local tar archives.
extension BuildExecutor {
    func copyStep(
        _ ins: Instruction, sources rawSources: [String], destination rawDest: String, isAdd: Bool, _ state: inout StageState,
        file: Dockerfile, words: ShellWords, request: BuildRequest, ignore: DockerIgnore?, finished: [String: StageState],
        counters: inout BuildCounters
    ) throws {
        let env = state.expansionEnvironment
        let x: (String) throws -> String = { try self.expand(words, $0, env, ins, file) }
        let target = try copyTarget(ins, destination: rawDest, state: state, expand: x)
        let origin = try copyOrigin(ins, state: state, request: request, finished: finished, expand: x)
        defer { origin.remove() }
        let sources = try copySources(ins, rawSources, isAdd: isAdd, expand: x)
        // Every source is read through this root: symlinks and `..` resolve as if it were
        // `/`, so a context link to `/` names the context itself, never the host.
        let sourceTree = try ConfinedDirectory(path: origin.root)
        let sourceIgnore = origin.scratch == nil ? ignore : nil
        var matches: [String] = []
        for s in sources {
            let found = try glob(RootfsView.clean(s), in: sourceTree, ignore: sourceIgnore)
            if found.isEmpty { throw ExecutorError.noSources(s) }
            matches += found
        }

        // The cache key covers the content of every source.
        let contentDigest = try digestSources(matches, root: sourceTree, ignore: sourceIgnore)
        let docs = ins.heredocs.map { "\($0.name)\u{1}\($0.content)" }.joined(separator: "\u{2}")
        let key = BuildCache.key(
            state.cacheKey, ins.text, contentDigest, docs, origin.key, target.path, target.chown ?? "",
            target.chmod.map { String($0, radix: 8) } ?? "")
        if reuse(key, &state, request: request) {
            counters.cached += 1
            return
        }

        let createdBy = "/bin/sh -c #(nop) \(isAdd ? "ADD" : "COPY") \(sources.joined(separator: " ")) in \(target.path)"
        let view = try lowerView(&state)
        try commitWrittenLayer(&state, createdBy: createdBy, cacheKey: key, request: request, counters: &counters) { upper in
            try writeCopyLayer(
                ins, matches, target: target, isAdd: isAdd, from: sourceTree, fromContext: origin.scratch == nil,
                ignore: sourceIgnore, into: upper, view: view, request: request)
        }
    }

    /// COPY/ADD's destination (absolute, against WORKDIR; a trailing `/` kept) and its
    /// `--chown` / `--chmod`, expanded.
    private func copyTarget(
        _ ins: Instruction, destination rawDest: String, state: StageState, expand x: (String) throws -> String
    ) throws -> CopyTarget {
        let dest = try x(rawDest)
        let workdir = state.config.config?.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/"
        let absDest = dest.hasPrefix("/") ? dest : (workdir as NSString).appendingPathComponent(dest) + (dest.hasSuffix("/") ? "/" : "")
        let chown = try ins.flag("chown").map { try x($0) }
        let chmod = try ins.flag("chmod").map { try x($0) }.map { text -> mode_t in
            guard let m = mode_t(text, radix: 8), m <= 0o7777 else { throw ExecutorError.invalidChmod(text) }
            return m
        }
        return CopyTarget(path: absDest, chown: chown, chmod: chmod)
    }

    /// Where COPY/ADD reads: the build context, or (`--from`) a finished stage or a stored
    /// image flattened into scratch.
    private func copyOrigin(
        _ ins: Instruction, state: StageState, request: BuildRequest, finished: [String: StageState],
        expand x: (String) throws -> String
    ) throws -> CopyOrigin {
        guard let from = try ins.flag("from").map({ try x($0) }) else {
            return CopyOrigin(root: request.contextDirectory, scratch: nil, key: "")
        }
        let other: StageState
        if let s = finished[from.lowercased()] {
            other = s
        } else if let (_, descriptor) = try? store.resolve(from) {
            let (_, manifest) = try store.manifest(descriptor)
            var image = StageState(
                config: try store.readJSON(ImageConfig.self, manifest.config), layers: manifest.layers, cacheKey: "", baseName: from)
            image.lease = state.lease
            other = image
        } else {
            throw ExecutorError.noSuchStage(from)
        }
        let dir = try scratchDirectory()
        do {
            try flatten(other, into: dir + "/rootfs")
        } catch {
            ScratchRegistry.remove(dir)
            throw error
        }
        return CopyOrigin(
            root: dir + "/rootfs", scratch: dir, key: other.config.rootfs.diffIDs.map(\.description).joined(separator: ","))
    }

    /// The source arguments, expanded, without the here-documents (each of those becomes
    /// one file named after its marker, whose name is checked here); ADD from a URL refused.
    private func copySources(
        _ ins: Instruction, _ rawSources: [String], isAdd: Bool, expand x: (String) throws -> String
    ) throws -> [String] {
        for doc in ins.heredocs {
            if let problem = TreeCopier.heredocNameProblem(doc.name) { throw ExecutorError.invalidHeredocName(reason: problem) }
        }
        let heredocNames = Set(ins.heredocs.map(\.name))
        var sources: [String] = []
        for s in rawSources {
            let marker = String(s.drop { $0 == "<" || $0 == "-" }).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            if s.hasPrefix("<<"), heredocNames.contains(marker) { continue }
            sources.append(try x(s))
        }
        if isAdd, let url = sources.first(where: { $0.hasPrefix("http://") || $0.hasPrefix("https://") }) {
            throw ExecutorError.addFromURL(url)
        }
        return sources
    }

    /// Writes the layer's tree into `upper`: the destination's parents as the image has
    /// them, then the here-documents and every matched source (ADD unpacks local archives),
    /// everything through confined roots.
    private func writeCopyLayer(
        _ ins: Instruction, _ matches: [String], target: CopyTarget, isAdd: Bool, from sourceTree: ConfinedDirectory,
        fromContext: Bool, ignore sourceIgnore: DockerIgnore?, into upper: String, view: RootfsView, request: BuildRequest
    ) throws {
        let owner = try target.chown.map { try view.owner($0) } ?? (0, 0)
        // Everything below is written through this root, never by host path.
        let upperTree = try ConfinedDirectory(path: upper)
        let total = matches.count + ins.heredocs.count
        let destIsDir = target.path.hasSuffix("/") || total > 1
            || (view.lookup((try? view.resolve(target.path)) ?? "").map { $0.info.kind == .directory } ?? false)
        let resolvedDest = try view.resolve(target.path)
        var copier = TreeCopier(
            owner: owner, chownGiven: target.chown != nil, chmod: target.chmod, ignore: sourceIgnore, source: sourceTree,
            upper: upperTree, timestamp: request.timestamp)
        copier.recordOwners = plan.rung == .singleID
        try mirrorParents(view, resolvedDest, into: upperTree, includeSelf: destIsDir)
        if destIsDir { try copier.makeDirectories(resolvedDest) }
        for doc in ins.heredocs {
            let file = destIsDir ? TreeCopier.join(resolvedDest, doc.name) : resolvedDest
            try copier.writeFile(file, Array(doc.content.utf8), mode: 0o644, mtime: Int(Date().timeIntervalSince1970))
        }
        for rel in matches {
            // A source named directly is followed when it is a symlink (inside the root).
            guard let entry = try sourceTree.entry(rel, followLast: true) else {
                throw ExecutorError.danglingSource(rel, inContext: fromContext)
            }
            let info = try entry.info()
            if try isAdd && info.kind == .regular && fromContext && TreeCopier.isArchive(entry) {
                // ADD unpacks local archives into the destination directory, confined to it.
                var options = UnpackOptions()
                options.whiteouts = .apply
                _ = try Unpacker(options: options).unpack(
                    file: try entry.reopen(flags: O_RDONLY), into: try upperTree.subtree(resolvedDest, create: true))
                continue
            }
            if info.kind == .directory {
                // A directory source copies its contents, not itself.
                _ = try upperTree.directory(resolvedDest, create: true)
                try copier.copyContents(of: entry, relative: rel, to: resolvedDest)
            } else if info.kind == .regular {
                let file = destIsDir ? TreeCopier.join(resolvedDest, FileSystem.baseName(rel)) : resolvedDest
                try copier.copyFile(try entry.reopen(flags: O_RDONLY), info, to: file)
            }
            // Sockets, FIFOs and devices are not copied.
        }
    }

    /// Applies every layer of `stage` to an empty directory (for `COPY --from`).
    func flatten(_ stage: StageState, into dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var options = UnpackOptions()
        options.whiteouts = .apply
        for layer in stage.layers {
            _ = try Unpacker(options: options).unpack(layerPath: store.blobPath(layer.digest), into: dir)
        }
    }

    /// Paths (relative to `root`) matching a source pattern with `*`, `?` and `[…]`,
    /// spelled as in the pattern (symlinks on the way are resolved inside `root` whenever
    /// the paths are opened).
    func glob(_ pattern: String, in root: ConfinedDirectory, ignore: DockerIgnore?) throws -> [String] {
        if pattern.isEmpty { return [""] }
        let parts = pattern.split(separator: "/").map(String.init)
        var current = [""]
        for part in parts {
            var next: [String] = []
            let wild = part.contains(where: { "*?[".contains($0) })
            for base in current {
                if wild {
                    guard let dir = try root.entry(base, followLast: true), try dir.info().kind == .directory else { continue }
                    for n in try root.entries(of: dir) where fnmatch(part, n, 0) == 0 {
                        next.append(TreeCopier.join(base, n))
                    }
                } else {
                    let p = TreeCopier.join(base, part)
                    if try root.entry(p, followLast: false) != nil { next.append(p) }
                }
            }
            current = next
        }
        return current.filter { ignore?.excludes($0) != true }
    }

    /// A digest of the sources' paths, modes and contents (symlink targets), the
    /// content part of a COPY/ADD cache key. Read as the copy reads them: the named
    /// sources followed inside `root`, the entries below them never followed.
    func digestSources(_ paths: [String], root: ConfinedDirectory, ignore: DockerIgnore?) throws -> String {
        var bytes: [UInt8] = []
        func header(_ rel: String, _ info: FileInfo) {
            bytes += Array("\(rel)\u{0}\(info.kind.typeBits | info.permissions)\u{0}".utf8)
        }
        func addContents(of directory: FileDescriptor, _ rel: String) throws {
            for name in try root.entries(of: directory) {
                let child = TreeCopier.join(rel, name)
                if ignore?.excludes(child) == true { continue }
                guard let info = try root.status(name, in: directory) else { continue }
                header(child, info)
                switch info.kind {
                case .regular:
                    bytes += Array(try Digest.sha256(of: root.openEntry(name, in: directory, directory: false).readAll()).encoded.utf8)
                case .symlink:
                    bytes += Array(try root.linkTarget(name, in: directory).utf8)
                case .directory:
                    try addContents(of: root.openEntry(name, in: directory, directory: true), child)
                default: break
                }
                bytes.append(1)
            }
        }
        for rel in paths {
            guard let entry = try root.entry(rel, followLast: true) else { continue }
            let info = try entry.info()
            header(rel, info)
            switch info.kind {
            case .regular: bytes += Array(try Digest.sha256(of: entry.reopen(flags: O_RDONLY).readAll()).encoded.utf8)
            case .directory: try addContents(of: entry, rel)
            default: break
            }
            bytes.append(1)
        }
        return try Digest.sha256(of: bytes).encoded
    }
}

/// Copies files into an upper directory as COPY does: modes kept (or `--chmod`), owner
/// 0:0 (or `--chown`), mtimes kept (clamped to SOURCE_DATE_EPOCH when set), symlinks as
/// links, `.dockerignore`d paths skipped.
///
/// Sources are read from `source` and written to `upper`, both confined trees: entries
/// below a source directory are opened relative to their parent's descriptor without
/// following symlinks, and every write resolves its parent inside the upper directory.
struct TreeCopier {
    let owner: (uid: UInt32, gid: UInt32)
    let chownGiven: Bool
    let chmod: mode_t?
    let ignore: DockerIgnore?
    /// Where sources are read: the context, or the root of a `--from` stage or image.
    let source: ConfinedDirectory
    /// The step's upper directory, where everything is written.
    let upper: ConfinedDirectory
    let timestamp: Int?
    /// Record owners that cannot be set (single-id user namespace) in `RecordedOwner.xattr`.
    var recordOwners = false

    /// Sets the owner of `name`, best effort as before: a rootless user namespace cannot set
    /// ids it does not map; with `recordOwners` such an owner is recorded for the layer.
    private func applyOwner(_ name: String, in parent: FileDescriptor, isLink: Bool) {
        do {
            try upper.setOwner(name, in: parent, uid: owner.uid, gid: owner.gid)
        } catch {
            guard recordOwners, !isLink, owner.uid != 0 || owner.gid != 0,
                let info = try? upper.status(name, in: parent),
                let fd = try? upper.openEntry(name, in: parent, directory: info.kind == .directory)
            else { return }
            try? fd.setXattr(RecordedOwner.xattr, RecordedOwner.value(uid: owner.uid, gid: owner.gid))
        }
    }

    /// `a/b`, or `b` when `a` is the root.
    static func join(_ directory: String, _ name: String) -> String {
        directory.isEmpty ? name : directory + "/" + name
    }

    /// Why `name` cannot be a COPY/ADD here-document's file name, nil when it can: it must
    /// be one path component, so that the file lands in the destination directory.
    static func heredocNameProblem(_ name: String) -> String? {
        guard name.isEmpty || name == "." || name == ".." || name.contains("/") || name.utf8.contains(0) else { return nil }
        return "invalid here-document name \"\(name)\": a COPY/ADD here-document names one file (not empty, \".\" or \"..\", no \"/\")"
    }

    /// True when the file open as `file` (an O_PATH descriptor of a regular file) starts
    /// like an archive ADD unpacks.
    static func isArchive(_ file: FileDescriptor) throws -> Bool {
        let head = try file.reopen(flags: O_RDONLY).read(upTo: 512)
        if head.count >= 3 && head[0] == 0x1f && head[1] == 0x8b { return true }  // gzip
        if head.count >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd { return true }  // zstd
        if head.count >= 3 && head[0] == 0x42 && head[1] == 0x5a && head[2] == 0x68 { return true }  // bzip2
        if head.count >= 6 && head[0] == 0xfd && head[1] == 0x37 && head[2] == 0x7a { return true }  // xz
        if head.count >= 262 && Array(head[257..<262]) == Array("ustar".utf8) { return true }  // tar
        return false
    }

    /// The parent of `path` in the upper tree (created when missing) and the last name.
    private func destination(_ path: String) throws -> (parent: FileDescriptor, name: String) {
        let (directory, name) = LayerPath.split(path)
        guard !name.isEmpty else { throw ExecutorError.copyOntoRoot }
        return (try upper.directory(directory, create: true), name)
    }

    /// Removes a non-directory already at `name` (an earlier source of the same step).
    private func clear(_ name: String, in parent: FileDescriptor) throws {
        if let existing = try upper.status(name, in: parent), existing.kind != .directory {
            try upper.remove(name, in: parent)
        }
    }

    private func finish(_ name: String, in parent: FileDescriptor, mode: mode_t, isLink: Bool = false, mtime: Int) throws {
        applyOwner(name, in: parent, isLink: isLink)
        if !isLink { try upper.setMode(name, in: parent, UInt32(chmod ?? mode)) }
        let t = timestamp.map { min($0, mtime) } ?? mtime
        try upper.setTimes(name, in: parent, seconds: t, nanoseconds: 0)
    }

    /// Writes `bytes` as regular file `path` of the upper tree (a here-document).
    func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t, mtime: Int) throws {
        let (parent, name) = try destination(path)
        try clear(name, in: parent)
        try upper.createFile(name, in: parent).write(bytes)
        try finish(name, in: parent, mode: mode, mtime: mtime)
    }

    /// Directories created for the destination itself (not mirrored from the image) get
    /// the copy's owner, as Docker does.
    func makeDirectories(_ dest: String) throws {
        var parent = try upper.directory("", create: false)
        var rel = ""
        for part in dest.split(separator: "/").map(String.init) {
            if try upper.status(part, in: parent) == nil {
                try upper.makeDirectory(part, in: parent)
                if chownGiven { applyOwner(part, in: parent, isLink: false) }
            }
            rel = Self.join(rel, part)
            parent = try upper.directory(rel, create: false)
        }
    }

    /// Copies the regular file open for reading as `file` (status `info`) to `target`.
    func copyFile(_ file: FileDescriptor, _ info: FileInfo, to target: String) throws {
        let (parent, name) = try destination(target)
        try clear(name, in: parent)
        try upper.createFile(name, in: parent).copy(from: file)
        try finish(name, in: parent, mode: mode_t(info.permissions), mtime: info.mtimeSeconds)
    }

    /// Copies the entries of source directory `directory` (at `relative` in the source
    /// root, for `.dockerignore`) into directory `target` of the upper tree.
    func copyContents(of directory: FileDescriptor, relative: String, to target: String) throws {
        for name in try source.entries(of: directory) {
            let rel = Self.join(relative, name)
            if ignore?.excludes(rel) == true {
                // An exception below may re-include something: descend without copying this entry.
                if ignore?.hasExceptions == true, try source.status(name, in: directory)?.kind == .directory {
                    try copyContents(of: source.openEntry(name, in: directory, directory: true), relative: rel, to: Self.join(target, name))
                }
                continue
            }
            try copyEntry(name, in: directory, relative: rel, to: Self.join(target, name))
        }
    }

    /// Copies entry `name` of source directory `parent` to `target`, a symlink as a
    /// symlink (never followed).
    private func copyEntry(_ name: String, in parent: FileDescriptor, relative: String, to target: String) throws {
        guard let info = try source.status(name, in: parent) else { return }
        switch info.kind {
        case .symlink:
            let link = try source.linkTarget(name, in: parent)
            let (destParent, destName) = try destination(target)
            try clear(destName, in: destParent)
            try upper.makeSymlink(destName, in: destParent, target: link)
            try finish(destName, in: destParent, mode: 0o777, isLink: true, mtime: info.mtimeSeconds)
        case .directory:
            let (destParent, destName) = try destination(target)
            try clear(destName, in: destParent)
            if try upper.status(destName, in: destParent) == nil {
                try upper.makeDirectory(destName, in: destParent, mode: 0o700)
            }
            try copyContents(of: source.openEntry(name, in: parent, directory: true), relative: relative, to: target)
            try finish(destName, in: destParent, mode: mode_t(info.permissions), mtime: info.mtimeSeconds)
        case .regular:
            try copyFile(source.openEntry(name, in: parent, directory: false), info, to: target)
        default:
            break  // sockets, FIFOs and devices are not copied
        }
    }
}

/// COPY/ADD's destination and the owner and mode it gives.
struct CopyTarget {
    /// Absolute; a trailing `/` says "a directory".
    var path: String
    var chown: String?
    var chmod: mode_t?
}

/// Where COPY/ADD reads from: the context, or a flattened stage in scratch.
struct CopyOrigin {
    var root: String
    /// The scratch holding a flattened `--from` stage, removed after the step.
    var scratch: String?
    /// What of the origin the cache key covers (the stage's diff_ids).
    var key: String

    func remove() { if let scratch { ScratchRegistry.remove(scratch) } }
}
