// Turns changes into a layer blob: a deterministic PAX tar (sorted members, numeric
// owners mapped back to container ids, whole-second mtimes optionally clamped to
// SOURCE_DATE_EPOCH, no atime/ctime/user names, xattrs sorted by name), compressed with
// gzip or zstd while both digests are computed in the same streaming pass
// (LayerArchiveWriter). Same tree and options → same bytes → same digests. Reproducible
// mode (`LayerWriteOptions.reproducible`) also applies the volatile-file rules
// (VolatileFiles.swift), so two builds on different machines give the same bytes too.

/// Knobs of a layer write.

import OCISystem
import OCIValues

package struct LayerWriteOptions: Sendable {
    /// Compression of the blob.
    package var compression = CompressionOptions(.gzip)
    /// Host ids → container ids for owners; unmapped host ids are an error.
    package var idMap: IDMap = .identity
    /// SOURCE_DATE_EPOCH: mtimes later than this are clamped to it (reproducible builds).
    package var sourceDateEpoch: Int?
    /// Files whose content depends on the machine or the clock: dropped or emptied.
    package var volatileFiles: VolatileFiles = .none

    /// Defaults: gzip, identity map, no clamping, every file as it is.
    package init() {}

    /// The blob's compression format, at its default level and threads.
    package var compressionFormat: Compression {
        get { compression.compression }
        set { compression = CompressionOptions(newValue) }
    }

    /// Reproducible mode for `epoch` (nil: the defaults): mtimes clamped to it and the
    /// volatile files of `VolatileFiles.reproducible` dropped or emptied.
    package mutating func makeReproducible(epoch: Int?) {
        sourceDateEpoch = epoch
        volatileFiles = epoch == nil ? .none : .reproducible
    }

    /// Reads `SOURCE_DATE_EPOCH` (decimal seconds) from `environment`; nil when unset or
    /// malformed.
    package static func sourceDateEpoch(from environment: [String: String]) -> Int? {
        environment["SOURCE_DATE_EPOCH"].flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil }
    }
}

/// Writes layer blobs.
package struct LayerWriter: Sendable {
    /// The options.
    package var options: LayerWriteOptions

    /// A writer with `options`.
    package init(options: LayerWriteOptions = LayerWriteOptions()) {
        self.options = options
    }

    /// Writes `changes` as a layer to a new file at `path` (replaced if it exists).
    package func write(_ changes: [LayerChange], toFile path: String) throws(LayerError) -> LayerDigests {
        let file = try layerCall { () throws(NativeError) in
            try FileDescriptor.create(path)
        }
        return try write(changes, to: file)
    }

    /// Writes `changes` (in any order; they are sorted) as a layer to `output` and
    /// returns its digests.
    package func write(_ changes: [LayerChange], to output: FileDescriptor) throws(LayerError) -> LayerDigests {
        var times = LayerWriteTimes()
        return try write(changes, to: output, times: &times)
    }

    /// `write(_:to:)`, also reporting where the time went in `times`.
    package func write(_ changes: [LayerChange], to output: FileDescriptor,
                       times: inout LayerWriteTimes) throws(LayerError) -> LayerDigests {
        let writer = try layerCall { () throws(NativeError) in
            try LayerArchiveWriter(output: output, options: options.compression)
        }
        defer { times = writer.times }
        // Hard links: the first path of an inode (in sorted order) carries the data,
        // later ones link to it (layer.md#hardlinks; libarchive's link resolver does the same).
        var firstPathOfInode: [InodeKey: String] = [:]
        for change in LayerChange.sorted(changes) {
            switch change.source {
            case .whiteout, .opaque:
                // Empty, mode 0, root-owned, as umoci and Docker write them: a whiteout is
                // never materialised, only its name matters.
                let entry = TarEntry(path: change.memberPath, kind: .regular, permissions: 0,
                                     mtimeSeconds: clamp(options.sourceDateEpoch ?? 0))
                try layerCall { () throws(NativeError) in try writer.append(entry) }
            case .entry(let hostPath):
                let info = try layerCall { () throws(NativeError) in try FileSystem.status(hostPath) }
                guard let info else {
                    throw .native(.posix("lstat", errno: ENOENT_VALUE, path: hostPath))
                }
                if info.kind == .socket { continue }
                let volatile = options.volatileFiles.action(for: change.path, kind: info.kind)
                if volatile == .drop { continue }
                var entry = try tarEntry(for: change.path, hostPath: hostPath, info: info)
                if volatile == .truncate {
                    // Its own empty member, never part of a hard-link group.
                    entry.size = 0
                    try layerCall { () throws(NativeError) in try writer.append(entry) }
                    continue
                }
                if info.kind == .regular && info.linkCount > 1 {
                    let key = InodeKey(device: info.device, inode: info.inode)
                    if let first = firstPathOfInode[key] {
                        entry.hardlinkTarget = first
                        entry.size = 0
                    } else {
                        firstPathOfInode[key] = change.path
                    }
                }
                try layerCall { () throws(NativeError) in
                    try writer.append(entry)
                    if entry.kind == .regular && !entry.isHardLink {
                        let file = try FileDescriptor(path: hostPath, flags: O_RDONLY_VALUE | O_NOFOLLOW_VALUE)
                        try writer.writeData(from: file, expectedSize: info.size)
                    }
                }
            }
        }
        return try layerCall { () throws(NativeError) in try writer.finish() }
    }

    /// Copies a layer or rootfs tarball (plain, gzip or zstd) into a normalised layer: member
    /// paths cleaned (unsafe ones refused), `./` prefixes dropped, mtimes whole seconds and
    /// clamped, no atime/ctime/user names, recompressed. Member order is kept (a tarball
    /// made with sorted input gives a sorted layer), so memory stays constant.
    package func rewrite(tarball path: String, to output: FileDescriptor) throws(LayerError) -> LayerDigests {
        let reader = try layerCall { () throws(NativeError) in try LayerArchiveReader(path: path) }
        let writer = try layerCall { () throws(NativeError) in
            try LayerArchiveWriter(output: output, options: options.compression)
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 17, alignment: 16)
        defer { buffer.deallocate() }
        var seen = Set<String>()
        var dropped = Set<String>()
        while var entry = try layerCall({ () throws(NativeError) in try reader.next() }) {
            let cleaned: String
            do throws(LayerPath.PathProblem) {
                cleaned = try LayerPath.clean(entry.path)
                if let target = entry.hardlinkTarget { entry.hardlinkTarget = try LayerPath.clean(target) }
            } catch {
                throw .unsafePath(layer: path, entry: entry.path, reason: error.description)
            }
            // The archive root ("./") carries no content of its own in a layer.
            if cleaned.isEmpty { continue }
            // A later duplicate wins on extraction; keep the layer free of duplicates
            // (layer.md) by refusing them, as the order would otherwise matter.
            guard seen.insert(cleaned).inserted else {
                throw .unsafePath(layer: path, entry: entry.path, reason: "duplicate member")
            }
            entry.path = entry.kind == .directory ? cleaned + "/" : cleaned
            entry.mtimeSeconds = clamp(entry.mtimeSeconds)
            entry.mtimeNanoseconds = 0
            if entry.kind == .socket { continue }
            // A hard link to a dropped file goes with it; one to an emptied file links to
            // the empty member.
            if let target = entry.hardlinkTarget, dropped.contains(target) {
                dropped.insert(cleaned)
                continue
            }
            switch entry.isHardLink ? nil : options.volatileFiles.action(for: cleaned, kind: entry.kind) {
            case .drop?:
                dropped.insert(cleaned)
                continue
            case .truncate?:
                entry.size = 0
                try layerCall { () throws(NativeError) in try writer.append(entry) }
                continue
            case nil:
                break
            }
            try layerCall { () throws(NativeError) in
                try writer.append(entry)
                if entry.kind == .regular && !entry.isHardLink {
                    while true {
                        let n = try reader.readData(into: buffer)
                        if n == 0 { break }
                        try writer.writeData(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
                    }
                }
            }
        }
        return try layerCall { () throws(NativeError) in try writer.finish() }
    }

    /// The tar entry for the file system entry at `hostPath`, archived as `path`.
    private func tarEntry(for path: String, hostPath: String, info: FileInfo) throws(LayerError) -> TarEntry {
        guard let uid = options.idMap.containerUID(info.uid) else {
            throw .unmappedID(layer: hostPath, entry: path, kind: "uid", id: info.uid)
        }
        guard let gid = options.idMap.containerGID(info.gid) else {
            throw .unmappedID(layer: hostPath, entry: path, kind: "gid", id: info.gid)
        }
        var entry = TarEntry(path: info.kind == .directory ? path + "/" : path, kind: info.kind,
                             permissions: info.permissions, uid: uid, gid: gid,
                             size: info.kind == .regular ? info.size : 0,
                             mtimeSeconds: clamp(info.mtimeSeconds), mtimeNanoseconds: 0,
                             deviceMajor: info.deviceMajor, deviceMinor: info.deviceMinor)
        try layerCall { () throws(NativeError) in
            if info.kind == .symlink { entry.symlinkTarget = try FileSystem.linkTarget(hostPath) }
            let attributes = try FileSystem.extendedAttributes(hostPath)
            // An owner recorded where it could not be set (single-id user namespace).
            if let recorded = attributes.first(where: { $0.name == RecordedOwner.xattr }),
                let owner = RecordedOwner.parse(recorded.value)
            {
                entry.uid = owner.uid
                entry.gid = owner.gid
            }
            entry.xattrs = attributes.compactMap(Self.archivedXattr)
        }
        return entry
    }

    /// The xattr as it goes into a layer: overlay bookkeeping dropped, file capabilities
    /// converted from v3 (namespaced, carries a root uid only valid in one user
    /// namespace) to v2 (valid everywhere).
    static func archivedXattr(_ attribute: (name: String, value: [UInt8])) -> Xattr? {
        if attribute.name.hasPrefix("trusted.overlay.") || attribute.name.hasPrefix("user.overlay.") { return nil }
        if attribute.name == RecordedOwner.xattr { return nil }
        var value = attribute.value
        // struct vfs_ns_cap_data: magic_etc (LE u32), 2×(permitted, inheritable), rootid.
        // VFS_CAP_REVISION_3 = 0x03000000, _2 = 0x02000000; the low bit is "effective".
        if attribute.name == "security.capability", value.count == 24, value[3] == 0x03 {
            value[3] = 0x02
            value.removeLast(4)
        }
        return Xattr(name: attribute.name, value: value)
    }

    /// `seconds`, or SOURCE_DATE_EPOCH when that is earlier.
    private func clamp(_ seconds: Int) -> Int {
        guard let epoch = options.sourceDateEpoch else { return seconds }
        return min(seconds, epoch)
    }
}

/// A file's identity for hard-link detection.
private struct InodeKey: Hashable {
    var device: UInt64
    var inode: UInt64
}
