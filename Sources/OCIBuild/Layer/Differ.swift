// Finds what a build step changed, as a list of `LayerChange`s for the LayerWriter.
//
// * From an overlayfs upper directory (the fast path): everything in it is added or
//   modified, except that a character device 0:0 is a deletion (→ `.wh.<name>`) and a
//   directory with `trusted.overlay.opaque=y` or, for `userxattr` mounts,
//   `user.overlay.opaque=y` was replaced (→ its entry plus `.wh..wh..opq`).
//   (Documentation/filesystems/overlayfs.rst, "whiteouts and opaque directories".)
// * From two trees (the fallback without overlayfs): a full walk comparing type, mode,
//   owner, size, mtime, link target, device numbers and xattrs; mtimes from a tar have
//   no nanoseconds, so when they tie at a whole second the content is compared too.
//   Directories only in the old tree become one whiteout each; unchanged parents of
//   changed entries are left out (as umoci's mtree-based diff does).

/// Computes layer changes.

import OCISystem

package enum Differ {
    /// The changes recorded in the overlay upper directory `upper`.
    package static func overlayChanges(upper: String) throws(LayerError) -> [LayerChange] {
        var changes: [LayerChange] = []
        try layerCall { () throws(NativeError) in try walkUpper(upper, relative: "", into: &changes) }
        return LayerChange.sorted(changes)
    }

    private static func walkUpper(_ directory: String, relative: String,
                                  into changes: inout [LayerChange]) throws(NativeError) {
        for name in try FileSystem.directoryEntries(directory) {
            let hostPath = "\(directory)/\(name)"
            let path = LayerPath.join(relative, name)
            guard let info = try FileSystem.status(hostPath) else { continue }
            // Kernel whiteouts are 0:0 character devices, hard-linked to a shared inode
            // (nlink ≥ 2): test for them before anything looks at link counts.
            if info.kind == .characterDevice && info.deviceMajor == 0 && info.deviceMinor == 0 {
                changes.append(LayerChange(path: path, source: .whiteout))
                continue
            }
            changes.append(LayerChange(path: path, source: .entry(hostPath: hostPath)))
            if info.kind == .directory {
                let xattrs = try FileSystem.extendedAttributes(hostPath)
                if xattrs.contains(where: { ($0.name == "trusted.overlay.opaque" || $0.name == "user.overlay.opaque")
                    && $0.value == Array("y".utf8) }) {
                    changes.append(LayerChange(path: path, source: .opaque))
                }
                try walkUpper(hostPath, relative: path, into: &changes)
            }
        }
    }

    /// The changes that turn tree `lower` into tree `upper` (full walk). A nil or
    /// missing `lower` is an empty tree: everything in `upper` is added.
    package static func treeChanges(lower: String?, upper: String) throws(LayerError) -> [LayerChange] {
        var changes: [LayerChange] = []
        try layerCall { () throws(NativeError) in
            if let lower, try FileSystem.status(lower)?.kind == .directory {
                try compare(lower, upper, relative: "", into: &changes)
            } else {
                for name in try FileSystem.directoryEntries(upper) {
                    guard let info = try FileSystem.status("\(upper)/\(name)") else { continue }
                    try addAll("\(upper)/\(name)", relative: name, info: info, into: &changes)
                }
            }
        }
        return LayerChange.sorted(changes)
    }

    private static func compare(_ lower: String, _ upper: String, relative: String,
                                into changes: inout [LayerChange]) throws(NativeError) {
        let old = Set(try FileSystem.directoryEntries(lower))
        let new = try FileSystem.directoryEntries(upper)
        for name in old.subtracting(new) {
            changes.append(LayerChange(path: LayerPath.join(relative, name), source: .whiteout))
        }
        for name in new {
            let upperPath = "\(upper)/\(name)"
            let path = LayerPath.join(relative, name)
            guard let after = try FileSystem.status(upperPath) else { continue }
            let lowerPath = "\(lower)/\(name)"
            let before = old.contains(name) ? try FileSystem.status(lowerPath) : nil
            guard let before, before.kind == after.kind else {
                // New, or a different type: archive it and (for directories) all below it.
                try addAll(upperPath, relative: path, info: after, into: &changes)
                continue
            }
            if try !same(before, lowerPath, after, upperPath) {
                changes.append(LayerChange(path: path, source: .entry(hostPath: upperPath)))
            }
            if after.kind == .directory {
                try compare(lowerPath, upperPath, relative: path, into: &changes)
            }
        }
    }

    private static func addAll(_ hostPath: String, relative: String, info: FileInfo,
                               into changes: inout [LayerChange]) throws(NativeError) {
        changes.append(LayerChange(path: relative, source: .entry(hostPath: hostPath)))
        guard info.kind == .directory else { return }
        for name in try FileSystem.directoryEntries(hostPath) {
            let child = "\(hostPath)/\(name)"
            guard let childInfo = try FileSystem.status(child) else { continue }
            try addAll(child, relative: LayerPath.join(relative, name), info: childInfo, into: &changes)
        }
    }

    /// The changes of an overlay upper directory without the ones that change nothing:
    /// opaque markers on directories no lower layer has (overlayfs marks some new
    /// directories opaque), files copied up without a change (opened for writing and left
    /// as they were: lock files, rewritten-in-place databases), and `excluded` paths (the
    /// files the sandbox bound over the image's own). `lower` finds a path's host path
    /// and status in the layers below. A walk of the same tree before and after finds
    /// exactly what is left.
    package static func pruned(
        _ changes: [LayerChange], excluded: Set<String>, lower: (String) -> (hostPath: String, info: FileInfo)?
    ) throws(LayerError) -> [LayerChange] {
        var result: [LayerChange] = []
        result.reserveCapacity(changes.count)
        for change in changes {
            if excluded.contains(change.path) { continue }
            switch change.source {
            case .opaque:
                guard let (_, info) = lower(change.path), info.kind == .directory else { continue }
            case .entry(let hostPath):
                let unchanged = try layerCall { () throws(NativeError) -> Bool in
                    guard let after = try FileSystem.status(hostPath), after.kind == .regular || after.kind == .symlink,
                        let (lowerPath, before) = lower(change.path), before.kind == after.kind
                    else { return false }
                    return try same(before, lowerPath, after, hostPath, strictTimes: true)
                }
                if unchanged { continue }
            case .whiteout:
                break
            }
            result.append(change)
        }
        // Directories copied up only as parents of what was left out: unchanged, nothing below.
        var keep = [Bool](repeating: true, count: result.count)
        var hasChildren = Set<String>()
        let opaque = Set(result.filter { $0.source == .opaque }.map(\.path))
        for index in result.indices.reversed() {
            let change = result[index]
            if case .entry(let hostPath) = change.source, !hasChildren.contains(change.path) {
                let unchanged = try layerCall { () throws(NativeError) -> Bool in
                    guard let after = try FileSystem.status(hostPath), after.kind == .directory,
                        let (lowerPath, before) = lower(change.path), before.kind == .directory
                    else { return false }
                    return try same(before, lowerPath, after, hostPath)
                }
                if unchanged && !opaque.contains(change.path) {
                    keep[index] = false
                    continue
                }
            }
            var parent = LayerPath.split(change.path).directory
            while !parent.isEmpty, hasChildren.insert(parent).inserted {
                parent = LayerPath.split(parent).directory
            }
        }
        return result.indices.filter { keep[$0] }.map { result[$0] }
    }

    /// True when the two entries (same kind) would archive identically.
    private static func same(_ a: FileInfo, _ aPath: String, _ b: FileInfo, _ bPath: String,
                             strictTimes: Bool = false) throws(NativeError) -> Bool {
        if a.device == b.device && a.inode == b.inode { return true }
        guard a.permissions == b.permissions, a.uid == b.uid, a.gid == b.gid,
              a.mtimeSeconds == b.mtimeSeconds, a.mtimeNanoseconds == b.mtimeNanoseconds else { return false }
        switch a.kind {
        case .regular:
            guard a.size == b.size else { return false }
        case .symlink:
            guard try FileSystem.linkTarget(aPath) == FileSystem.linkTarget(bPath) else { return false }
        case .characterDevice, .blockDevice:
            guard a.deviceMajor == b.deviceMajor, a.deviceMinor == b.deviceMinor else { return false }
        default:
            break
        }
        // A recorded owner is the archived owner (single-id rung): it counts too.
        func archived(_ attribute: (name: String, value: [UInt8])) -> Xattr? {
            attribute.name == RecordedOwner.xattr ? Xattr(name: attribute.name, value: attribute.value) : LayerWriter.archivedXattr(attribute)
        }
        let aXattrs = try FileSystem.extendedAttributes(aPath).compactMap(archived)
        let bXattrs = try FileSystem.extendedAttributes(bPath).compactMap(archived)
        guard aXattrs == bXattrs else { return false }
        // Whole-second mtimes (as extracted from tar) cannot tell a rewrite within the
        // same second: compare the bytes (always, when asked to be strict).
        if a.kind == .regular && (a.mtimeNanoseconds == 0 || strictTimes) {
            return try sameContent(aPath, bPath)
        }
        return true
    }

    private static func sameContent(_ aPath: String, _ bPath: String) throws(NativeError) -> Bool {
        let a = try FileDescriptor(path: aPath, flags: O_RDONLY_VALUE | O_NOFOLLOW_VALUE)
        let b = try FileDescriptor(path: bPath, flags: O_RDONLY_VALUE | O_NOFOLLOW_VALUE)
        let bufferA = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        let bufferB = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer {
            bufferA.deallocate()
            bufferB.deallocate()
        }
        while true {
            let n = try a.read(into: bufferA)
            var filled = 0
            while filled < n {
                let m = try b.read(into: UnsafeMutableRawBufferPointer(rebasing: bufferB[filled..<n]))
                if m == 0 { return false }
                filled += m
            }
            if n == 0 { return try b.read(into: bufferB) == 0 }
            if !bufferA[..<n].elementsEqual(bufferB[..<n]) { return false }
        }
    }
}
