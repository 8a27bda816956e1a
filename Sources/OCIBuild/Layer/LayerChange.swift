// What goes into a layer: a sorted list of changes found by the Differ (or given by a
// caller), each a path relative to the layer root and where its content comes from.

/// One change of a layer (image-spec layer.md#change-types).
package struct LayerChange: Sendable, Hashable {
    /// Where the member's content comes from.
    package enum Source: Sendable, Hashable {
        /// Added or modified: archive the file system entry at this host path as it is
        /// (metadata, data, link target, xattrs).
        case entry(hostPath: String)
        /// Deleted: write the whiteout `dir/.wh.name` for `path`.
        case whiteout
        /// Directory made opaque: write `path/.wh..wh..opq`.
        case opaque
    }

    /// The path relative to the layer root, cleaned (no `./`, no trailing `/`).
    package var path: String
    /// What to archive.
    package var source: Source

    /// Creates a change.
    package init(path: String, source: Source) {
        self.path = path
        self.source = source
    }

    /// The member path this change writes: the path itself, or its whiteout name.
    package var memberPath: String {
        switch source {
        case .entry: return path
        case .whiteout:
            let (directory, name) = LayerPath.split(path)
            return LayerPath.join(directory, Whiteout.prefix + name)
        case .opaque: return LayerPath.join(path, Whiteout.opaqueMarker)
        }
    }

    /// Sorts changes by member path bytes, the order they are written in (deterministic
    /// output; parents before children; a directory's `.wh.` members before most siblings).
    package static func sorted(_ changes: [LayerChange]) -> [LayerChange] {
        changes.map { ($0.memberPath, $0) }
            .sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
            .map(\.1)
    }
}
