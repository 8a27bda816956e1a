// Registry credentials and the files that hold them (oci-and-registries.md §7):
// containers' auth.json and Docker's config.json share the shape
//
//     {"auths": {"<host[:port]>[/<namespace>…]": {"auth": "<base64 user:password>"}}}
//
// looked up in the order podman and skopeo use: `--authfile` / `$REGISTRY_AUTH_FILE`,
// `$XDG_RUNTIME_DIR/containers/auth.json`, `${XDG_CONFIG_HOME:-~/.config}/containers/auth.json`,
// `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`). Docker's legacy keys
// (`https://index.docker.io/v1/`) are matched by host; containers' namespaced keys
// (`quay.io/org`) by the longest prefix of the repository. A file's credential helper for
// the registry (`credHelpers`, else `credsStore`; `CredentialHelper.swift`) is asked
// before its `auths`; identity tokens are not supported: such entries are skipped, and
// the next file is tried.
//
// Passwords are never printed: `RegistryCredentials` describes itself redacted, and no
// error message quotes a file's content.

import Foundation
import OCISystem


/// A user name and password (or token) for one registry.
package struct RegistryCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The user name.
    package var username: String
    /// The password or personal access token; never printed.
    package var password: String

    /// Credentials from their parts.
    package init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// `user:<redacted>`.
    package var description: String { "\(username):<redacted>" }
    /// Same as `description`: no password even in debugger output.
    package var debugDescription: String { description }

    /// `base64(user:password)`, the `auth` value of the files and of Basic authorization.
    package var encoded: String { Data("\(username):\(password)".utf8).base64EncodedString() }

    /// The `Authorization` value for HTTP Basic.
    var basicAuthorization: String { "Basic \(encoded)" }

    /// Decodes an `auth` value; nil when it is not base64 of `user:password`.
    package init?(encoded: String) {
        guard let data = Data(base64Encoded: encoded.trimmingCharacters(in: .whitespacesAndNewlines)),
              let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") else {
            return nil
        }
        username = String(text[..<colon])
        password = String(text[text.index(after: colon)...])
        guard !username.isEmpty else { return nil }
    }
}

/// Reading and writing credentials files.
package enum AuthFile {
    /// The files looked up for credentials, in order (existing or not). `explicit` (a
    /// `--authfile`) or `$REGISTRY_AUTH_FILE` comes first.
    package static func searchPaths(explicit: String?, environment: [String: String]) -> [String] {
        var paths: [String] = []
        if let explicit { paths.append(explicit) }
        if let file = environment["REGISTRY_AUTH_FILE"], !file.isEmpty { paths.append(file) }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            paths.append("\(runtime)/containers/auth.json")
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let configHome = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(home)/.config"
        paths.append("\(configHome)/containers/auth.json")
        if let docker = environment["DOCKER_CONFIG"], !docker.isEmpty {
            paths.append("\(docker)/config.json")
        } else {
            paths.append("\(home)/.docker/config.json")
        }
        var seen = Set<String>()
        return paths.filter { seen.insert($0).inserted }
    }

    /// The file `login` writes and `logout` edits: `explicit`, `$REGISTRY_AUTH_FILE`,
    /// `$XDG_RUNTIME_DIR/containers/auth.json`, else `${XDG_CONFIG_HOME:-~/.config}/containers/auth.json`.
    package static func loginPath(explicit: String?, environment: [String: String]) -> String {
        if let explicit { return explicit }
        if let file = environment["REGISTRY_AUTH_FILE"], !file.isEmpty { return file }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            return "\(runtime)/containers/auth.json"
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let configHome = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(home)/.config"
        return "\(configHome)/containers/auth.json"
    }

    /// The credentials for `repository` on `registry` from the first file that has an
    /// entry for them; nil when none does (anonymous access).
    ///
    /// - Throws: `RegistryError.configuration` for a file that exists but is not JSON of
    ///   the expected shape (silently ignoring it would hide a typo as a 401).
    package static func lookup(registry: String, repository: String?, explicit: String?,
                               environment: [String: String]) throws(RegistryError) -> RegistryCredentials? {
        for path in searchPaths(explicit: explicit, environment: environment) {
            guard let document = try readDocument(path) else { continue }
            // A credential helper for this registry (credHelpers, credsStore) first, as docker asks it.
            if let (name, serverURL, store) = CredentialHelper.helper(in: document, registry: registry),
               let found = try CredentialHelper.get(name, serverURL: serverURL, configFile: path, optional: store,
                                                    environment: environment) {
                return found
            }
            guard let auths = try readAuths(path) else { continue }
            if let found = match(auths, registry: registry, repository: repository) { return found }
        }
        return nil
    }

    /// The best entry of an `auths` object for `registry` and `repository`: the longest
    /// `registry/namespace…` prefix of the repository, then the registry alone (also under
    /// Docker Hub's other names and as a legacy `https://host/…` URL key).
    static func match(_ auths: [String: Any], registry: String, repository: String?) -> RegistryCredentials? {
        var entries: [String: RegistryCredentials] = [:]
        for (key, value) in auths {
            guard let object = value as? [String: Any], let auth = object["auth"] as? String,
                  let credentials = RegistryCredentials(encoded: auth) else { continue }
            entries[normalizedKey(key)] = credentials
        }
        let hosts = aliases(of: registry)
        if let repository {
            var components = repository.split(separator: "/").map(String.init)
            while !components.isEmpty {
                for host in hosts {
                    if let found = entries["\(host)/\(components.joined(separator: "/"))"] { return found }
                }
                components.removeLast()
            }
        }
        for host in hosts {
            if let found = entries[host] { return found }
        }
        return nil
    }

    /// The names one registry goes by in credentials files.
    static func aliases(of registry: String) -> [String] {
        let lower = registry.lowercased()
        if ["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"].contains(lower) {
            return ["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]
        }
        return [lower]
    }

    /// A key as `host[:port][/namespace]`: a legacy URL key (`https://host/v1/`) loses
    /// its scheme and path; other keys keep their namespace path, without a trailing `/`.
    static func normalizedKey(_ key: String) -> String {
        var text = key.lowercased()
        if let range = text.range(of: "://") {
            text = String(text[range.upperBound...])
            if let slash = text.firstIndex(of: "/") { text = String(text[..<slash]) }
        }
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// The `auths` object of the file at `path`; nil when the file does not exist.
    static func readAuths(_ path: String) throws(RegistryError) -> [String: Any]? {
        guard let root = try readDocument(path) else { return nil }
        guard let auths = root["auths"] else { return [:] }
        guard let object = auths as? [String: Any] else {
            throw .configuration(path: path, reason: "\"auths\" is not a JSON object")
        }
        return object
    }

    /// The whole JSON object of `path`; nil when the file does not exist.
    private static func readDocument(_ path: String) throws(RegistryError) -> [String: Any]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .configuration(path: path, reason: "cannot read the credentials file")
        }
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .configuration(path: path, reason: "not a JSON object (expected {\"auths\": {…}})")
        }
        return object
    }

    /// Records `credentials` for `registry` in the file at `path` (created with mode 0600,
    /// its directory 0700), keeping every other entry and key; replaced atomically.
    package static func store(_ credentials: RegistryCredentials, registry: String, path: String) throws(RegistryError) {
        var root = try readDocument(path) ?? [:]
        var auths = (root["auths"] as? [String: Any]) ?? [:]
        let key = normalizedKey(registry)
        // Drop other spellings of the same registry, so the new entry is the one found.
        for existing in auths.keys where normalizedKey(existing) == key { auths[existing] = nil }
        auths[key] = ["auth": credentials.encoded]
        root["auths"] = auths
        try write(root, to: path)
    }

    /// Removes the entries for `registry` from the file at `path`; false when it had none.
    @discardableResult
    package static func remove(registry: String, path: String) throws(RegistryError) -> Bool {
        guard var root = try readDocument(path), var auths = root["auths"] as? [String: Any] else { return false }
        let key = normalizedKey(registry)
        let hosts = Set(aliases(of: key))
        let doomed = auths.keys.filter { hosts.contains(normalizedKey($0)) }
        guard !doomed.isEmpty else { return false }
        for existing in doomed { auths[existing] = nil }
        root["auths"] = auths
        try write(root, to: path)
        return true
    }

    /// Writes `root` as pretty JSON to a 0600 temporary file beside `path`, then renames it.
    private static func write(_ root: [String: Any], to path: String) throws(RegistryError) {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            }
            let data = try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])
            let temporary = "\(path).tmp-\(ProcessIdentity.processID)"
            // Created 0600 from the start: the password is never readable by others, not even briefly.
            let file = try FileDescriptor.create(temporary, mode: 0o600)
            try file.setMode(0o600)
            try file.write(Array(data) + [0x0a])
            try file.sync()
            try FileSystem.rename(temporary, to: path)
        } catch let error as NativeError {
            throw .configuration(path: path, reason: error.description)
        } catch {
            throw .configuration(path: path, reason: "cannot write the credentials file: \(error)")
        }
    }
}
