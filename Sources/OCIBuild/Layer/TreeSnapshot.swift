// Changes made in place to one directory tree, for the chroot rung of RUN, where no
// overlayfs records them: a snapshot of every entry's status before the command, a walk
// after it. An entry changed when its inode, type or status-change time differ (the
// kernel moves ctime on every write, chmod, chown, rename or link, and nothing in
// user space can move it back), or its mtime, size, mode or owner do.
//
// A change of the status-change time alone (same inode, mtime, size, mode, owner and
// xattrs) is no change: a chmod or chown to what the entry already had, which the overlay
// rung leaves out too (a copy-up identical to the lower file). Content rewritten in place
// with its size kept and its mtime set back by hand is the one change this cannot see.
//
// To give the same layers as the overlay rung, whose upper directory holds every copied-up
// parent, every ancestor of a change is archived too; a directory replaced by another
// (new inode) is written with an opaque marker; deleted entries become one whiteout at
// their topmost deleted path.

/// The status of every entry of a tree at one moment.

import OCISystem

package struct TreeSnapshot: Sendable {
    /// Relative path → status, for every entry below the root.
    package private(set) var entries: [String: FileInfo] = [:]
    /// Extended attributes of the entries that have any (as they are archived).
    private var xattrs: [String: [Xattr]] = [:]
    /// Top-level names whose contents are not looked at (mount points of the sandbox).
    package let skipped: Set<String>

    /// Takes a snapshot of `root`, not descending into the top-level `skipped` names.
    package init(of root: String, skipping skipped: Set<String> = []) throws(LayerError) {
        self.skipped = skipped
        var entries: [String: FileInfo] = [:]
        var xattrs: [String: [Xattr]] = [:]
        try layerCall { () throws(NativeError) in
            try TreeSnapshot.walk(root, relative: "", skipped: skipped, into: &entries, xattrs: &xattrs)
        }
        self.entries = entries
        self.xattrs = xattrs
    }

    private static func walk(_ directory: String, relative: String, skipped: Set<String>,
                             into entries: inout [String: FileInfo], xattrs: inout [String: [Xattr]]) throws(NativeError) {
        for name in try FileSystem.directoryEntries(directory) {
            let path = LayerPath.join(relative, name)
            let host = "\(directory)/\(name)"
            guard let info = try FileSystem.status(host) else { continue }
            entries[path] = info
            if info.kind != .symlink {
                let attributes = try FileSystem.extendedAttributes(host).compactMap(LayerWriter.archivedXattr)
                if !attributes.isEmpty { xattrs[path] = attributes }
            }
            if info.kind == .directory && !(relative.isEmpty && skipped.contains(name)) {
                try walk(host, relative: path, skipped: skipped, into: &entries, xattrs: &xattrs)
            }
        }
    }

    /// The changes that turn this snapshot into `root` as it is now, sorted for the writer.
    /// `ignored` paths (files the sandbox put in place and restored) never count.
    package func changes(in root: String, ignoring ignored: Set<String> = []) throws(LayerError) -> [LayerChange] {
        let now = try TreeSnapshot(of: root, skipping: skipped)
        var changed = Set<String>()
        var opaque = Set<String>()
        for (path, after) in now.entries where !ignored.contains(path) {
            if skipped.contains(path), entries[path]?.kind == .directory, after.kind == .directory { continue }
            guard let before = entries[path] else {
                changed.insert(path)
                continue
            }
            if before.kind != after.kind || before.inode != after.inode || before.device != after.device {
                changed.insert(path)
                if before.kind == .directory && after.kind == .directory { opaque.insert(path) }
                continue
            }
            if before.mtimeSeconds != after.mtimeSeconds || before.mtimeNanoseconds != after.mtimeNanoseconds
                || before.size != after.size || before.permissions != after.permissions
                || before.uid != after.uid || before.gid != after.gid
                || ((before.ctimeSeconds != after.ctimeSeconds || before.ctimeNanoseconds != after.ctimeNanoseconds)
                    && xattrs[path] != now.xattrs[path])
            {
                changed.insert(path)
            }
        }
        // Ancestors of every change, as overlayfs copies them up.
        for path in changed {
            var parent = LayerPath.split(path).0
            while !parent.isEmpty, !changed.contains(parent) {
                changed.insert(parent)
                parent = LayerPath.split(parent).0
            }
        }
        var result: [LayerChange] = []
        for path in changed {
            result.append(LayerChange(path: path, source: .entry(hostPath: root + "/" + path)))
            if opaque.contains(path) { result.append(LayerChange(path: path, source: .opaque)) }
        }
        // Deletions: the topmost deleted path only; nothing below an opaque directory.
        for path in entries.keys where now.entries[path] == nil && !ignored.contains(path) {
            let parent = LayerPath.split(path).0
            if !parent.isEmpty && (now.entries[parent] == nil || opaque.contains(parent) || hiddenByOpaque(parent, opaque)) {
                continue
            }
            result.append(LayerChange(path: path, source: .whiteout))
        }
        return LayerChange.sorted(result)
    }

    private func hiddenByOpaque(_ path: String, _ opaque: Set<String>) -> Bool {
        var p = path
        while !p.isEmpty {
            if opaque.contains(p) { return true }
            p = LayerPath.split(p).0
        }
        return false
    }
}
