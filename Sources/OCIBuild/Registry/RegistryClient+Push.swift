// Push (distribution-spec "Pushing blobs", "Pushing manifests"; oci-and-registries.md §5):
// blobs first, several at once, then manifests children-first, the named one last — so a
// failed push never leaves a manifest whose blobs are missing (pitfall 8).
//
// Per blob:
// 1. `HEAD /v2/<name>/blobs/<digest>`: 200 → skip (no `Docker-Content-Digest` required).
// 2. Known in another repository of the same registry (this run, or the store's
//    blob-location file): `POST …/uploads/?mount=<d>&from=<repo>` — 201 mounted; 202 is an
//    ordinary upload session (distribution opens one when it cannot mount), used as is.
//    Otherwise `POST …/uploads/` → 202 + `Location`.
// 3. Monolithic `PUT <Location>&digest=<d>` with the blob (the default), or chunked
//    `PATCH <Location>` with `Content-Range` per chunk (always to the newest Location;
//    after a failed PATCH the upload's offset is asked with `GET <Location>` and the upload
//    resumes there) and a closing `PUT <Location>&digest=<d>`.
// 4. Any failure of 3 cancels the session (`DELETE`, best effort) and restarts from a
//    fresh `POST` within the blob's retry budget (`RetryBudget`), so a retried upload
//    always starts clean — also when a registry restart lost the session.
// A mount the registry answers with 404 `BLOB_UNKNOWN` (the source lost the blob) falls
// back to the next source or a plain upload.
//
// A `HEAD` can answer 200 for a blob the registry no longer has (a garbage collector ran
// right after, a caching proxy answered from a stale cache). The manifest `PUT` then fails
// with `MANIFEST_BLOB_UNKNOWN`: the blobs it names (else every blob the manifest
// references that a new `HEAD` does not find, else all of them) are uploaded without
// asking `HEAD` again, and the manifest is put once more. A second refusal is an error
// naming the blobs.
//
// The token scopes: `pull,push` on the target, `pull` on a mount source.

import Foundation
import OCIStore
import OCISystem
import OCIValues
import Synchronization

extension RegistryClient {
    /// Pushes the image `manifest` (a manifest or an index, with everything it references)
    /// from `store` to `reference` (its tag, or its digest when it names only one).
    ///
    /// - Throws: `RegistryError`; nothing is named on the registry unless every blob is there.
    package func push(store: ImageStore, manifest: Descriptor, to reference: Reference) throws -> PushReport {
        let closure = try store.closure(of: manifest, name: reference.description)
        let manifests = closure.filter { $0.mediaType.isManifest || $0.mediaType.isIndex }
        let blobs = closure.filter { !($0.mediaType.isManifest || $0.mediaType.isIndex) }
        let session = try RegistrySession(client: self)
        _ = try session.endpoint(reference.registry)
        loadLocations(from: store)

        let report = Mutex(PushReport(manifestDigest: manifest.digest))
        let skipped = Mutex(Set<Digest>())
        try BlobWorkers.run(count: blobs.count, width: options.maxConcurrentBlobs, registry: reference.registry, client: self,
                            session: session) { index, worker throws(RegistryError) in
            let outcome = try self.pushBlob(blobs[index], store: store, to: reference, session: worker)
            if case .skipped = outcome { skipped.withLock { _ = $0.insert(blobs[index].digest) } }
            report.withLock { $0.count(outcome) }
        }
        recordLocations(blobs.map(\.digest), registry: reference.registry, repository: reference.repository)
        saveLocations(blobs.map(\.digest), to: store)

        // Children before parents: the closure lists parents first.
        for child in manifests.reversed() where child.digest != manifest.digest {
            try putManifestRepairing(child, store: store, reference: reference, target: child.digest.description,
                                     session: session, report: report, skipped: skipped)
        }
        let target = reference.tag ?? reference.digest?.description ?? Reference.defaultTag
        if let wanted = reference.digest, wanted != manifest.digest {
            throw RegistryError.digestMismatch(operation: "push \(reference)", url: store.blobPath(manifest.digest),
                                               expected: wanted, actual: manifest.digest)
        }
        try putManifestRepairing(manifest, store: store, reference: reference, target: target, session: session,
                                 report: report, skipped: skipped)
        return report.withLock { $0 }
    }

    /// `putManifest`, and when the registry refuses it for blobs it lacks
    /// (`MANIFEST_BLOB_UNKNOWN`, after a `HEAD` said they were there): uploads those blobs
    /// again and puts the manifest once more.
    private func putManifestRepairing(_ descriptor: Descriptor, store: ImageStore, reference: Reference,
                                      target: String, session: RegistrySession,
                                      report: borrowing Mutex<PushReport>,
                                      skipped: borrowing Mutex<Set<Digest>>) throws(RegistryError) {
        let named: [Digest]
        do throws(RegistryError) {
            try putManifest(descriptor, store: store, reference: reference, target: target, session: session)
            return
        } catch {
            guard let digests = Self.missingBlobs(error) else { throw error }
            named = digests
        }
        var seen = Set<Digest>()
        let referenced = try referencedDescriptors(of: descriptor, store: store).filter { seen.insert($0.digest).inserted }
        var lacking = referenced.filter { named.contains($0.digest) }
        if lacking.isEmpty {
            // Nothing named (or nothing we know): ask again, and when every HEAD still says
            // yes, trust none of them.
            for child in referenced where !(child.mediaType.isManifest || child.mediaType.isIndex) {
                if try !blobExists(child, reference: reference, session: session) { lacking.append(child) }
            }
            if lacking.isEmpty { lacking = referenced }
        }
        options.progress?("\(Self.short(descriptor.digest)): \(reference.repository) lacks \(lacking.count) blob(s) "
                          + "after all (MANIFEST_BLOB_UNKNOWN); uploading them again")
        for child in lacking {
            if child.mediaType.isManifest || child.mediaType.isIndex {
                try putManifest(child, store: store, reference: reference, target: child.digest.description,
                                session: session)
                continue
            }
            let outcome = try pushBlob(child, store: store, to: reference, session: session, checkFirst: false)
            // A blob first counted as skipped is counted by what happened now instead.
            let wasSkipped = skipped.withLock { $0.remove(child.digest) != nil }
            report.withLock { report in
                if wasSkipped { report.blobsSkipped -= 1 }
                report.count(outcome)
            }
        }
        do throws(RegistryError) {
            try putManifest(descriptor, store: store, reference: reference, target: target, session: session)
        } catch {
            guard let digests = Self.missingBlobs(error) else { throw error }
            let endpoint = try session.endpoint(reference.registry)
            throw .manifestBlobsMissing(operation: "PUT manifest \(reference.name):\(target)",
                                        url: RegistryURL.redacted(endpoint.url(reference.repository, "manifests/\(target)")),
                                        digests: digests.isEmpty ? lacking.map(\.digest) : digests)
        }
    }

    /// The digests a `MANIFEST_BLOB_UNKNOWN` refusal names (possibly none), or nil when
    /// `error` is another failure.
    static func missingBlobs(_ error: RegistryError) -> [Digest]? {
        guard case .http(_, _, let status, let errors, _, _) = error, status == 400 || status == 404,
              errors.contains(where: { $0.code == "MANIFEST_BLOB_UNKNOWN" || $0.code == "BLOB_UNKNOWN" })
        else { return nil }
        return errors.filter { $0.code == "MANIFEST_BLOB_UNKNOWN" || $0.code == "BLOB_UNKNOWN" }.flatMap(\.digests)
    }

    /// What the manifest or index `descriptor` points at: config and layers, or manifests.
    private func referencedDescriptors(of descriptor: Descriptor,
                                       store: ImageStore) throws(RegistryError) -> [Descriptor] {
        do {
            if descriptor.mediaType.isIndex { return try store.readJSON(Index.self, descriptor).manifests }
            let manifest = try store.readJSON(Manifest.self, descriptor)
            return [manifest.config] + manifest.layers
        } catch {
            throw .store(error)
        }
    }

    /// `HEAD /v2/<name>/blobs/<digest>`: whether the repository has `blob`.
    private func blobExists(_ blob: Descriptor, reference: Reference,
                            session: RegistrySession) throws(RegistryError) -> Bool {
        let endpoint = try session.endpoint(reference.registry)
        let operation = "HEAD blob \(blob.digest)"
        let head = try session.send(RegistryRequest(
            operation: operation, method: "HEAD", url: endpoint.url(reference.repository, "blobs/\(blob.digest)"),
            registry: reference.registry, scopes: [.push(reference.repository)]))
        if head.status == 200 { return true }
        guard head.status == 404 else { throw head.failure(operation) }
        return false
    }

    /// What happened to one blob.
    enum BlobOutcome {
        case skipped
        case mounted
        case uploaded(Int64)
    }

    /// Makes blob `blob` exist in `reference`'s repository; `checkFirst: false` uploads
    /// it without asking `HEAD` first (the registry said it lacks the blob).
    func pushBlob(_ blob: Descriptor, store: ImageStore, to reference: Reference,
                  session: RegistrySession, checkFirst: Bool = true) throws(RegistryError) -> BlobOutcome {
        let endpoint = try session.endpoint(reference.registry)
        let repository = reference.repository
        let short = Self.short(blob.digest)

        if checkFirst, try blobExists(blob, reference: reference, session: session) {
            options.progress?("\(short): already in \(repository)")
            return .skipped
        }

        let path = store.blobPath(blob.digest)
        guard (try? FileSystem.status(path))??.size == blob.size else {
            throw RegistryError.store(.blobNotFound(blob.digest, path: path))
        }
        var sources = knownLocations(of: blob.digest, registry: reference.registry, except: repository)
        var budget = RetryBudget(options, within: session.retryDeadline)
        var corrupt = 0
        let enclosing = session.retryDeadline
        defer { session.retryDeadline = enclosing }
        while true {
            // Start a session: mount from a known repository, else a plain upload.
            var location: String
            let source = sources.first
            if let source {
                sources.removeFirst()
                let start: String?
                do throws(RegistryError) {
                    start = try startUpload(endpoint, repository: repository, reference: reference,
                                            mount: blob.digest, from: source, session: session)
                } catch {
                    // The source lost the blob: try the next one, else upload.
                    guard Self.missingBlobs(error) != nil else { throw error }
                    options.trace?("mount of \(blob.digest) from \(source) refused: \(error)")
                    continue
                }
                guard let started = start else {
                    options.progress?("\(short): mounted from \(source)")
                    return .mounted
                }
                location = started
            } else {
                location = try startUpload(endpoint, repository: repository, reference: reference, mount: nil,
                                           from: nil, session: session)!
            }
            do throws(RegistryError) {
                try upload(blob, path: path, location: &location, reference: reference, session: session)
                options.progress?("\(short): uploaded \(Self.formatBytes(blob.size))")
                return .uploaded(blob.size)
            } catch {
                cancelUpload(location, reference: reference, session: session)
                // Bytes damaged on the way again and again get a few tries, not the whole budget.
                if Self.damaged(error) { corrupt += 1 }
                guard Self.restartable(error), !session.isCancelled, corrupt <= RetryBudget.corruptionRetries(options),
                      let delay = budget.next() else {
                    throw error.withAttempts(budget)
                }
                // The restarted upload's requests retry no longer than the upload may.
                session.retryDeadline = budget.deadline
                options.trace?("restarting upload of \(blob.digest): \(error)")
                try session.pause(delay, operation: "upload blob \(blob.digest)")
            }
        }
    }

    /// True for upload failures worth a fresh upload: transient ones, and the registry
    /// losing or rejecting the session or the content (the local blob is verified, so a
    /// digest complaint means the bytes were damaged on the way).
    static func restartable(_ error: RegistryError) -> Bool {
        if error.isTransient { return true }
        if case .http(_, _, let status, let errors, _, _) = error {
            if status == 404 || status == 416 { return true }
            let codes = Set(errors.map(\.code))
            return !codes.isDisjoint(with: ["DIGEST_INVALID", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "SIZE_INVALID"])
        }
        return false
    }

    /// True when the registry says the bytes it received are not the blob's (or echoed
    /// another digest): damage on the way, not a lost session.
    static func damaged(_ error: RegistryError) -> Bool {
        switch error {
        case .digestMismatch, .sizeMismatch: return true
        case .http(_, _, _, let errors, _, _):
            return errors.contains { $0.code == "DIGEST_INVALID" || $0.code == "SIZE_INVALID" }
        default: return false
        }
    }

    /// `POST /v2/<repo>/blobs/uploads/` (with `mount`/`from` when mounting). Returns the
    /// upload `Location`, or nil when the blob was mounted (201).
    private func startUpload(_ endpoint: RegistryEndpoint, repository: String, reference: Reference,
                             mount digest: Digest?, from source: String?,
                             session: RegistrySession) throws(RegistryError) -> String? {
        var url = endpoint.url(repository, "blobs/uploads/")
        var scopes: [AuthScope] = [.push(repository)]
        var operation = "POST blob upload"
        if let digest, let source {
            url = RegistryURL.appendingQuery(url, "mount", digest.description)
            url = RegistryURL.appendingQuery(url, "from", source)
            scopes.append(.pull(source))
            operation = "POST blob mount \(digest) from \(source)"
        }
        var request = RegistryRequest(operation: operation, method: "POST", url: url, registry: reference.registry,
                                      scopes: scopes)
        request.body = .bytes([])
        let response = try session.send(request)
        if response.status == 201, digest != nil { return nil }
        guard response.status == 202 else { throw response.failure(operation) }
        guard let location = response.http.header("Location"), !location.isEmpty else {
            throw RegistryError.invalidResponse(operation: operation, url: RegistryURL.redacted(url),
                                                reason: "202 without a Location header")
        }
        return RegistryURL.resolve(location, against: response.url)
    }

    /// Sends the blob into the upload session at `location` (updated to the newest one).
    private func upload(_ blob: Descriptor, path: String, location: inout String, reference: Reference,
                        session: RegistrySession) throws(RegistryError) {
        let scopes: [AuthScope] = [.push(reference.repository)]
        let octets = HTTPHeader("Content-Type", "application/octet-stream")
        var offset: Int64 = 0
        if let chunk = options.chunkSize, chunk > 0, blob.size > chunk {
            // Chunked: PATCH pieces, each to the newest Location.
            var budget = RetryBudget(options, within: session.retryDeadline)
            while offset < blob.size {
                let length = min(chunk, blob.size - offset)
                var request = RegistryRequest(
                    operation: "PATCH blob upload \(blob.digest)", method: "PATCH", url: location,
                    registry: reference.registry, scopes: scopes,
                    headers: [octets, HTTPHeader("Content-Range", "\(offset)-\(offset + length - 1)")])
                request.body = .file(path: path, offset: offset, length: length)
                request.retry = false
                // Anything but 202 (416 out of order, 5xx/429, a reset) counts as a failure;
                // the upload then resumes where the registry says it stands.
                var retryAfter: String?
                let failure: RegistryError
                do throws(RegistryError) {
                    let response = try session.send(request)
                    if response.status == 202 {
                        if let next = response.http.header("Location") {
                            location = RegistryURL.resolve(next, against: response.url)
                        }
                        offset += length
                        continue
                    }
                    guard response.status == 416 || response.status >= 500 || response.status == 429 else {
                        throw response.failure(request.operation).withAttempts(budget)
                    }
                    retryAfter = response.http.header("Retry-After")
                    failure = response.failure(request.operation)
                } catch let error where error.isTransient && !session.isCancelled {
                    retryAfter = nil
                    failure = error
                }
                guard let delay = budget.next(retryAfter: retryAfter) else { throw failure.withAttempts(budget) }
                try session.pause(delay, operation: request.operation)
                offset = try uploadOffset(location: &location, reference: reference, session: session)
                guard offset <= blob.size else {
                    throw RegistryError.invalidResponse(operation: request.operation, url: RegistryURL.redacted(location),
                                                        reason: "the registry reports \(offset) bytes of \(blob.size)")
                }
            }
        }
        let operation = "PUT blob \(blob.digest)"
        var request = RegistryRequest(
            operation: operation, method: "PUT",
            url: RegistryURL.appendingQuery(location, "digest", blob.digest.description),
            registry: reference.registry, scopes: scopes, headers: [octets])
        request.body = offset == 0 ? .file(path: path, offset: 0, length: blob.size) : .bytes([])
        request.retry = false
        let response = try session.send(request)
        guard response.status == 201 || response.status == 204 else { throw response.failure(operation) }
        if let header = response.http.header("Docker-Content-Digest"), let echoed = try? Digest(header),
           echoed != blob.digest {
            throw RegistryError.digestMismatch(operation: operation, url: RegistryURL.redacted(response.url),
                                               expected: blob.digest, actual: echoed)
        }
    }

    /// `GET <location>` (204 + `Range: 0-<end>`): how many bytes the upload session holds.
    private func uploadOffset(location: inout String, reference: Reference,
                              session: RegistrySession) throws(RegistryError) -> Int64 {
        let operation = "GET blob upload status"
        let response = try session.send(RegistryRequest(
            operation: operation, method: "GET", url: location, registry: reference.registry,
            scopes: [.push(reference.repository)]))
        guard response.status == 204 || response.status == 200 else { throw response.failure(operation) }
        if let next = response.http.header("Location") { location = RegistryURL.resolve(next, against: response.url) }
        guard let range = response.http.header("Range") else { return 0 }
        // `0-<end>` (inclusive); distribution answers `0-0` for an empty session.
        let parts = range.replacingOccurrences(of: "bytes=", with: "").split(separator: "-")
        guard parts.count == 2, let end = Int64(parts[1]) else { return 0 }
        return end == 0 ? 0 : end + 1
    }

    /// `DELETE <location>`: abandons an upload session; failures are ignored.
    private func cancelUpload(_ location: String, reference: Reference, session: RegistrySession) {
        var request = RegistryRequest(operation: "DELETE blob upload", method: "DELETE", url: location,
                                      registry: reference.registry, scopes: [.push(reference.repository)])
        request.retry = false
        _ = try? session.send(request)
    }

    /// `PUT /v2/<name>/manifests/<target>` with the manifest's exact stored bytes and its
    /// media type as `Content-Type`; checks the digest the registry echoes.
    private func putManifest(_ descriptor: Descriptor, store: ImageStore, reference: Reference, target: String,
                             session: RegistrySession) throws(RegistryError) {
        let bytes: [UInt8]
        do { bytes = try store.readBlob(descriptor.digest, expectedSize: descriptor.size) } catch { throw .store(error) }
        let endpoint = try session.endpoint(reference.registry)
        let url = endpoint.url(reference.repository, "manifests/\(target)")
        let operation = "PUT manifest \(reference.name):\(target)"
        var request = RegistryRequest(operation: operation, method: "PUT", url: url, registry: reference.registry,
                                      scopes: [.push(reference.repository)],
                                      headers: [HTTPHeader("Content-Type", descriptor.mediaType.rawValue)])
        request.body = .bytes(bytes)
        let response = try session.send(request)
        guard response.status == 201 || response.status == 200 || response.status == 202 else {
            throw response.failure(operation)
        }
        if let header = response.http.header("Docker-Content-Digest"), let echoed = try? Digest(header),
           echoed.algorithm == descriptor.digest.algorithm, echoed != descriptor.digest {
            throw RegistryError.digestMismatch(operation: operation, url: RegistryURL.redacted(url),
                                               expected: descriptor.digest, actual: echoed)
        }
        options.progress?("\(Self.short(descriptor.digest)): manifest pushed as \(reference.name):\(target)")
    }
}

extension PushReport {
    /// Counts what happened to one blob.
    mutating func count(_ outcome: RegistryClient.BlobOutcome) {
        switch outcome {
        case .skipped: blobsSkipped += 1
        case .mounted: blobsMounted += 1
        case .uploaded(let bytes):
            blobsUploaded += 1
            bytesUploaded += bytes
        }
    }
}
