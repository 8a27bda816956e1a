// The knobs of the registry client, in one options struct with defaults (callers set only
// what they change), and what a push reports back.

import Foundation
import OCIValues

/// How the registry client talks to registries.
package struct RegistryOptions: Sendable {
    /// Registries (`host[:port]`; a bare host covers every port) reached over plain HTTP
    /// or with TLS left unverified. Everything else needs verified TLS.
    package var insecureRegistries: Set<String> = []
    /// Blob transfers in flight at once per push or pull (common clients use 4–6;
    /// more has lost uploads on some object-store backed registries).
    package var maxConcurrentBlobs = 4
    /// At most this many extra attempts of one operation after transient failures (5xx,
    /// 429, connection trouble, corrupt download); 0 tries once. nil (the default) bounds
    /// retries by `retryMaxTime` alone.
    package var retries: Int?
    /// Retry a failing operation (a request, a blob upload or download) for at most this
    /// many seconds, counted from its first failure; 0 gives up at the first failure. The
    /// default outlasts a registry restart (a rolling update, a crashed pod), which cuts
    /// every connection for a few seconds up to tens of seconds, while a registry that
    /// stays down still fails a push within about a minute.
    package var retryMaxTime: Double = 60
    /// Retry a host name that does not resolve like other connection trouble (a resolver
    /// restarting comes back). False for best-effort checks whose caller has a fallback:
    /// on a machine without a network no name resolves, and waiting out the budget there
    /// only delays the fallback.
    package var retryUnresolvedHosts = true
    /// The credentials file to read first and `login` writes (podman's `--authfile`);
    /// nil uses `$REGISTRY_AUTH_FILE` and the usual places (`AuthFile.searchPaths`).
    package var authFile: String?
    /// Told one line per blob and manifest (uploaded, skipped, mounted, downloaded).
    package var progress: (@Sendable (String) -> Void)?

    /// PEM files of extra certificate authorities trusted for every registry, on top of
    /// the system bundle (for registries with a private CA). `$KOLLA_OCI_TLS_CA_FILE`
    /// adds one too.
    package var caFiles: [String] = []
    /// Upload blobs in PATCH chunks of this many bytes (then a closing PUT) instead of
    /// one monolithic PUT; nil (the default) uploads monolithically.
    package var chunkSize: Int64?
    /// The first retry waits about this many seconds, each later one about twice as long
    /// (jittered between half and all of it, so clients cut off together do not come back
    /// together). A `Retry-After` answer is honoured instead.
    package var retryDelay: Double = 0.5
    /// No backoff wait is longer than this many seconds, so a registry that comes back is
    /// noticed within it. `Retry-After` is honoured beyond it, but not beyond
    /// `retryMaxTime`: a registry asking for more than the time left fails the operation.
    package var maxRetryDelay: Double = 8
    /// Credentials given directly, by registry (`host[:port]`); they win over files.
    package var credentials: [String: RegistryCredentials] = [:]
    /// The environment credentials files are looked up in (`$HOME`, `$XDG_RUNTIME_DIR`,
    /// `$DOCKER_CONFIG`, `$REGISTRY_AUTH_FILE`, …).
    package var environment: [String: String] = ProcessInfo.processInfo.environment
    /// Remember which repositories hold which blobs (`ingest/blob-locations.json` in the
    /// store), so a later push can mount instead of uploading.
    package var rememberBlobLocations = true
    /// Told one line per HTTP exchange (`GET URL -> 200`), never headers or bodies.
    package var trace: (@Sendable (String) -> Void)?

    /// The defaults.
    package init() {}

    /// True when `registry` (`host[:port]`) is listed in `insecureRegistries`, exactly or
    /// by its host alone.
    package func isInsecure(_ registry: String) -> Bool {
        if insecureRegistries.contains(registry) { return true }
        return insecureRegistries.contains(RegistryURL.hostWithoutPort(registry))
    }
}

/// What a push did.
package struct PushReport: Sendable {
    /// Blobs sent to the registry.
    package var blobsUploaded: Int
    /// Blobs the registry already had in the target repository.
    package var blobsSkipped: Int
    /// Blobs mounted from another repository of the same registry.
    package var blobsMounted: Int
    /// Bytes of blob content sent.
    package var bytesUploaded: Int64
    /// The digest of the manifest (or index) pushed last.
    package var manifestDigest: Digest

    /// A report with nothing done yet.
    package init(blobsUploaded: Int = 0, blobsSkipped: Int = 0, blobsMounted: Int = 0, bytesUploaded: Int64 = 0,
                 manifestDigest: Digest) {
        self.blobsUploaded = blobsUploaded
        self.blobsSkipped = blobsSkipped
        self.blobsMounted = blobsMounted
        self.bytesUploaded = bytesUploaded
        self.manifestDigest = manifestDigest
    }
}
