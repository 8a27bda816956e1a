// Image references as Docker and the distribution project write them
// (distribution/reference grammar; OCI distribution-spec for the name and tag rules):
//
//     reference := [registry[:port] "/"] path [":" tag] ["@" digest]
//
// The first path component is a registry only if it contains "." or ":" or is
// "localhost"; otherwise the image lives on Docker Hub (`docker.io`), where a
// single-component path gets the `library/` namespace.

/// A parsed, validated image reference such as `debian:bookworm`,
/// `quay.io/openstack.kolla/keystone:2024.1` or `localhost:5000/kolla/base@sha256:…`.
package struct Reference: Sendable, Hashable, CustomStringConvertible {
    /// Docker Hub's canonical registry name.
    package static let dockerHub = "docker.io"
    /// The namespace Docker Hub gives single-component names.
    package static let dockerHubNamespace = "library"
    /// The tag meant when a reference has neither tag nor digest.
    package static let defaultTag = "latest"

    /// `host[:port]`, `docker.io` when the text named none.
    package let registry: String
    /// The repository path inside the registry, e.g. `library/debian` or `kolla/base`.
    package let repository: String
    /// The tag, if the text had one.
    package let tag: String?
    /// The digest, if the text had one.
    package let digest: Digest?

    /// Parses `text`.
    ///
    /// - Throws: `OCIError.invalidReference` naming the rule broken.
    package init(_ text: String) throws(OCIError) {
        func fail(_ reason: String) -> OCIError { .invalidReference(text, reason: reason) }
        guard !text.isEmpty else { throw fail("empty reference") }
        guard text.utf8.count <= 4096 else { throw fail("longer than 4096 bytes") }
        var rest = Substring(text)

        var digest: Digest?
        if let at = rest.lastIndex(of: "@") {
            let digestText = String(rest[rest.index(after: at)...])
            do {
                digest = try Digest(digestText)
            } catch {
                throw fail("bad digest: \(error.digestProblem ?? error.description)")
            }
            rest = rest[..<at]
        }

        var tag: String?
        let lastSlash = rest.lastIndex(of: "/")
        if let colon = rest.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
            let tagText = String(rest[rest.index(after: colon)...])
            guard Self.isValidTag(tagText) else {
                throw fail("tag must match [A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
            }
            tag = tagText
            rest = rest[..<colon]
        }
        guard !rest.isEmpty else { throw fail("missing repository name") }

        var components = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var registry = Self.dockerHub
        if components.count > 1, let first = components.first,
           first.contains(".") || first.contains(":") || first == "localhost" {
            guard Self.isValidRegistry(first) else {
                throw fail("registry \"\(first)\" must be a host name or address with an optional port")
            }
            registry = first
            components.removeFirst()
        }
        for component in components where !Self.isValidPathComponent(component) {
            throw fail("path component \"\(component)\" must be lowercase letters and digits "
                       + "separated by one of . _ __ or dashes")
        }
        // Docker Hub's historical spellings of itself.
        if registry == "index.docker.io" || registry == "registry-1.docker.io" { registry = Self.dockerHub }
        if registry == Self.dockerHub && components.count == 1 {
            components.insert(Self.dockerHubNamespace, at: 0)
        }
        let repository = components.joined(separator: "/")
        guard registry.utf8.count + 1 + repository.utf8.count <= 255 else {
            throw fail("name longer than 255 characters")
        }
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    /// Creates a reference from parts already validated elsewhere.
    package init(registry: String, repository: String, tag: String?, digest: Digest?) {
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    /// `registry/repository`, the fully qualified name without tag or digest.
    package var name: String { "\(registry)/\(repository)" }

    /// The tag, or `latest` when the reference has neither tag nor digest; nil for a
    /// digest-only reference.
    package var effectiveTag: String? { tag ?? (digest == nil ? Self.defaultTag : nil) }

    /// The fully qualified form: `docker.io/library/debian:latest`, with the default tag
    /// filled in unless the reference names a digest.
    package var description: String {
        var text = name
        if let effectiveTag { text += ":\(effectiveTag)" }
        if let digest { text += "@\(digest)" }
        return text
    }

    /// The short form Docker shows (`debian:latest`, `kolla/base:1`,
    /// `quay.io/x/y:2`): Docker Hub and `library/` left out, default tag filled in.
    /// kolla-oci names images in its store this way.
    package var familiarString: String {
        var path = repository
        if registry == Self.dockerHub {
            let prefix = Self.dockerHubNamespace + "/"
            if path.hasPrefix(prefix), !path.dropFirst(prefix.count).contains("/") {
                path.removeFirst(prefix.count)
            }
        } else {
            path = "\(registry)/\(path)"
        }
        if let effectiveTag { path += ":\(effectiveTag)" }
        if let digest { path += "@\(digest)" }
        return path
    }

    /// `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}` (distribution-spec, tags).
    package static func isValidTag(_ tag: String) -> Bool {
        let bytes = Array(tag.utf8)
        guard let first = bytes.first, bytes.count <= 128, isAlnum(first) || first == UInt8(ascii: "_")
        else { return false }
        return bytes.dropFirst().allSatisfy {
            isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-")
        }
    }

    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*` (distribution-spec, repository names).
    static func isValidPathComponent(_ component: String) -> Bool {
        let bytes = Array(component.utf8)
        var index = 0
        func alnumRun() -> Bool {
            let start = index
            while index < bytes.count, isLowerAlnum(bytes[index]) { index += 1 }
            return index > start
        }
        guard alnumRun() else { return false }
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "."):
                index += 1
            case UInt8(ascii: "_"):
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "_") { index += 1 }
            case UInt8(ascii: "-"):
                while index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            default:
                return false
            }
            guard alnumRun() else { return false }
        }
        return true
    }

    /// `host[:port]` where host is DNS labels (letters, digits, dashes, dots) or a
    /// bracketed IPv6 address, and port is decimal.
    static func isValidRegistry(_ registry: String) -> Bool {
        var host = Substring(registry)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let address = host[host.index(after: host.startIndex)..<close]
            guard !address.isEmpty, address.allSatisfy({ $0.isHexDigit || $0 == ":" }) else { return false }
            host = host[host.index(after: close)...]
            if host.isEmpty { return true }
            guard host.hasPrefix(":") else { return false }
            let port = host.dropFirst()
            return !port.isEmpty && port.count <= 5 && port.allSatisfy(\.isASCII) && port.allSatisfy(\.isNumber)
        }
        if let colon = host.firstIndex(of: ":") {
            let port = host[host.index(after: colon)...]
            guard !port.isEmpty, port.count <= 5, port.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                return false
            }
            host = host[..<colon]
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return !host.isEmpty && labels.allSatisfy { label in
            let bytes = Array(label.utf8)
            guard let first = bytes.first, let last = bytes.last else { return false }
            return isAlnum(first) && isAlnum(last)
                && bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
        }
    }

    private static func isAlnum(_ byte: UInt8) -> Bool {
        isLowerAlnum(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    private static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
