// URL handling the distribution protocol needs, on plain strings so nothing is
// re-encoded behind the client's back: upload `Location`s may be relative, absolute or on
// another host and carry query parameters that must be kept (distribution-spec, "Pushing
// blobs"; oci-and-registries.md §5 "Location header"), and `digest=` is appended with
// `&` or `?` as the Location already has a query or not.

/// String helpers for registry URLs.
package enum RegistryURL {
    /// The scheme of `url` (`http`, `https`), lowercased; nil when it has none.
    package static func scheme(_ url: String) -> String? {
        guard let range = url.range(of: "://") else { return nil }
        let scheme = url[..<range.lowerBound]
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }) else {
            return nil
        }
        return scheme.lowercased()
    }

    /// `host[:port]` of an absolute URL, lowercased, without user info; nil for a
    /// relative one.
    package static func authority(_ url: String) -> String? {
        guard let range = url.range(of: "://") else { return nil }
        let rest = url[range.upperBound...]
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<end]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        return authority.lowercased()
    }

    /// `scheme://authority` of an absolute URL.
    package static func origin(_ url: String) -> String? {
        guard let scheme = scheme(url), let authority = authority(url) else { return nil }
        return "\(scheme)://\(authority)"
    }

    /// The host of `host[:port]` (brackets of an IPv6 literal kept).
    package static func hostWithoutPort(_ authority: String) -> String {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return String(authority[...close])
        }
        if let colon = authority.lastIndex(of: ":") { return String(authority[..<colon]) }
        return authority
    }

    /// `reference` resolved against the absolute URL `base` (RFC 3986 §5.2, for the
    /// shapes registries send): absolute URLs as they are, `//host/…` with base's scheme,
    /// `/path?query` on base's origin, `?query` on base's path, other relative paths
    /// against base's directory. Query and fragment of `reference` are kept verbatim.
    package static func resolve(_ reference: String, against base: String) -> String {
        if scheme(reference) != nil { return reference }
        guard let baseScheme = scheme(base), let origin = origin(base) else { return reference }
        if reference.hasPrefix("//") { return "\(baseScheme):\(reference)" }
        if reference.hasPrefix("/") { return origin + reference }
        let basePath = path(base)
        if reference.hasPrefix("?") { return origin + basePath + reference }
        if reference.isEmpty { return base }
        let directory = basePath.lastIndex(of: "/").map { String(basePath[...$0]) } ?? "/"
        // Remove `.` and `..` segments of the merged path (RFC 3986 §5.2.4).
        let (pathPart, suffix) = splitQuery(directory + reference)
        var segments: [Substring] = []
        let parts = pathPart.split(separator: "/", omittingEmptySubsequences: false)
        for (index, segment) in parts.enumerated() {
            let isLast = index == parts.count - 1
            switch segment {
            case ".":
                if isLast { segments.append("") }
            case "..":
                if segments.count > 1 { segments.removeLast() }
                if isLast { segments.append("") }
            default:
                segments.append(segment)
            }
        }
        var joined = segments.joined(separator: "/")
        if !joined.hasPrefix("/") { joined = "/" + joined }
        return origin + joined + suffix
    }

    /// The path of an absolute URL (`/` when empty), without query or fragment.
    static func path(_ url: String) -> String {
        guard let range = url.range(of: "://") else { return url }
        let rest = url[range.upperBound...]
        guard let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }), rest[slash] == "/" else {
            return "/"
        }
        return String(splitQuery(String(rest[slash...])).path)
    }

    /// `text` split before its first `?` or `#`.
    private static func splitQuery(_ text: String) -> (path: String, suffix: String) {
        guard let index = text.firstIndex(where: { $0 == "?" || $0 == "#" }) else { return (text, "") }
        return (String(text[..<index]), String(text[index...]))
    }

    /// `url` with `name=value` (value percent-encoded) added to its query, before any
    /// fragment: `&` when the URL has a query already, else `?`.
    package static func appendingQuery(_ url: String, _ name: String, _ value: String) -> String {
        var base = url
        var fragment = ""
        if let hash = url.firstIndex(of: "#") {
            base = String(url[..<hash])
            fragment = String(url[hash...])
        }
        let separator = base.contains("?") ? (base.hasSuffix("?") || base.hasSuffix("&") ? "" : "&") : "?"
        return base + separator + "\(name)=\(percentEncoded(value))" + fragment
    }

    /// `text` with every byte outside RFC 3986's unreserved set percent-encoded, for a
    /// query value (`sha256:…` → `sha256%3A…`, `a/b` → `a%2Fb`).
    package static func percentEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF")
                result += "%\(hex[Int(byte >> 4)])\(hex[Int(byte & 0x0f)])"
            }
        }
        return result
    }

    /// `url` safe for messages: user info (`user:pass@`) removed. The client never puts
    /// credentials in URLs, but a redirect or a Location could.
    package static func redacted(_ url: String) -> String {
        guard let range = url.range(of: "://") else { return url }
        let rest = url[range.upperBound...]
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        guard let at = rest[..<end].lastIndex(of: "@") else { return url }
        return String(url[..<range.upperBound]) + String(rest[rest.index(after: at)...])
    }
}
