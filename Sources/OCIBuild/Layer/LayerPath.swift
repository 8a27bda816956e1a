// Member paths of layer tars, cleaned before anything touches the disk. The kernel
// confines resolution anyway (ConfinedDirectory), but a path that tries to leave the
// layer is refused outright, as umoci and containerd do, so it never silently lands
// somewhere unexpected.

/// Cleaning and splitting of tar member paths.
package enum LayerPath {
    /// Linux's limit for one path component (NAME_MAX).
    package static let maxComponentBytes = 255
    /// Linux's limit for a whole path (PATH_MAX less the terminating NUL).
    package static let maxPathBytes = 4095

    /// The member path relative to the layer root, without `./`, empty and `.`
    /// components and trailing `/`; `""` names the root itself.
    ///
    /// - Throws: a reason string when the path is absolute, contains `..`, or exceeds
    ///   the kernel's length limits.
    package static func clean(_ raw: String) throws(PathProblem) -> String {
        guard !raw.hasPrefix("/") else { throw .absolute }
        guard raw.utf8.count <= maxPathBytes else { throw .tooLong("\(raw.utf8.count) bytes, limit \(maxPathBytes)") }
        var components: [Substring] = []
        for component in raw.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            guard component != ".." else { throw .parentComponent }
            guard component.utf8.count <= maxComponentBytes else {
                throw .tooLong("component of \(component.utf8.count) bytes, limit \(maxComponentBytes)")
            }
            components.append(component)
        }
        return components.joined(separator: "/")
    }

    /// Splits a cleaned path into its directory (`""` for the root) and its last component.
    package static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
    }

    /// `directory/name`, or `name` when `directory` is the root.
    package static func join(_ directory: String, _ name: String) -> String {
        directory.isEmpty ? name : "\(directory)/\(name)"
    }

    /// Why a member path was refused.
    package enum PathProblem: Error, Sendable, CustomStringConvertible {
        /// Starts with `/`.
        case absolute
        /// Has a `..` component.
        case parentComponent
        /// Exceeds NAME_MAX or PATH_MAX.
        case tooLong(String)

        /// The reason in words.
        package var description: String {
            switch self {
            case .absolute: return "absolute path (layer members must be relative)"
            case .parentComponent: return "path contains a '..' component"
            case .tooLong(let detail): return "name too long (\(detail))"
            }
        }
    }
}

/// Whiteout names (image-spec layer.md#whiteouts).
package enum Whiteout {
    /// The prefix of a whiteout file: `.wh.<name>` deletes `<name>` of lower layers.
    package static let prefix = ".wh."
    /// The opaque marker: `.wh..wh..opq` hides every lower child of its directory.
    package static let opaqueMarker = ".wh..wh..opq"
}
