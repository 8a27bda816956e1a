// Errors of layer unpacking and writing. Every case names the layer (blob path or
// directory) and, where there is one, the tar member, so a hostile or broken layer is
// reported as one line saying which entry was refused and why.

/// A failure while unpacking, diffing or writing a layer.

import OCISystem
import OCIValues

package enum LayerError: Error, Sendable, CustomStringConvertible {
    /// A system or library call failed.
    case native(NativeError)
    /// A member path was refused: `..`, absolute, too long, or otherwise unsafe.
    case unsafePath(layer: String, entry: String, reason: String)
    /// A whiteout member is malformed (bare `.wh.`, a whiteout of `.` or `..`).
    case invalidWhiteout(layer: String, entry: String, reason: String)
    /// A hard link points at a member that does not exist (never written, whited out)
    /// or at something that cannot be hard-linked.
    case badHardLink(layer: String, entry: String, target: String, reason: String)
    /// An owner id has no mapping in the id map.
    case unmappedID(layer: String, entry: String, kind: String, id: UInt32)
    /// The layer's content does not match the digest it was expected to have.
    case digestMismatch(layer: String, what: String, expected: Digest, actual: Digest)

    /// One line naming the layer and the member.
    package var description: String {
        switch self {
        case .native(let error):
            return error.description
        case .unsafePath(let layer, let entry, let reason):
            return "\(layer): refused member \"\(Self.excerpt(entry))\": \(reason)"
        case .invalidWhiteout(let layer, let entry, let reason):
            return "\(layer): refused whiteout \"\(Self.excerpt(entry))\": \(reason)"
        case .badHardLink(let layer, let entry, let target, let reason):
            return "\(layer): hard link \"\(Self.excerpt(entry))\" -> \"\(Self.excerpt(target))\": \(reason)"
        case .unmappedID(let layer, let entry, let kind, let id):
            return "\(layer): member \"\(Self.excerpt(entry))\": \(kind) \(id) has no mapping in the id map"
        case .digestMismatch(let layer, let what, let expected, let actual):
            return "\(layer): \(what) is \(actual), expected \(expected)"
        }
    }

    /// The first 200 characters: member names can be megabytes long in a hostile tar.
    private static func excerpt(_ text: String) -> String {
        text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}

/// Runs `body`, wrapping a C failure as `LayerError.native`.
func layerCall<Result>(_ body: () throws(NativeError) -> Result) throws(LayerError) -> Result {
    do {
        return try body()
    } catch {
        throw .native(error)
    }
}
