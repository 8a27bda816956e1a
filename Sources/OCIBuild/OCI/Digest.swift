// A content digest as the OCI image specification defines it (image-spec v1.1,
// descriptor.md#digests). Validated once on the way in, so a `Digest` value is always
// usable as a blob path component (`blobs/<algorithm>/<encoded>`) and as a registry
// reference without further checks.

/// A validated OCI content digest, `<algorithm>:<encoded>`.
///
/// The grammar of image-spec descriptor.md#digests:
///
///     digest              ::= algorithm ":" encoded
///     algorithm           ::= algorithm-component (algorithm-separator algorithm-component)*
///     algorithm-component ::= [a-z0-9]+
///     algorithm-separator ::= [+._-]
///     encoded             ::= [a-zA-Z0-9=_-]+
///
/// Only the registered algorithms are accepted, with their stricter encodings:
/// `sha256` (64 lowercase hex characters, the one this project produces) and `sha512`
/// (128 lowercase hex characters). A well-formed digest with any other algorithm is
/// rejected: its content could not be verified (descriptor.md#verification).
///
/// Encodes to and decodes from JSON as the plain digest string.
package struct Digest: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// A registered digest algorithm (descriptor.md#registered-algorithms).
    package enum Algorithm: String, Sendable, Hashable, CaseIterable {
        /// SHA-256 (FIPS 180-4), the algorithm implementations MUST support.
        case sha256
        /// SHA-512 (FIPS 180-4), which implementations MAY support.
        case sha512

        /// The number of hex characters in an encoded hash of this algorithm.
        package var encodedLength: Int {
            switch self {
            case .sha256: return 64
            case .sha512: return 128
            }
        }
    }

    /// The algorithm before the `:`.
    package let algorithm: Algorithm
    /// The encoded hash after the `:`: lowercase hex of `algorithm.encodedLength` characters.
    package let encoded: String

    /// Parses and validates `text`, e.g.
    /// `sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855`.
    ///
    /// - Throws: `OCIError.invalidDigest` naming the first rule `text` breaks.
    package init(_ text: String) throws(OCIError) {
        let bytes = Array(text.utf8)
        // Neither part may contain ':', so the first one is the separator.
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else {
            throw .invalidDigest(text, reason: .missingSeparator)
        }
        let algorithmBytes = bytes[..<colon]
        let encodedBytes = bytes[(colon + 1)...]
        guard Self.isWellFormedAlgorithm(algorithmBytes) else {
            throw .invalidDigest(text, reason: .malformedAlgorithm)
        }
        guard !encodedBytes.isEmpty, encodedBytes.allSatisfy(Self.isEncodedCharacter) else {
            throw .invalidDigest(text, reason: .malformedEncoded)
        }
        let name = String(decoding: algorithmBytes, as: UTF8.self)
        guard let algorithm = Algorithm(rawValue: name) else {
            throw .invalidDigest(text, reason: .unsupportedAlgorithm(name))
        }
        // The registered algorithms narrow the encoding to lowercase hex of fixed length
        // (descriptor.md#sha-256, #sha-512); upper case would name a different blob path.
        guard encodedBytes.allSatisfy(Self.isLowercaseHex) else {
            throw .invalidDigest(text, reason: .notLowercaseHex)
        }
        guard encodedBytes.count == algorithm.encodedLength else {
            throw .invalidDigest(text, reason: .wrongLength(expected: algorithm.encodedLength,
                                                            actual: encodedBytes.count))
        }
        self.algorithm = algorithm
        self.encoded = String(decoding: encodedBytes, as: UTF8.self)
    }

    /// Builds a digest from a raw hash of `algorithm.encodedLength / 2` bytes, as a hasher
    /// returns it. The caller guarantees the length; it is only asserted.
    package init(algorithm: Algorithm, hash: some Collection<UInt8>) {
        assert(hash.count * 2 == algorithm.encodedLength, "hash length does not match algorithm")
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(hash.count * 2)
        for byte in hash {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        self.algorithm = algorithm
        self.encoded = String(decoding: hex, as: UTF8.self)
    }

    /// The digest string, `<algorithm>:<encoded>`.
    package var description: String { "\(algorithm.rawValue):\(encoded)" }

    /// Orders digests by their string form, for deterministic listings.
    package static func < (lhs: Digest, rhs: Digest) -> Bool {
        lhs.description < rhs.description
    }

    /// Decodes a JSON string and validates it as `init(_:)` does.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes the digest as its JSON string.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// `[a-z0-9]+` components separated by exactly one of `+ . _ -`.
    private static func isWellFormedAlgorithm(_ bytes: ArraySlice<UInt8>) -> Bool {
        var componentLength = 0
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                componentLength += 1
            case UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                guard componentLength > 0 else { return false }
                componentLength = 0
            default:
                return false
            }
        }
        // Also rejects an empty algorithm and a trailing separator.
        return componentLength > 0
    }

    /// One character of `[a-zA-Z0-9=_-]`.
    private static func isEncodedCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "="), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    /// One character of `[a-f0-9]`.
    private static func isLowercaseHex(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return false
        }
    }
}
