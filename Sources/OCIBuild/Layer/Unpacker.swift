// Applies a layer blob (plain, gzip or zstd tar) to a directory, the way image-spec
// layer.md#applying-changesets describes and umoci's `layer.UnpackLayer` implements:
//
// * Member paths are cleaned; `..`, absolute and over-long paths are refused
//   (LayerError.unsafePath). Everything is written through `ConfinedDirectory`, which
//   resolves parents with openat2(RESOLVE_IN_ROOT): a symlink in the tree (say
//   `lib -> usr/lib`, or a hostile `evil -> /etc`) is followed *as if the tree were `/`*,
//   so writes through it land inside the tree (`evil/passwd` → `ROOT/etc/passwd`), never
//   outside (CVE-2021-29136). Final components are never followed.
// * Whiteouts hide lower-layer content only: the unpacker tracks every path this layer
//   wrote (and its ancestors), and `.wh.<name>` / `.wh..wh..opq` never remove those,
//   whatever their order in the tar. Bare `.wh.` and whiteouts of `.`/`..` are refused.
// * Hard links must point at a member that exists in the tree (this layer or a lower
//   one) and is not a directory; the target path is cleaned and confined like any other.
// * Ownership goes through the id map when the process may chown; otherwise files stay
//   owned by the caller (rootless). Device nodes are created only with full privilege
//   and otherwise skipped and recorded. Overlay xattrs (`trusted.overlay.*`,
//   `user.overlay.*`) in a layer are never applied: they would forge whiteouts when the
//   tree is later an overlay lower dir. `security.*`/`trusted.*` xattrs that an
//   unprivileged process may not set are skipped and recorded.
// * Directory metadata (mode, owner, times) is applied after all members, deepest first,
//   so that writing children neither bumps parents' mtimes nor trips over read-only
//   directories.

/// How whiteout members are applied.

import OCISystem
import OCIValues

package enum WhiteoutMode: Sendable, Hashable {
    /// Delete the lower-layer content they name (unpacking onto the layers below).
    case apply
    /// Turn them into overlayfs whiteouts in a tree meant as an overlay lower dir:
    /// `.wh.<name>` → character device 0:0 `<name>`, opaque marker → xattr
    /// `<xattrPrefix>opaque=y` (`trusted.overlay.`, or `user.overlay.` for `userxattr` mounts).
    case overlay(xattrPrefix: String)
}

/// Knobs of an unpack, with defaults for the calling process.
package struct UnpackOptions: Sendable {
    /// Container ids → host ids for owners.
    package var idMap: IDMap = .identity
    /// Set owners (needs root or a user namespace with the ids mapped). Default: when
    /// running as uid 0.
    package var setOwners: Bool = FileSystem.effectiveUserID == 0
    /// Create character and block devices (needs full privilege). Default: root in the
    /// initial user namespace.
    package var createDevices: Bool = FileSystem.isFullyPrivileged
    /// How whiteouts are applied.
    package var whiteouts: WhiteoutMode = .apply
    /// Where owners cannot be set (a single-id user namespace), record each owner other
    /// than 0:0 in the `RecordedOwner` xattr instead, so the layers written later keep it.
    package var recordOwners: Bool = false
    /// The diff_id the layer must have; checked after the last member.
    package var expectedDiffID: Digest?
    /// The blob digest the layer must have; checked after the last member.
    package var expectedDigest: Digest?

    /// Options for this process with the defaults above.
    package init() {}
}

/// What an unpack did besides writing files.
package struct UnpackReport: Sendable {
    /// Members processed (whiteouts included).
    package var members = 0
    /// Device nodes not created (no privilege), as `path (c|b major:minor)`.
    package var skippedDevices: [String] = []
    /// Extended attributes not set, as `path: name (reason)`.
    package var skippedXattrs: [String] = []
    /// True when owners were not set (rootless): every file belongs to the caller.
    package var ownersIgnored = false
    /// Both digests of the blob as read.
    package var digests: LayerDigests?
}

/// Applies layer blobs to directories.
package struct Unpacker: Sendable {
    /// The options.
    package var options: UnpackOptions

    /// An unpacker with `options`.
    package init(options: UnpackOptions = UnpackOptions()) {
        self.options = options
    }

    /// Applies the layer blob at `layerPath` onto the directory `rootPath` (which holds
    /// the lower layers, or nothing) and returns what it did.
    ///
    /// On error the tree is left partly written; callers unpack into a scratch directory
    /// and rename it into place on success (`LayerCache` does).
    package func unpack(layerPath: String, into rootPath: String) throws(LayerError) -> UnpackReport {
        let reader = try layerCall { () throws(NativeError) in try LayerArchiveReader(path: layerPath) }
        let tree = try layerCall { () throws(NativeError) in try ConfinedDirectory(path: rootPath) }
        return try unpack(reader, into: tree)
    }

    /// Applies the archive open as `file` (ADD of a local archive, found by a confined
    /// lookup) onto the confined tree `tree`.
    package func unpack(file: FileDescriptor, into tree: ConfinedDirectory) throws(LayerError) -> UnpackReport {
        let reader = try layerCall { () throws(NativeError) in try LayerArchiveReader(file: file) }
        return try unpack(reader, into: tree)
    }

    private func unpack(_ reader: LayerArchiveReader, into tree: ConfinedDirectory) throws(LayerError) -> UnpackReport {
        let layerPath = reader.path
        var run = UnpackRun(options: options, reader: reader, tree: tree, layer: layerPath)
        try run.applyAll()
        let digests = try layerCall { () throws(NativeError) in try reader.finish() }
        if let expected = options.expectedDigest, expected != digests.digest {
            throw .digestMismatch(layer: layerPath, what: "blob digest", expected: expected, actual: digests.digest)
        }
        if let expected = options.expectedDiffID, expected != digests.diffID {
            throw .digestMismatch(layer: layerPath, what: "diff_id", expected: expected, actual: digests.diffID)
        }
        run.report.digests = digests
        run.report.ownersIgnored = !options.setOwners
        return run.report
    }
}

/// The state of one unpack: the reader, the tree, what this layer wrote.
private struct UnpackRun {
    let options: UnpackOptions
    let reader: LayerArchiveReader
    let tree: ConfinedDirectory
    let layer: String
    var report = UnpackReport()
    /// Paths written by this layer, and all their ancestors: whiteouts never remove them.
    var touched: Set<String> = [""]
    /// Directories whose metadata is applied at the end.
    var directories: [(path: String, entry: TarEntry)] = []
    /// The last parent directory opened, reused while members stay in it.
    var cachedParent: (path: String, fd: FileDescriptor)?

    init(options: UnpackOptions, reader: LayerArchiveReader, tree: ConfinedDirectory, layer: String) {
        self.options = options
        self.reader = reader
        self.tree = tree
        self.layer = layer
    }

    mutating func applyAll() throws(LayerError) {
        while let entry = try layerCall({ () throws(NativeError) in try reader.next() }) {
            report.members += 1
            try apply(entry)
        }
        // Deepest first, so a parent's mtime is set after its children are final.
        directories.sort { $0.path.utf8.count > $1.path.utf8.count }
        for (path, entry) in directories {
            try layerCall { () throws(NativeError) in
                let fd = try tree.openDirectoryForReading(path)
                try applyMetadata(entry, path: path, to: fd)
            }
        }
    }

    mutating func apply(_ entry: TarEntry) throws(LayerError) {
        let path: String
        do throws(LayerPath.PathProblem) { path = try LayerPath.clean(entry.path) } catch {
            throw .unsafePath(layer: layer, entry: entry.path, reason: error.description)
        }
        let (directory, name) = LayerPath.split(path)

        if name.hasPrefix(Whiteout.prefix) {
            cachedParent = nil
            try applyWhiteout(entry: entry, directory: directory, name: name)
            return
        }
        markTouched(path)
        if path.isEmpty {
            guard entry.kind == .directory, !entry.isHardLink else {
                throw .unsafePath(layer: layer, entry: entry.path, reason: "the layer root must be a directory")
            }
            directories.append(("", entry))
            return
        }
        if entry.kind != .regular || entry.isHardLink { cachedParent = nil }
        let parent: FileDescriptor
        do throws(LayerError) { parent = try parentDirectory(directory) } catch {
            throw .unsafePath(layer: layer, entry: entry.path,
                              reason: "parent directory \"\(directory)\" cannot be made inside the target "
                                  + "(a symlink on the way may point outside it): \(error)")
        }
        let existing = try layerCall { () throws(NativeError) in try tree.status(name, in: parent) }

        if let rawTarget = entry.hardlinkTarget {
            try makeHardLink(entry: entry, path: path, name: name, parent: parent, rawTarget: rawTarget,
                             existing: existing)
            return
        }
        // Replace whatever is there, except a directory over a directory (attributes only).
        if let existing, !(existing.kind == .directory && entry.kind == .directory) {
            try layerCall { () throws(NativeError) in try tree.remove(name, in: parent) }
            cachedParent = nil
        }
        switch entry.kind {
        case .directory:
            if existing?.kind != .directory {
                try layerCall { () throws(NativeError) in try tree.makeDirectory(name, in: parent, mode: 0o700) }
            }
            directories.append((path, entry))
        case .regular:
            try layerCall { () throws(NativeError) in
                let file = try tree.createFile(name, in: parent)
                try reader.copyData(to: file)
                try applyMetadata(entry, path: path, to: file)
            }
        case .symlink:
            try layerCall { () throws(NativeError) in
                try tree.makeSymlink(name, in: parent, target: entry.symlinkTarget ?? "")
            }
            if options.setOwners {
                let (uid, gid) = try hostOwner(entry, path: path)
                try layerCall { () throws(NativeError) in try tree.setOwner(name, in: parent, uid: uid, gid: gid) }
            }
            try layerCall { () throws(NativeError) in
                try tree.setTimes(name, in: parent, seconds: entry.mtimeSeconds, nanoseconds: entry.mtimeNanoseconds)
            }
        case .characterDevice, .blockDevice, .fifo:
            if entry.kind != .fifo && !options.createDevices {
                let type = entry.kind == .characterDevice ? "c" : "b"
                report.skippedDevices.append("\(path) (\(type) \(entry.deviceMajor):\(entry.deviceMinor))")
                return
            }
            try layerCall { () throws(NativeError) in
                try tree.makeNode(name, in: parent, kind: entry.kind, permissions: 0o600,
                                  major: entry.deviceMajor, minor: entry.deviceMinor)
            }
            if options.setOwners {
                let (uid, gid) = try hostOwner(entry, path: path)
                try layerCall { () throws(NativeError) in try tree.setOwner(name, in: parent, uid: uid, gid: gid) }
            }
            try layerCall { () throws(NativeError) in
                try tree.setMode(name, in: parent, entry.permissions)
                try tree.setTimes(name, in: parent, seconds: entry.mtimeSeconds, nanoseconds: entry.mtimeNanoseconds)
            }
        case .socket:
            // Not representable in a layer (layer.md); ignore like GNU tar does.
            return
        }
    }

    /// The parent directory of a member, created (mode 0755) when missing; reused
    /// across consecutive members of the same directory.
    mutating func parentDirectory(_ directory: String) throws(LayerError) -> FileDescriptor {
        if let cachedParent, cachedParent.path == directory { return cachedParent.fd }
        let fd = try layerCall { () throws(NativeError) in try tree.directory(directory, create: true) }
        cachedParent = (directory, fd)
        return fd
    }

    mutating func makeHardLink(entry: TarEntry, path: String, name: String, parent: FileDescriptor,
                               rawTarget: String, existing: FileInfo?) throws(LayerError) {
        let target: String
        do throws(LayerPath.PathProblem) { target = try LayerPath.clean(rawTarget) } catch {
            throw .badHardLink(layer: layer, entry: entry.path, target: rawTarget, reason: "refused: \(error)")
        }
        let (targetDirectory, targetName) = LayerPath.split(target)
        guard !targetName.isEmpty else {
            throw .badHardLink(layer: layer, entry: entry.path, target: rawTarget, reason: "target is the layer root")
        }
        let targetParent: FileDescriptor
        let targetInfo: FileInfo?
        do throws(NativeError) {
            targetParent = try tree.directory(targetDirectory, create: false)
            targetInfo = try tree.status(targetName, in: targetParent)
        } catch {
            throw .badHardLink(layer: layer, entry: entry.path, target: rawTarget,
                               reason: "target does not exist (\(error.message))")
        }
        guard let targetInfo else {
            throw .badHardLink(layer: layer, entry: entry.path, target: rawTarget,
                               reason: "target does not exist (never written or whited out)")
        }
        guard targetInfo.kind != .directory else {
            throw .badHardLink(layer: layer, entry: entry.path, target: rawTarget, reason: "target is a directory")
        }
        if let existing {
            if existing.inode == targetInfo.inode && existing.device == targetInfo.device { return }
            try layerCall { () throws(NativeError) in try tree.remove(name, in: parent) }
        }
        try layerCall { () throws(NativeError) in
            try tree.makeHardLink(name, in: parent, to: targetName, in: targetParent)
        }
    }

    mutating func applyWhiteout(entry: TarEntry, directory: String, name: String) throws(LayerError) {
        if name == Whiteout.opaqueMarker {
            markTouched(directory)
            switch options.whiteouts {
            case .apply:
                try removeLower(inDirectory: directory)
            case .overlay(let prefix):
                try layerCall { () throws(NativeError) in
                    _ = try tree.directory(directory, create: true)
                    let fd = try tree.openDirectoryForReading(directory)
                    try fd.setXattr(prefix + "opaque", Array("y".utf8))
                }
            }
            return
        }
        let victim = String(name.dropFirst(Whiteout.prefix.count))
        guard !victim.isEmpty else {
            throw .invalidWhiteout(layer: layer, entry: entry.path, reason: "bare .wh. names nothing")
        }
        guard victim != "." && victim != ".." else {
            throw .invalidWhiteout(layer: layer, entry: entry.path, reason: "whiteout of '\(victim)'")
        }
        let victimPath = LayerPath.join(directory, victim)
        switch options.whiteouts {
        case .apply:
            if touched.contains(victimPath) {
                // Written by this layer: keep it, hide only what lower layers had below it.
                try removeLower(inDirectory: victimPath)
                return
            }
            let parent: FileDescriptor
            do throws(NativeError) { parent = try tree.directory(directory, create: false) } catch {
                if error.code == Int(ENOENT_VALUE) || error.code == Int(ENOTDIR_VALUE) { return }  // nothing to hide
                throw .native(error)
            }
            try layerCall { () throws(NativeError) in try tree.remove(victim, in: parent) }
        case .overlay:
            markTouched(victimPath)
            try layerCall { () throws(NativeError) in
                let parent = try tree.directory(directory, create: true)
                try tree.remove(victim, in: parent)
                try tree.makeNode(victim, in: parent, kind: .characterDevice, permissions: 0, major: 0, minor: 0)
            }
        }
    }

    /// Removes every child of `directory` (recursively) that this layer did not write.
    func removeLower(inDirectory directory: String) throws(LayerError) {
        let fd: FileDescriptor
        do throws(NativeError) { fd = try tree.openDirectoryForReading(directory) } catch {
            return  // absent or not a directory: nothing below it to hide
        }
        for child in try layerCall({ () throws(NativeError) in try tree.entries(of: fd) }) {
            let childPath = LayerPath.join(directory, child)
            if touched.contains(childPath) {
                if try layerCall({ () throws(NativeError) in try tree.status(child, in: fd) })?.kind == .directory {
                    try removeLower(inDirectory: childPath)
                }
            } else {
                try layerCall { () throws(NativeError) in try tree.remove(child, in: fd) }
            }
        }
    }

    mutating func markTouched(_ path: String) {
        var current = path
        while touched.insert(current).inserted, !current.isEmpty {
            current = LayerPath.split(current).directory
        }
    }

    func hostOwner(_ entry: TarEntry, path: String) throws(LayerError) -> (UInt32, UInt32) {
        guard let uid = options.idMap.hostUID(entry.uid) else {
            throw .unmappedID(layer: layer, entry: path, kind: "uid", id: entry.uid)
        }
        guard let gid = options.idMap.hostGID(entry.gid) else {
            throw .unmappedID(layer: layer, entry: path, kind: "gid", id: entry.gid)
        }
        return (uid, gid)
    }

    /// Owner, then mode (chown clears setuid bits and capabilities), then xattrs
    /// (security.capability after chown), then times, on an open file or directory.
    mutating func applyMetadata(_ entry: TarEntry, path: String, to fd: FileDescriptor) throws(NativeError) {
        if options.setOwners {
            let owner: (UInt32, UInt32)
            do throws(LayerError) { owner = try hostOwner(entry, path: path) } catch {
                throw NativeError(library: .posix, operation: "chown", code: Int(EINVAL_VALUE),
                                  message: error.description, path: tree.display(path))
            }
            try fd.setOwner(uid: owner.0, gid: owner.1)
        } else if options.recordOwners, entry.uid != 0 || entry.gid != 0 {
            try fd.setXattr(RecordedOwner.xattr, RecordedOwner.value(uid: entry.uid, gid: entry.gid))
        }
        try fd.setMode(entry.permissions)
        for xattr in entry.xattrs {
            if xattr.name == RecordedOwner.xattr {
                report.skippedXattrs.append("\(path): \(xattr.name) (kolla-oci's own bookkeeping is never taken from a layer)")
                continue
            }
            if xattr.name.hasPrefix("trusted.overlay.") || xattr.name.hasPrefix("user.overlay.") {
                report.skippedXattrs.append("\(path): \(xattr.name) (overlay metadata is never taken from a layer)")
                continue
            }
            do throws(NativeError) {
                try fd.setXattr(xattr.name, xattr.value)
            } catch {
                let privilegedNamespace = xattr.name.hasPrefix("security.") || xattr.name.hasPrefix("trusted.")
                let permission = error.code == Int(EPERM_VALUE) || error.code == Int(EACCES_VALUE)
                let unsupported = error.code == Int(ENOTSUP_VALUE)
                guard (privilegedNamespace && permission && !options.createDevices) || unsupported else { throw error }
                report.skippedXattrs.append("\(path): \(xattr.name) (\(error.message))")
            }
        }
        try fd.setTimes(seconds: entry.mtimeSeconds, nanoseconds: entry.mtimeNanoseconds)
    }
}
