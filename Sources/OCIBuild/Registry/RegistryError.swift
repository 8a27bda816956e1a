// Errors of the registry client. Each names the operation (what the client was doing,
// e.g. `HEAD blob sha256:…`), the URL (never with credentials: the client puts none in
// URLs, and `RegistryURL.redacted` strips any user info a registry sends back) and, for
// HTTP failures, the status and the registry's own error codes
// (distribution-spec "Error Codes").

/// One entry of a registry's `{"errors":[{"code","message","detail"}]}` body.

import OCIStore
import OCISystem
import OCIValues

package struct RegistryServerError: Sendable, Hashable, CustomStringConvertible {
    /// The spec's code, e.g. `MANIFEST_UNKNOWN`, `DIGEST_INVALID`, `UNAUTHORIZED`.
    package var code: String
    /// The registry's message.
    package var message: String
    /// The entry's `detail` when it is a string (distribution puts the digest of an
    /// unknown blob there), or the string values of an object detail, space-separated.
    package var detail: String?

    /// Creates an entry.
    package init(code: String, message: String, detail: String? = nil) {
        self.code = code
        self.message = message
        self.detail = detail
    }

    /// The digests named in the message or the detail (e.g. the blob of a
    /// `MANIFEST_BLOB_UNKNOWN`), in order, without repeats.
    package var digests: [Digest] {
        var found: [Digest] = []
        for text in [detail ?? "", message] {
            for word in text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == ":" || $0 == "+" || $0 == "." || $0 == "_" || $0 == "-") }) {
                var candidate = Substring(word)
                while let last = candidate.last, last == ":" || last == "." { candidate = candidate.dropLast() }
                guard candidate.contains(":"), let digest = try? Digest(String(candidate)), !found.contains(digest)
                else { continue }
                found.append(digest)
            }
        }
        return found
    }

    /// `CODE: message` (or the one that is there).
    package var description: String {
        switch (code.isEmpty, message.isEmpty) {
        case (false, false): return "\(code): \(message)"
        case (false, true): return code
        default: return message
        }
    }

    /// The entries of an error body; empty when `body` is not such a document.
    package static func parse(_ body: [UInt8]) -> [RegistryServerError] {
        struct Envelope: Decodable {
            struct Entry: Decodable {
                var code: String?
                var message: String?
                var detail: Detail?
            }
            var errors: [Entry]?
        }
        /// A detail of any shape: a string, an object or array of strings; anything else
        /// is dropped rather than failing the whole body.
        struct Detail: Decodable {
            var text: String?
            init(from decoder: any Decoder) throws {
                if let container = try? decoder.singleValueContainer(), let string = try? container.decode(String.self) {
                    text = string
                } else if let container = try? decoder.singleValueContainer(),
                          let object = try? container.decode([String: Loose].self) {
                    text = object.keys.sorted().compactMap { object[$0]?.text }.joined(separator: " ")
                } else if let container = try? decoder.singleValueContainer(),
                          let array = try? container.decode([Loose].self) {
                    text = array.compactMap(\.text).joined(separator: " ")
                }
                if text?.isEmpty == true { text = nil }
            }
        }
        /// A string, or nothing for any other JSON value.
        struct Loose: Decodable {
            var text: String?
            init(from decoder: any Decoder) throws {
                text = try? decoder.singleValueContainer().decode(String.self)
            }
        }
        guard !body.isEmpty, let envelope = try? CanonicalJSON.decode(Envelope.self, from: body, what: "error body")
        else { return [] }
        return (envelope.errors ?? []).map {
            RegistryServerError(code: $0.code ?? "", message: $0.message ?? "", detail: $0.detail?.text)
        }
    }
}

/// A failure of a registry operation.
package enum RegistryError: Error, Sendable, CustomStringConvertible {
    /// The exchange itself failed (no connection, TLS, reset, truncated body, stall), on
    /// the last of `attempts` tries, `elapsed` seconds after the first began.
    case transfer(operation: String, url: String, cause: NativeError, attempts: Int, elapsed: Double = 0)
    /// The registry answered with a status the operation cannot continue from.
    case http(operation: String, url: String, status: Int, errors: [RegistryServerError], attempts: Int,
              elapsed: Double = 0)
    /// The registry refused a manifest for blobs it lacks (`MANIFEST_BLOB_UNKNOWN`) even
    /// after they were uploaded again; `digests` are the blobs it named.
    case manifestBlobsMissing(operation: String, url: String, digests: [Digest])
    /// The registry refused the credentials or has none for us (401/403).
    case unauthorized(operation: String, url: String, status: Int, registry: String,
                      errors: [RegistryServerError], hint: String?)
    /// No such manifest (404 / `MANIFEST_UNKNOWN`, `NAME_UNKNOWN`).
    case manifestNotFound(reference: String, url: String)
    /// Content does not have the digest it was addressed by.
    case digestMismatch(operation: String, url: String, expected: Digest, actual: Digest)
    /// Content does not have the size its descriptor says.
    case sizeMismatch(operation: String, url: String, expected: Int64, actual: Int64)
    /// A response the client cannot use (bad JSON, missing `Location`, …).
    case invalidResponse(operation: String, url: String, reason: String)
    /// An index without a manifest for the wanted platform.
    case noMatchingPlatform(reference: String, wanted: String, available: [String])
    /// A manifest of a media type the client does not handle (schema 1, artifacts).
    case unsupportedMediaType(reference: String, mediaType: String)
    /// The client would have to use plain HTTP or skip TLS checks where it may not.
    case insecureTransport(url: String, reason: String)
    /// A credentials file (auth.json, config.json) or a given CA file is unusable.
    case configuration(path: String, reason: String)
    /// Reading from or writing to the image store failed.
    case store(StoreError)
    /// The operation was abandoned because a sibling transfer failed.
    case cancelled(operation: String)

    /// One line: operation, URL, what happened; lowercase, no trailing period.
    package var description: String {
        switch self {
        case .transfer(let operation, let url, let cause, let attempts, let elapsed):
            return "\(operation) \(url): \(cause.message)\(Self.tries(attempts, elapsed))"
        case .http(let operation, let url, let status, let errors, let attempts, let elapsed):
            return "\(operation) \(url): HTTP \(status)\(Self.details(errors))\(Self.tries(attempts, elapsed))"
        case .manifestBlobsMissing(let operation, let url, let digests):
            let what = digests.isEmpty ? "a blob it references"
                : (digests.count == 1 ? "blob " : "blobs ") + digests.map(\.description).joined(separator: ", ")
            return "\(operation) \(url): the registry still lacks \(what) after it was uploaded again "
                + "(MANIFEST_BLOB_UNKNOWN)"
        case .unauthorized(let operation, let url, let status, let registry, let errors, let hint):
            let verb = status == 403 ? "access denied" : "authentication required"
            return "\(operation) \(url): \(verb) by \(registry) (HTTP \(status))\(Self.details(errors))"
                + (hint.map { "; \($0)" } ?? "")
        case .manifestNotFound(let reference, let url):
            return "\(reference): manifest unknown (GET \(url): HTTP 404)"
        case .digestMismatch(let operation, let url, let expected, let actual):
            return "\(operation) \(url): content digest is \(actual), expected \(expected)"
        case .sizeMismatch(let operation, let url, let expected, let actual):
            return "\(operation) \(url): received \(actual) bytes, expected \(expected)"
        case .invalidResponse(let operation, let url, let reason):
            return "\(operation) \(url): \(reason)"
        case .noMatchingPlatform(let reference, let wanted, let available):
            return "\(reference): no manifest for \(wanted) in the index (has: "
                + (available.isEmpty ? "none" : available.joined(separator: ", ")) + ")"
        case .unsupportedMediaType(let reference, let mediaType):
            return "\(reference): unsupported manifest media type \(mediaType)"
        case .insecureTransport(let url, let reason):
            return "\(url): \(reason)"
        case .configuration(let path, let reason):
            return "\(path): \(reason)"
        case .store(let error):
            return error.description
        case .cancelled(let operation):
            return "\(operation): cancelled after another transfer failed"
        }
    }

    /// True when trying the same thing again may succeed: connection trouble, 5xx, 429.
    /// A certificate the client will never accept, or a URL it cannot use, is not
    /// connection trouble: retrying it for the whole time budget would only delay the error.
    package var isTransient: Bool {
        switch self {
        case .transfer(_, _, let cause, _, _):
            return !(cause.library == .libcurl && Self.permanentCurlCodes.contains(cause.code))
        case .http(_, _, let status, _, _, _): return status >= 500 || status == 429
        default: return false
        }
    }

    /// True when a host name (the registry's or its proxy's) did not resolve.
    package var isUnresolvedHost: Bool {
        guard case .transfer(_, _, let cause, _, _) = self else { return false }
        // CURLE_COULDNT_RESOLVE_PROXY (5), CURLE_COULDNT_RESOLVE_HOST (6).
        return cause.library == .libcurl && (cause.code == 5 || cause.code == 6)
    }

    /// libcurl results no retry changes: unsupported protocol (1), malformed URL (3),
    /// bad client certificate (58), peer certificate not verified (60), unusable CA file (77).
    private static let permanentCurlCodes: Set<Int> = [1, 3, 58, 60, 77]

    /// ` (CODE: message; …)` or nothing.
    private static func details(_ errors: [RegistryServerError]) -> String {
        errors.isEmpty ? "" : " (" + errors.map(\.description).joined(separator: "; ") + ")"
    }

    /// ` (after N attempts)` when there was more than one, with the time they took when it
    /// was a second or more.
    private static func tries(_ attempts: Int, _ elapsed: Double) -> String {
        guard attempts > 1 else { return "" }
        return elapsed >= 1 ? String(format: " (after %d attempts in %.1f s)", attempts, elapsed)
            : " (after \(attempts) attempts)"
    }
}
