import Foundation
import OCISandbox
import OCIValues

/// What to build: a Dockerfile, its context, and the knobs of `kolla-oci bud` (and of
/// the kolla front end, which calls the executor in-process).
package struct BuildRequest: Sendable {
    /// The Dockerfile's path (for messages) and text.
    package var dockerfilePath: String
    package var dockerfileText: String
    /// The build context directory (COPY/ADD sources, `.dockerignore`).
    package var contextDirectory: String
    /// Names to give the image in the store.
    package var tags: [String] = []
    package var buildArgs: [String: String] = [:]
    /// Ignore the build cache (`--no-cache`, kolla's `--nocache`).
    package var noCache = false
    package var compression: Compression = .gzip
    /// SOURCE_DATE_EPOCH: the image's `created` time and an upper bound for file mtimes,
    /// so the same inputs give the same digests.
    package var timestamp: Int?
    /// Labels added to the final image (kolla's OCI labels).
    package var labels: [String: String] = [:]
    /// Build only up to this stage.
    package var target: String?
    /// The network of every RUN (`--network_mode`, `bud --network`); `RUN --network=…`
    /// overrides it for one step (`default` keeps it).
    package var network: RunSpec.NetworkMode = .host
    /// Secrets by id for `RUN --mount=type=secret` (`bud --secret id=ID,src=PATH`). Their
    /// content reaches neither a layer, the history nor the build cache key.
    package var secrets: [String: BuildSecret] = [:]
    /// Called for an image FROM names that is not in the store (registry pull); returns
    /// the manifest descriptor, or nil when it cannot be found.
    package var pull: (@Sendable (String) throws -> Descriptor?)?
    /// Called first for every image FROM names (not stages, not scratch) when the build
    /// must use the registry's current image (kolla's `--pull`): returns the descriptor
    /// to build on, or nil to use the store as it is (then `pull` when it lacks the image).
    package var refresh: (@Sendable (String) throws -> Descriptor?)?
    /// Build log lines (step headers, RUN output).
    package var log: @Sendable (String) -> Void = { _ in }

    /// The settings that change a step's result without appearing in the Dockerfile: the
    /// layer compression (other blob bytes) and the timestamp (clamped mtimes, `created`
    /// times). Every stage's first cache key includes them, so a rebuild with other
    /// settings never reuses a layer made with these.
    var cacheSettings: String {
        "compression=\(compression.rawValue)\ntimestamp=\(timestamp.map(String.init) ?? "none")"
    }

    package init(dockerfilePath: String, dockerfileText: String, contextDirectory: String) {
        self.dockerfilePath = dockerfilePath
        self.dockerfileText = dockerfileText
        self.contextDirectory = contextDirectory
    }
}

/// Where a build secret's content comes from.
package enum BuildSecret: Sendable, Equatable {
    /// A file on the host, read when a RUN mounts it.
    case file(String)
    /// The bytes themselves (`--secret id=ID,env=VAR` reads the variable up front).
    case value([UInt8])
}

/// What a build produced.
package struct BuildResult: Sendable {
    package var manifest: Descriptor
    package var config: ImageConfig
    /// Layer-producing steps executed and reused from the cache.
    package var stepsRun = 0
    package var stepsCached = 0
    /// Wall time spent inside RUN commands (the rest is builder overhead).
    package var secondsInRun: Double = 0
}
