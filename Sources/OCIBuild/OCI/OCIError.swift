// Errors of the OCI value layer: malformed digests (and, as they land, references, media
// types and JSON documents). Values only, no I/O, so every case carries the offending text.

/// Why a string taken from a file, a registry or the command line is not a valid OCI value.
package enum OCIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `text` is not a digest this project accepts; `reason` says which rule it breaks.
    case invalidDigest(String, reason: DigestProblem)
    /// `text` is not an image reference `[registry[:port]/]path[:tag][@digest]`.
    case invalidReference(String, reason: String)
    /// A JSON document (`what`: a blob digest, a file name, a type) could not be encoded
    /// or decoded; `detail` says why and where.
    case invalidJSON(String, detail: String)

    /// The rule of image-spec `descriptor.md#digests` that a digest string breaks.
    package enum DigestProblem: Sendable, Hashable, CustomStringConvertible {
        /// No `:` between algorithm and encoded part.
        case missingSeparator
        /// The algorithm part is not `[a-z0-9]+([+._-][a-z0-9]+)*`.
        case malformedAlgorithm
        /// The encoded part is empty or not `[a-zA-Z0-9=_-]+`.
        case malformedEncoded
        /// A well-formed algorithm that is not registered (only `sha256` and `sha512` are).
        case unsupportedAlgorithm(String)
        /// A registered algorithm whose encoded part is not lowercase hexadecimal.
        case notLowercaseHex
        /// A registered algorithm whose encoded part has the wrong number of characters.
        case wrongLength(expected: Int, actual: Int)

        /// The broken rule in words, lowercase, without a trailing period.
        package var description: String {
            switch self {
            case .missingSeparator:
                return "expected <algorithm>:<encoded>"
            case .malformedAlgorithm:
                return "algorithm must be lowercase alphanumeric components joined by one of + . _ -"
            case .malformedEncoded:
                return "encoded part must be non-empty and contain only letters, digits, = _ -"
            case .unsupportedAlgorithm(let name):
                return "unsupported algorithm \(name) (supported: sha256, sha512)"
            case .notLowercaseHex:
                return "encoded part must be lowercase hexadecimal"
            case .wrongLength(let expected, let actual):
                return "encoded part must be \(expected) characters, got \(actual)"
            }
        }
    }

    /// `invalid digest "<text>": <reason>`, with overlong input shortened.
    package var description: String {
        switch self {
        case .invalidDigest(let text, let reason):
            return "invalid digest \"\(Self.excerpt(text))\": \(reason)"
        case .invalidReference(let text, let reason):
            return "invalid reference \"\(Self.excerpt(text))\": \(reason)"
        case .invalidJSON(let what, let detail):
            return "invalid JSON in \(what): \(detail)"
        }
    }

    /// The digest rule broken, when this is `invalidDigest`.
    package var digestProblem: String? {
        if case .invalidDigest(_, let reason) = self { return reason.description }
        return nil
    }

    /// The first 100 characters of `text` and an ellipsis: a digest field can hold any
    /// amount of garbage, and a diagnostic should stay one readable line.
    private static func excerpt(_ text: String) -> String {
        text.count > 100 ? String(text.prefix(100)) + "…" : text
    }
}
