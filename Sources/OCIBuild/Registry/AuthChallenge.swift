// Authentication challenges and bearer tokens (oci-and-registries.md §6; Docker's token
// authentication specification).
//
// A 401 carries `WWW-Authenticate` challenges, RFC 7235 auth-params:
//
//     Basic realm="Registry"
//     Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull,push"
//
// Quoted strings may hold commas (the scope above), several challenges may share one
// header, and `error="insufficient_scope"` may follow. A bearer token comes from
// `GET <realm>?service=<s>&scope=<s1>&scope=<s2>`, answered with `{"token"|"access_token",
// "expires_in", "issued_at"}`.

import Foundation
import OCIValues

/// One challenge of a `WWW-Authenticate` header.
package struct AuthChallenge: Sendable, Hashable {
    /// The scheme, lowercased: `basic`, `bearer`, or another the client ignores.
    package var scheme: String
    /// The auth-params, names lowercased, values unquoted.
    package var parameters: [String: String]

    /// A challenge from its parts.
    package init(scheme: String, parameters: [String: String] = [:]) {
        self.scheme = scheme.lowercased()
        self.parameters = parameters
    }

    /// `realm`, where the token service is (bearer) or the protection space (basic).
    package var realm: String? { parameters["realm"] }
    /// `service`, passed back to the token service.
    package var service: String? { parameters["service"] }
    /// `scope`: the scopes the registry asks for (space-separated in the parameter).
    package var scopes: [String] {
        (parameters["scope"] ?? "").split(separator: " ").map(String.init)
    }

    /// Every challenge of the `WWW-Authenticate` values `headers`, in order.
    package static func parse(_ headers: [String]) -> [AuthChallenge] {
        headers.flatMap(parse(header:))
    }

    /// The challenges of one header value.
    package static func parse(header: String) -> [AuthChallenge] {
        var scanner = ParamScanner(Array(header.utf8))
        var challenges: [AuthChallenge] = []
        while true {
            scanner.skip { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: ",") }
            guard let scheme = scanner.token() else { break }
            var challenge = AuthChallenge(scheme: scheme)
            // auth-params: name=value pairs separated by commas, until a token that is not
            // followed by `=` (the next challenge's scheme) or the end.
            while true {
                let mark = scanner.position
                scanner.skip { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: ",") }
                guard let name = scanner.token() else { break }
                scanner.skip { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
                guard scanner.consume(UInt8(ascii: "=")) else {
                    scanner.position = mark
                    break
                }
                scanner.skip { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
                let value = scanner.quoted() ?? scanner.token() ?? ""
                challenge.parameters[name.lowercased()] = value
            }
            challenges.append(challenge)
        }
        return challenges
    }
}

/// A cursor over header bytes for RFC 7230 tokens and quoted strings.
private struct ParamScanner {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func skip(while predicate: (UInt8) -> Bool) {
        while position < bytes.count, predicate(bytes[position]) { position += 1 }
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    /// A token: visible ASCII except separators (`=` and `,` end it; token68 `/+=`
    /// endings are not needed by registries).
    mutating func token() -> String? {
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte <= 0x20 || byte >= 0x7f || "=,\";".utf8.contains(byte) { break }
            position += 1
        }
        return position > start ? String(decoding: bytes[start..<position], as: UTF8.self) : nil
    }

    /// A quoted string with backslash escapes, unquoted.
    mutating func quoted() -> String? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        var value: [UInt8] = []
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\"), position < bytes.count {
                value.append(bytes[position])
                position += 1
            } else {
                value.append(byte)
            }
        }
        return String(decoding: value, as: UTF8.self)
    }
}

/// A token scope, `repository:<name>:<actions>` (or `registry:catalog:*`).
package struct AuthScope: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The repository path.
    package var repository: String
    /// The actions, e.g. `["pull"]` or `["pull", "push"]`.
    package var actions: [String]

    /// A scope on `repository`.
    package init(repository: String, actions: [String]) {
        self.repository = repository
        self.actions = actions
    }

    /// Pull access to `repository`.
    package static func pull(_ repository: String) -> AuthScope { AuthScope(repository: repository, actions: ["pull"]) }
    /// Pull and push access to `repository`.
    package static func push(_ repository: String) -> AuthScope {
        AuthScope(repository: repository, actions: ["pull", "push"])
    }

    /// `repository:<name>:<a>,<b>`.
    package var description: String { "repository:\(repository):\(actions.joined(separator: ","))" }

    /// Orders by text, for stable cache keys.
    package static func < (lhs: AuthScope, rhs: AuthScope) -> Bool { lhs.description < rhs.description }

    /// Scopes with the actions of the same repository merged, sorted: the set a token
    /// request asks for.
    package static func merged(_ scopes: [AuthScope]) -> [AuthScope] {
        var actions: [String: Set<String>] = [:]
        for scope in scopes { actions[scope.repository, default: []].formUnion(scope.actions) }
        return actions.map { AuthScope(repository: $0.key, actions: $0.value.sorted()) }.sorted()
    }

    /// Parses `repository:<name>:<actions>` (the name may contain `:` only for a port, which
    /// repository names cannot); nil for other resource types.
    package init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0] == "repository" else { return nil }
        repository = parts[1..<(parts.count - 1)].joined(separator: ":")
        actions = parts[parts.count - 1].split(separator: ",").map(String.init)
    }
}

/// A bearer token and when to stop using it.
struct BearerToken: Sendable {
    /// The token for `Authorization: Bearer …`; never printed.
    var value: String
    /// When the token expires, minus a margin so it is not used in its last seconds.
    var expires: Date

    /// Parses a token response: `token` or `access_token` (same meaning, the first one
    /// present wins), `expires_in` seconds (60 when absent, as the specification says),
    /// `issued_at` (RFC 3339; the time of receipt when absent or unreadable).
    static func parse(_ body: [UInt8], receivedAt now: Date = Date()) -> BearerToken? {
        struct Response: Decodable {
            var token: String?
            var access_token: String?
            var expires_in: Double?
            var issued_at: String?
        }
        guard let response = try? CanonicalJSON.decode(Response.self, from: body, what: "token response"),
              let value = [response.token, response.access_token].compactMap({ $0 }).first(where: { !$0.isEmpty })
        else { return nil }
        let lifetime = max(response.expires_in ?? 60, 1)
        var issued = now
        if let text = response.issued_at, let date = ISO8601DateFormatter.withFractions.date(from: text)
            ?? ISO8601DateFormatter().date(from: text), date < now {
            issued = date
        }
        // Refresh 10 % (at most 30 s) before the end: a long blob upload must not start
        // with a token about to lapse.
        let margin = min(lifetime * 0.1, 30)
        return BearerToken(value: value, expires: issued.addingTimeInterval(lifetime - margin))
    }
}

extension ISO8601DateFormatter {
    /// RFC 3339 with fractional seconds, as token services write `issued_at`.
    fileprivate static var withFractions: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
