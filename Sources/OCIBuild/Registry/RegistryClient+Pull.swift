// Pull (distribution-spec "Pulling manifests", "Pulling blobs"; oci-and-registries.md §5):
//
// 1. GET the manifest with an `Accept` of both families; hash the exact bytes (a digest
//    reference must match); an index or manifest list selects the platform's entry, which
//    is fetched by digest and must match it.
// 2. GET config and layers the store lacks, several at once, each streamed into a store
//    ingest file and committed only when its size and digest are right, so a corrupt or
//    cut download never becomes visible. A bad download is retried with a fresh file.
// 3. Store the manifest's exact bytes (never re-encoded) and name the image — all under
//    the store's write lease, so `gc` cannot drop blobs before the name exists.
//
// Only the chosen platform's manifest is stored (as buildah and podman do): an index
// whose other platforms' blobs are absent would not pass `fsck`.

import Foundation
import OCIStore
import OCISystem
import OCIValues
import Synchronization

extension RegistryClient {
    /// Pulls `reference` (the `platform` image of an index) into `store` and names it
    /// `name` there.
    ///
    /// - Returns: the stored manifest's descriptor, as `index.json` names it.
    /// - Throws: `RegistryError` (`.manifestNotFound` when the registry has no such image).
    package func pull(_ reference: Reference, into store: ImageStore, name: String,
                      platform: Platform = .host) throws -> Descriptor {
        let session = try RegistrySession(client: self)
        var fetched = try fetchManifest(session, reference: reference, target: Self.manifestTarget(reference))
        var depth = 0
        while fetched.mediaType.isIndex {
            depth += 1
            guard depth <= 4 else {
                throw RegistryError.invalidResponse(operation: "pull \(reference)", url: RegistryURL.redacted(fetched.url),
                                                    reason: "indexes nested more than 4 deep")
            }
            let index: Index
            do { index = try CanonicalJSON.decode(Index.self, from: fetched.bytes, what: "index \(fetched.digest)") } catch {
                throw RegistryError.invalidResponse(operation: "pull \(reference)",
                                                    url: RegistryURL.redacted(fetched.url), reason: error.description)
            }
            let entry = try Self.select(platform, from: index, reference: reference)
            fetched = try fetchManifest(session, reference: reference, target: entry.digest.description)
            if !fetched.mediaType.isManifest && !fetched.mediaType.isIndex { fetched.mediaType = entry.mediaType }
        }
        guard fetched.mediaType.isManifest else {
            throw RegistryError.unsupportedMediaType(reference: reference.description, mediaType: fetched.mediaType.rawValue)
        }
        let manifest: Manifest
        do {
            manifest = try CanonicalJSON.decode(Manifest.self, from: fetched.bytes, what: "manifest \(fetched.digest)")
        } catch {
            throw RegistryError.invalidResponse(operation: "pull \(reference)", url: RegistryURL.redacted(fetched.url),
                                                reason: error.description)
        }
        var seen = Set<Digest>()
        let blobs = ([manifest.config] + manifest.layers).filter { seen.insert($0.digest).inserted }
        let missing = blobs.filter { !store.hasBlob($0.digest) }
        loadLocations(from: store)

        var descriptor = fetched.descriptor
        try store.withWriteLease {
            let downloaded = Mutex<Int>(0)
            try BlobWorkers.run(count: missing.count, width: options.maxConcurrentBlobs, registry: reference.registry, client: self,
                                session: session) { index, worker throws(RegistryError) in
                let blob = missing[index]
                try self.downloadBlob(blob, reference: reference, into: store, session: worker)
                downloaded.withLock { $0 += 1 }
            }
            for blob in blobs where !missing.contains(blob) {
                options.progress?("\(Self.short(blob.digest)): already in the store")
            }
            let stored = try store.putBlob(fetched.bytes, mediaType: fetched.mediaType)
            guard stored.digest == fetched.digest else {
                throw RegistryError.digestMismatch(operation: "store manifest", url: store.blobPath(stored.digest),
                                                   expected: fetched.digest, actual: stored.digest)
            }
            descriptor = stored
            try store.tag(name, stored)
        }
        options.progress?("\(Self.short(descriptor.digest)): manifest stored as \(name)")
        recordLocations(blobs.map(\.digest), registry: reference.registry, repository: reference.repository)
        saveLocations(blobs.map(\.digest), to: store)
        return descriptor
    }

    /// The index entry for `platform`, or a `noMatchingPlatform` error listing what the
    /// index has.
    static func select(_ platform: Platform, from index: Index, reference: Reference) throws(RegistryError) -> Descriptor {
        if let entry = index.manifest(for: platform) { return entry }
        // A nested index for the platform (rare) is followed too.
        if let nested = index.manifests.first(where: { $0.mediaType.isIndex && ($0.platform?.satisfies(platform) ?? false) }) {
            return nested
        }
        let available = index.manifests.compactMap { entry in
            entry.platform.map { [$0.os, $0.architecture, $0.variant].compactMap { $0 }.joined(separator: "/") }
        }
        let wanted = [platform.os, platform.architecture, platform.variant].compactMap { $0 }.joined(separator: "/")
        throw .noMatchingPlatform(reference: reference.description, wanted: wanted, available: available)
    }

    /// Downloads blob `blob` of `reference`'s repository into `store`, verified; retries
    /// transient failures and corrupt content with a fresh ingest file each time.
    func downloadBlob(_ blob: Descriptor, reference: Reference, into store: ImageStore,
                      session: RegistrySession) throws(RegistryError) {
        let endpoint = try session.endpoint(reference.registry)
        let url = endpoint.url(reference.repository, "blobs/\(blob.digest)")
        let operation = "GET blob \(blob.digest)"
        var budget = RetryBudget(options, within: session.retryDeadline)
        var corrupt = 0
        let enclosing = session.retryDeadline
        defer { session.retryDeadline = enclosing }
        while true {
            let ingest: BlobIngest
            do { ingest = try store.startIngest() } catch { throw .store(error) }
            let sink = IngestSink(file: ingest.file, limit: blob.size)
            var request = RegistryRequest(operation: operation, method: "GET", url: url, registry: reference.registry,
                                          scopes: [.pull(reference.repository)])
            request.retry = false
            request.followRedirects = true
            request.sink = sink
            let failure: RegistryError
            do throws(RegistryError) {
                let response = try session.send(request)
                if response.status >= 500 || response.status == 429 {
                    guard !session.isCancelled, let delay = budget.next(retryAfter: response.http.header("Retry-After"))
                    else { throw response.failure(operation).withAttempts(budget) }
                    session.retryDeadline = budget.deadline
                    try session.pause(delay, operation: operation)
                    continue
                }
                guard response.status == 200 else { throw response.failure(operation).withAttempts(budget) }
                if sink.received != blob.size {
                    failure = .sizeMismatch(operation: operation, url: RegistryURL.redacted(response.url),
                                            expected: blob.size, actual: sink.received)
                } else {
                    do throws(StoreError) {
                        try store.commit(ingest, expected: blob.digest, expectedSize: blob.size)
                        options.progress?("\(Self.short(blob.digest)): downloaded \(Self.formatBytes(blob.size))")
                        return
                    } catch {
                        guard case .digestMismatch(_, let expected, let actual) = error else { throw .store(error) }
                        failure = .digestMismatch(operation: operation, url: RegistryURL.redacted(response.url),
                                                  expected: expected, actual: actual)
                    }
                }
            } catch {
                if let stored = sink.failure { throw .store(stored) }
                if sink.received > blob.size {
                    // The sink stopped a body longer than the descriptor says.
                    failure = .sizeMismatch(operation: operation, url: RegistryURL.redacted(url),
                                            expected: blob.size, actual: sink.received)
                } else {
                    guard error.isTransient, !session.isCancelled else { throw error.withAttempts(budget) }
                    // A reset or truncated body: the partial file goes with `ingest`.
                    failure = error
                }
            }
            // Cut or corrupt content (a reset, a bad proxy, a flaky link): fetch again while allowed.
            // Content that keeps arriving wrong is not a registry coming back: it gets a few
            // tries, not the whole time budget.
            if case .digestMismatch = failure { corrupt += 1 }
            if case .sizeMismatch = failure { corrupt += 1 }
            guard !session.isCancelled, corrupt <= RetryBudget.corruptionRetries(options),
                  let delay = budget.next() else { throw failure.withAttempts(budget) }
            session.retryDeadline = budget.deadline
            options.trace?("\(failure)")
            try session.pause(delay, operation: operation)
        }
    }

    /// `sha256:0123456789ab` for progress lines.
    static func short(_ digest: Digest) -> String {
        "\(digest.algorithm.rawValue):\(digest.encoded.prefix(12))"
    }

    /// `12.3 MiB`.
    static func formatBytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }
}

/// Writes a downloaded blob into a store ingest file, refusing more bytes than expected
/// (a body longer than its descriptor is wrong, and must not fill the disk).
final class IngestSink: HTTPResponseSink {
    private let file: FileDescriptor
    private let limit: Int64
    /// Bytes written so far.
    private(set) var received: Int64 = 0
    /// Why the sink stopped the transfer, if it did.
    private(set) var failure: StoreError?

    init(file: FileDescriptor, limit: Int64) {
        self.file = file
        self.limit = limit
    }

    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard received + Int64(bytes.count) <= limit else {
            received += Int64(bytes.count)
            return false
        }
        do {
            try file.write(bytes)
        } catch {
            failure = .native(error)
            return false
        }
        received += Int64(bytes.count)
        return true
    }
}
