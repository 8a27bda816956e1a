// The distribution-spec client (OCI distribution-spec v1.1; Docker registry API v2):
// manifests here, pulls in `RegistryClient+Pull.swift`, pushes in `RegistryClient+Push.swift`,
// the transport in `RegistrySession.swift`.
//
// The client is shared between threads (`@unchecked Sendable`): its only mutable state —
// what it learnt about each registry, bearer tokens, looked-up credentials, blob locations —
// sits behind one `Mutex`. libcurl handles never cross threads: each operation and each blob
// worker thread makes its own `RegistrySession`.

import Foundation
import OCIStore
import OCISystem
import OCIValues
import Synchronization

/// Pulls images from registries into an `ImageStore` and pushes them back.
package final class RegistryClient: @unchecked Sendable {
    /// The options it was made with.
    package let options: RegistryOptions

    /// Everything learnt while running.
    private struct State {
        var endpoints: [String: RegistryEndpoint] = [:]
        var tokens: [String: BearerToken] = [:]
        var credentials: [String: RegistryCredentials?] = [:]
        var trustedCertificates: Result<[UInt8]?, RegistryError>?
        /// Digest → `registry/repository` names known to hold it, most recent first.
        var blobLocations: [Digest: [String]] = [:]
        /// Per registry, the slots that bound concurrent blob transfers.
        var slots: [String: TransferSlots] = [:]
    }

    private let state = Mutex(State())

    /// A client; nothing is contacted until the first operation.
    package init(options: RegistryOptions) {
        self.options = options
    }

    /// The media types a manifest GET accepts: both families, manifests and indexes
    /// (a narrow `Accept` makes some registries convert or refuse; pitfall 10).
    static let manifestAccept = [MediaType.ociManifest, .ociIndex, .dockerManifest, .dockerManifestList]
        .map(\.rawValue).joined(separator: ", ")

    /// The largest manifest accepted (distribution-spec: registries may refuse more than 4 MiB).
    static let manifestLimit = 4 << 20

    // MARK: login

    /// Checks that `registry` accepts `credentials` (for `kolla-oci login`): `GET /v2/`
    /// answered with them (Basic), or a token issued for them (Bearer). A registry that
    /// asks for no authentication accepts anything.
    package func verifyCredentials(_ credentials: RegistryCredentials, registry: String) throws {
        var options = self.options
        options.credentials[registry] = credentials
        let client = RegistryClient(options: options)
        let session = try RegistrySession(client: client)
        let endpoint = try session.endpoint(registry)
        guard endpoint.challenge != nil else { return }
        let response = try session.send(RegistryRequest(operation: "login", method: "GET", url: "\(endpoint.base)/v2/",
                                                        registry: registry, scopes: []))
        guard response.status == 200 else { throw response.failure("login") }
    }

    // MARK: manifests

    /// The digest of the manifest `reference` names, by `HEAD` (for `--skip-existing`
    /// against a registry); nil when the registry has no such manifest.
    package func manifestExists(_ reference: Reference) throws -> Digest? {
        let session = try RegistrySession(client: self)
        let endpoint = try session.endpoint(reference.registry)
        let target = Self.manifestTarget(reference)
        let url = endpoint.url(reference.repository, "manifests/\(target)")
        let operation = "HEAD manifest \(reference)"
        let response = try session.send(RegistryRequest(
            operation: operation, method: "HEAD", url: url, registry: reference.registry,
            scopes: [.pull(reference.repository)], headers: [HTTPHeader("Accept", Self.manifestAccept)]))
        switch response.status {
        case 200:
            if let header = response.http.header("Docker-Content-Digest"), let digest = try? Digest(header) {
                return digest
            }
            // Older registries omit the header (pitfall 2): hash the manifest itself.
            return try fetchManifest(session, reference: reference, target: target).digest
        case 404:
            return nil
        default:
            throw response.failure(operation)
        }
    }

    /// A fetched manifest or index: its exact bytes, media type and digest.
    struct FetchedManifest {
        var bytes: [UInt8]
        var mediaType: MediaType
        var digest: Digest
        var url: String

        var descriptor: Descriptor { Descriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count)) }
    }

    /// `GET /v2/<name>/manifests/<target>`: checks the size limit and, when `target` is a
    /// digest, that the bytes have it. The media type is the response's `Content-Type`,
    /// else the document's `mediaType`, else guessed from its fields.
    func fetchManifest(_ session: RegistrySession, reference: Reference,
                       target: String) throws(RegistryError) -> FetchedManifest {
        let endpoint = try session.endpoint(reference.registry)
        let url = endpoint.url(reference.repository, "manifests/\(target)")
        let operation = "GET manifest \(reference.name):\(target)"
        var request = RegistryRequest(operation: operation, method: "GET", url: url, registry: reference.registry,
                                      scopes: [.pull(reference.repository)],
                                      headers: [HTTPHeader("Accept", Self.manifestAccept)])
        request.followRedirects = true
        let response = try session.send(request)
        if response.status == 404 {
            throw .manifestNotFound(reference: "\(reference.name):\(target)", url: RegistryURL.redacted(url))
        }
        guard response.status == 200 else { throw response.failure(operation) }
        let bytes = response.http.body
        guard bytes.count <= Self.manifestLimit else {
            throw .invalidResponse(operation: operation, url: RegistryURL.redacted(url),
                                   reason: "manifest larger than 4 MiB")
        }
        let digest: Digest
        do { digest = try Digest.sha256(of: bytes) } catch {
            throw .transfer(operation: operation, url: RegistryURL.redacted(url), cause: error, attempts: 1)
        }
        if let expected = try? Digest(target), expected != digest {
            throw .digestMismatch(operation: operation, url: RegistryURL.redacted(url), expected: expected, actual: digest)
        }
        let mediaType = Self.manifestMediaType(contentType: response.http.header("Content-Type"), body: bytes)
        return FetchedManifest(bytes: bytes, mediaType: mediaType, digest: digest, url: url)
    }

    /// The tag or digest a reference addresses a manifest by (digest wins).
    static func manifestTarget(_ reference: Reference) -> String {
        reference.digest?.description ?? reference.effectiveTag ?? Reference.defaultTag
    }

    /// The media type of a manifest response: `Content-Type` without parameters when it
    /// names a manifest or index type, else the body's `mediaType`, else OCI index for a
    /// body with `manifests`, OCI manifest otherwise.
    static func manifestMediaType(contentType: String?, body: [UInt8]) -> MediaType {
        if let contentType {
            let bare = MediaType(String(contentType.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces))
            if bare.isManifest || bare.isIndex { return bare }
        }
        struct Probe: Decodable {
            var mediaType: String?
            var manifests: [Descriptor]?
        }
        let probe = try? CanonicalJSON.decode(Probe.self, from: body, what: "manifest")
        if let declared = probe?.mediaType { return MediaType(declared) }
        return probe?.manifests != nil ? .ociIndex : .ociManifest
    }

    // MARK: shared state

    /// The endpoint learnt for `registry`, if any.
    func knownEndpoint(_ registry: String) -> RegistryEndpoint? {
        state.withLock { $0.endpoints[registry] }
    }

    /// Records what was learnt about a registry (its scheme, its challenge).
    func remember(_ endpoint: RegistryEndpoint) {
        state.withLock { $0.endpoints[endpoint.registry] = endpoint }
    }

    /// The transfer slots of `registry` (made on first use).
    func transferSlots(for registry: String) -> TransferSlots {
        state.withLock { state in
            if let slots = state.slots[registry] { return slots }
            let slots = TransferSlots(options.maxConcurrentBlobs)
            state.slots[registry] = slots
            return slots
        }
    }

    /// A cached, unexpired token.
    func cachedToken(_ key: String) -> String? {
        state.withLock { state in
            guard let token = state.tokens[key] else { return nil }
            if token.expires <= Date() {
                state.tokens[key] = nil
                return nil
            }
            return token.value
        }
    }

    /// Caches a token.
    func storeToken(_ token: BearerToken, key: String) {
        state.withLock { $0.tokens[key] = token }
    }

    /// Drops every token of `registry` (after a 401: it was revoked or lacked a scope).
    func forgetTokens(for registry: String) {
        state.withLock { state in
            for key in state.tokens.keys where key.hasPrefix("\(registry) ") { state.tokens[key] = nil }
        }
    }

    /// The credentials for `repository` on `registry`: given in the options, else from the
    /// credentials files (looked up once per registry and repository).
    func credentials(registry: String, repository: String?) throws(RegistryError) -> RegistryCredentials? {
        if let given = options.credentials[registry] { return given }
        let key = "\(registry)/\(repository ?? "")"
        if let cached = state.withLock({ $0.credentials[key] }) { return cached }
        let found = try AuthFile.lookup(registry: registry, repository: repository, explicit: options.authFile,
                                        environment: options.environment)
        state.withLock { $0.credentials[key] = .some(found) }
        return found
    }

    /// The PEM bundle to trust when CA files are configured: libcurl's default bundle
    /// followed by every CA file; nil (libcurl's default) when there are none.
    func trustedCertificates(defaultBundle: String?) throws(RegistryError) -> [UInt8]? {
        if let known = state.withLock({ $0.trustedCertificates }) { return try known.get() }
        var files = options.caFiles
        if let file = options.environment["KOLLA_OCI_TLS_CA_FILE"], !file.isEmpty { files.append(file) }
        let result: Result<[UInt8]?, RegistryError>
        if files.isEmpty {
            result = .success(nil)
        } else {
            var bundle: [UInt8] = []
            if let defaultBundle, let system = FileManager.default.contents(atPath: defaultBundle) {
                bundle += Array(system) + [0x0a]
            }
            var failure: RegistryError?
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else {
                    failure = .configuration(path: file, reason: "cannot read the CA certificate file")
                    break
                }
                guard String(decoding: data, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
                    failure = .configuration(path: file, reason: "not a PEM certificate file")
                    break
                }
                bundle += Array(data) + [0x0a]
            }
            result = failure.map { .failure($0) } ?? .success(bundle)
        }
        state.withLock { $0.trustedCertificates = result }
        return try result.get()
    }

    /// Repositories of `registry` known to hold `digest`, other than `except`.
    func knownLocations(of digest: Digest, registry: String, except repository: String) -> [String] {
        let prefix = "\(registry)/"
        return state.withLock { $0.blobLocations[digest] ?? [] }
            .filter { $0.hasPrefix(prefix) && $0 != "\(registry)/\(repository)" }
            .map { String($0.dropFirst(prefix.count)) }
    }

    /// Notes that `registry/repository` holds `digests`.
    func recordLocations(_ digests: [Digest], registry: String, repository: String) {
        let name = "\(registry)/\(repository)"
        state.withLock { state in
            for digest in digests {
                var list = state.blobLocations[digest] ?? []
                list.removeAll { $0 == name }
                list.insert(name, at: 0)
                state.blobLocations[digest] = Array(list.prefix(BlobLocations.perDigest))
            }
        }
    }

    /// Loads the store's blob-location file into memory (once per store and operation).
    func loadLocations(from store: ImageStore) {
        guard options.rememberBlobLocations else { return }
        let loaded = BlobLocations.load(store)
        state.withLock { state in
            for (digest, names) in loaded {
                var list = state.blobLocations[digest] ?? []
                for name in names where !list.contains(name) { list.append(name) }
                state.blobLocations[digest] = Array(list.prefix(BlobLocations.perDigest))
            }
        }
    }

    /// Saves the locations of `digests` to the store's blob-location file.
    func saveLocations(_ digests: [Digest], to store: ImageStore) {
        guard options.rememberBlobLocations else { return }
        let snapshot = state.withLock { state in
            Dictionary(uniqueKeysWithValues: digests.compactMap { digest in
                state.blobLocations[digest].map { (digest, $0) }
            })
        }
        BlobLocations.merge(snapshot, into: store)
    }
}
