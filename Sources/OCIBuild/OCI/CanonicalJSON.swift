// Deterministic JSON for everything this project hashes: manifests, indexes, image
// configs and `index.json`. The same value always gives the same bytes, so digests can be
// pinned in tests and rebuilt images keep their digests.

import Foundation

/// The project's one JSON encoding: keys sorted by their UTF-8 bytes at every level,
/// no insignificant white space, `/` not escaped, absent optionals omitted.
///
/// A digest is always computed over the exact bytes this produces (or over bytes read
/// from elsewhere, never re-encoded: image-spec descriptor.md, "a manifest's digest is
/// over the exact bytes").
package enum CanonicalJSON {
    /// Encodes `value` canonically.
    package static func encode<Value: Encodable>(_ value: Value) throws(OCIError) -> [UInt8] {
        let encoder = JSONEncoder()
        // Verified on this toolchain: `.sortedKeys` orders nested keys by their bytes
        // ("B" < "a-b" < "a10" < "a9" < "aB" < "a_b" < "b"), as Go's encoder does.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch {
            throw .invalidJSON(String(describing: Value.self), detail: "\(error)")
        }
    }

    /// Encodes `value` with two-space indentation and sorted keys, for people
    /// (`kolla-oci inspect`); never hashed.
    package static func encodePretty<Value: Encodable>(_ value: Value) throws(OCIError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw .invalidJSON(String(describing: Value.self), detail: "\(error)")
        }
    }

    /// Decodes a `Value` from `bytes`; `what` names the document in the error
    /// (e.g. a blob digest or a file path).
    package static func decode<Value: Decodable>(_ type: Value.Type, from bytes: some Sequence<UInt8>,
                                                 what: String) throws(OCIError) -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw .invalidJSON(what, detail: describe(error))
        } catch {
            throw .invalidJSON(what, detail: "\(error)")
        }
    }

    /// A one-line account of a decoding failure: what was wrong and at which key path.
    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? "top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "expected \(type) at \(path(context.codingPath))"
        case .valueNotFound(let type, let context):
            return "missing \(type) value at \(path(context.codingPath))"
        case .keyNotFound(let key, let context):
            return "missing key \"\(key.stringValue)\" at \(path(context.codingPath))"
        case .dataCorrupted(let context):
            let underlying = context.underlyingError.map { ": \($0)" } ?? ""
            return "\(context.debugDescription) at \(path(context.codingPath))\(underlying)"
        @unknown default:
            return "\(error)"
        }
    }
}
