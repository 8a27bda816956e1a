import Foundation
import OCIBuild

/// One image build handed to the builder.
struct BuildJob: Sendable {
    /// Kolla's image name (`keystone-base`).
    let name: String
    /// `[registry/]namespace/prefix+name:tag`.
    let canonicalName: String
    /// The image directory in the work dir (rendered Dockerfile, sources, patches).
    let context: String
    var labels: [String: String] = [:]
    var buildArgs: [String: String] = [:]
    var noCache = false
    /// Fetch the FROM image from its registry when it is not in the store.
    var pull = false
    /// Make the FROM image the registry's current one first (kolla's `--pull`, roots).
    var refresh = false
    var timestamp: Int?
    /// The network of every RUN (`--network_mode`).
    var network: RunSpec.NetworkMode = .host
}

/// The seam between the front end and the builder: build one image, push one image,
/// ask whether an image exists. The scheduler's tests use a recording fake.
protocol ImageBuilding: Sendable {
    func build(_ job: BuildJob, log: @escaping @Sendable (String) -> Void) throws
    func push(_ canonicalName: String, log: @escaping @Sendable (String) -> Void) throws
    func exists(_ canonicalName: String) -> Bool
}

/// A push failure that is a connection problem (kolla's `connection_error`), as opposed
/// to a registry refusing the push (`push_error`).
struct ConnectionError: Error, CustomStringConvertible {
    let description: String
}

/// The daemonless builder: kolla-oci's executor into the local OCI store.
final class DaemonlessBuilder: ImageBuilding, @unchecked Sendable {
    let store: ImageStore
    let executor: BuildExecutor
    let compression: Compression
    /// Pushes an image from the store (set when a registry client is configured).
    var pusher: (@Sendable (ImageStore, Descriptor, String, @escaping @Sendable (String) -> Void) throws -> Void)?
    /// Pulls a FROM image into the store; returns its descriptor.
    var puller: (@Sendable (String) throws -> Descriptor?)?
    /// Makes a FROM image the registry's current one; nil to use the store as it is.
    var refresher: (@Sendable (String) throws -> Descriptor?)?
    /// Puts the image's source archives into its context before the build.
    var prepare: (@Sendable (BuildJob, @escaping @Sendable (String) -> Void) throws -> Void)?

    init(store: ImageStore, compression: Compression = .gzip, isolation: IsolationRequest = .auto) throws {
        self.store = store
        self.executor = try BuildExecutor(store: store, plan: try UserNamespace.plan(isolation))
        self.compression = compression
    }

    func build(_ job: BuildJob, log: @escaping @Sendable (String) -> Void) throws {
        try prepare?(job, log)
        let dockerfile = job.context + "/Dockerfile"
        guard let data = FileManager.default.contents(atPath: dockerfile) else {
            throw CommandError("\(dockerfile): cannot read the rendered Dockerfile")
        }
        var request = BuildRequest(
            dockerfilePath: dockerfile, dockerfileText: String(decoding: data, as: UTF8.self), contextDirectory: job.context)
        request.tags = [job.canonicalName]
        request.buildArgs = job.buildArgs
        request.noCache = job.noCache
        request.labels = job.labels
        request.timestamp = job.timestamp
        request.network = job.network
        request.compression = compression
        request.log = log
        if job.pull { request.pull = puller }
        if job.refresh { request.refresh = refresher }
        _ = try executor.build(request)
    }

    func push(_ canonicalName: String, log: @escaping @Sendable (String) -> Void) throws {
        guard let pusher else { throw CommandError("no registry client is available to push \(canonicalName)") }
        let (_, descriptor) = try store.resolve(ImageStore.storeName(canonicalName))
        try pusher(store, descriptor, canonicalName, log)
    }

    func exists(_ canonicalName: String) -> Bool {
        (try? store.resolve(ImageStore.storeName(canonicalName))) != nil
    }
}
