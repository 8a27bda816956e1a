// `fsck` and `gc` of the image store. Both walk the graph of content from `index.json`:
// index → manifests (and nested indexes) → config and layers. fsck verifies every blob's
// bytes and every reference; gc deletes what the walk does not reach and no running
// build pins (ContentLease.swift), and the temporary entries of processes that are gone
// (StoreOwnership.swift).

import OCISystem
import OCIValues

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif


/// What `ImageStore.fsck()` found.
package struct FsckReport: Sendable {
    /// Inconsistencies: missing or corrupt blobs, malformed documents, broken references.
    package var problems: [String] = []
    /// Harmless findings, e.g. temporary files of interrupted writes (`gc` removes them).
    package var notes: [String] = []
    /// How many blob files were hashed.
    package var blobsVerified = 0
    /// How many descriptors were followed from `index.json`.
    package var referencesChecked = 0

    /// True when there are no problems (notes are allowed).
    package var isClean: Bool { problems.isEmpty }
}

/// What `ImageStore.gc()` removed.
package struct GCReport: Sendable {
    /// Blobs deleted because no image reaches them.
    package var removedBlobs: [Digest] = []
    /// Bytes freed by deleting them.
    package var freedBytes: Int64 = 0
    /// Temporary files of interrupted writes deleted.
    package var removedTemporaryFiles = 0
    /// Extracted layers deleted from the layer cache (their diff_id is no longer used).
    package var removedCachedLayers: [Digest] = []
    /// Scratch directories of builds and layer extractions whose process is gone.
    package var removedScratch = 0
    /// Unreferenced blobs kept because a running build pins them.
    package var keptForBuilds = 0
}

extension ImageStore {
    /// `ROOT/layers`: the extracted-layer cache, `layers/sha256/<diff_id hex>/`.
    package var layerCacheDirectory: String { "\(root)/layers" }

    /// Verifies the whole store: every blob's content against its name, every descriptor
    /// reachable from `index.json` (presence, size, media type, JSON documents, diff_ids
    /// pairing with layers). Takes the shared writer lock, so it never races `gc`.
    package func fsck() throws(StoreError) -> FsckReport {
        try withGCExclusion { () throws(StoreError) -> FsckReport in
            var report = FsckReport()
            // 1. Blobs: every file must be named by the digest of its content.
            let algorithms = try storeCall { () throws(NativeError) in try FileSystem.directoryEntries("\(root)/blobs") }
            for algorithm in algorithms where algorithm != "sha256" {
                report.notes.append("\(root)/blobs/\(algorithm): algorithm not verified by kolla-oci")
            }
            let names = try storeCall { () throws(NativeError) in try FileSystem.directoryEntries(blobDirectory) }
            for name in names {
                let path = "\(blobDirectory)/\(name)"
                guard let digest = try? Digest("sha256:\(name)") else {
                    report.problems.append("\(path): file name is not a sha256 digest")
                    continue
                }
                do throws(NativeError) {
                    guard try FileSystem.status(path)?.kind == .regular else {
                        report.problems.append("\(path): not a regular file")
                        continue
                    }
                    let (actual, _) = try Self.hashFile(path)
                    report.blobsVerified += 1
                    if actual != digest {
                        report.problems.append("\(path): content digest is \(actual)")
                    }
                } catch {
                    report.problems.append(error.description)
                }
            }
            // 2. References from index.json.
            do throws(StoreError) {
                let index = try readIndex()
                for entry in index.manifests {
                    let context = entry.refName.map { "image \($0)" } ?? "index.json entry \(entry.digest)"
                    walk(entry, context: context, problems: &report.problems) { _ in report.referencesChecked += 1 }
                }
            } catch {
                report.problems.append(error.description)
            }
            // 3. Interrupted writes leave temporary files; harmless.
            let leftovers = try temporaryFiles()
            if !leftovers.isEmpty {
                report.notes.append("\(ingestDirectory): \(leftovers.count) temporary file(s) of interrupted writes "
                                    + "(kolla-oci gc removes them)")
            }
            return report
        }
    }

    /// Deletes every blob no image reaches and no running build pins, cached extracted
    /// layers whose diff_id neither an image nor a running build uses, and the temporary
    /// files and scratch directories of processes that are gone. Never waits for a build;
    /// waits only for writers in the middle of storing blobs or naming an image (exclusive
    /// `gc.lock`), calling `waiting` first when it has to. Refuses to delete anything when
    /// a reachable manifest, index or config (or a lease) cannot be read, since its
    /// references would be unknown.
    package func gc(waiting: (() -> Void)? = nil) throws(StoreError) -> GCReport {
        let lock = try storeCall { () throws(NativeError) in
            let fd = try FileDescriptor(path: "\(ingestDirectory)/gc.lock", flags: O_RDWR | O_CREAT, mode: 0o644)
            if try !fd.lock(exclusive: true, wait: false) {
                waiting?()
                try fd.lock(exclusive: true)
            }
            return fd
        }
        defer { withExtendedLifetime(lock) {} }

        var reachable = Set<Digest>()
        var diffIDs = Set<Digest>()
        var problems: [String] = []
        for entry in try readIndex().manifests {
            walk(entry, context: entry.refName ?? entry.digest.description, problems: &problems) { descriptor in
                reachable.insert(descriptor.digest)
                if descriptor.mediaType.isConfig,
                   let config = try? readJSON(ImageConfig.self, descriptor) {
                    diffIDs.formUnion(config.rootfs.diffIDs)
                }
            }
        }
        // Missing layer blobs are fine to leave missing; unreadable documents are not.
        let blocking = problems.filter { !$0.contains("is missing") }
        if let first = blocking.first {
            throw .invalidLayout(path: root, reason: "gc refused, run kolla-oci fsck: \(first)")
        }

        // Under the exclusive lock no pin is being added: these are all the live ones.
        let pins = try ContentLease.livePins(in: self)

        var report = GCReport()
        let leftovers = try temporaryFiles()
        report.removedScratch = removeStaleScratch()
        try storeCall { () throws(NativeError) in
            for name in try FileSystem.directoryEntries(blobDirectory) {
                guard let digest = try? Digest("sha256:\(name)"), !reachable.contains(digest) else { continue }
                if pins.blobs.contains(digest) {
                    report.keptForBuilds += 1
                    continue
                }
                let path = "\(blobDirectory)/\(name)"
                report.freedBytes += try FileSystem.status(path)?.size ?? 0
                try FileSystem.removeFile(path)
                report.removedBlobs.append(digest)
            }
            for path in leftovers {
                try FileSystem.removeFile(path)
                report.removedTemporaryFiles += 1
            }
            let cache = "\(layerCacheDirectory)/sha256"
            if try FileSystem.status(cache)?.kind == .directory {
                for name in try FileSystem.directoryEntries(cache) {
                    // Layers no image and no running build uses; extractions in progress
                    // (`tmp-*`) were swept above by owner.
                    guard let digest = try? Digest("sha256:\(name)"), !diffIDs.contains(digest),
                          !pins.layers.contains(digest) else { continue }
                    try FileSystem.removeTree("\(cache)/\(name)")
                    report.removedCachedLayers.append(digest)
                }
            }
            if !report.removedBlobs.isEmpty { try FileSystem.syncDirectory(blobDirectory) }
        }
        return report
    }

    /// Paths of temporary files in `ingest/` whose writer is gone (not the lock files, not
    /// a running process's files).
    private func temporaryFiles() throws(StoreError) -> [String] {
        try storeCall { () throws(NativeError) in
            try FileSystem.directoryEntries(ingestDirectory).filter { name in
                guard name.hasPrefix("tmp-") else { return false }
                guard let owner = StoreOwner.token(inName: name, prefix: "tmp-") else { return true }
                return !StoreOwner.isLive(owner, storeRoot: root)
            }.map { "\(ingestDirectory)/\($0)" }
        }
    }

    /// Removes the build scratch and unfinished layer extractions of processes that are
    /// gone (a build killed by SIGKILL or a crash); a running process's are kept. Returns
    /// how many were removed. The start of every build calls it; `gc` does the same.
    @discardableResult
    package func removeStaleScratch() -> Int {
        // `step.XXXXXX`: scratch of kolla-oci versions before owner tokens.
        let removed = StoreOwner.sweep("\(ingestDirectory)/build", prefix: "step-", legacyPrefix: "step.", storeRoot: root)
            + StoreOwner.sweep("\(layerCacheDirectory)/sha256", prefix: "tmp-", storeRoot: root)
        StoreOwner.sweep(leaseDirectory, prefix: "lease-", storeRoot: root)
        StoreOwner.sweepOwners(storeRoot: root)
        return removed
    }

    /// Follows `descriptor` and everything it references, calling `visit` for each
    /// descriptor whose blob is present with the right size; appends a line per broken
    /// reference to `problems`.
    func walk(_ descriptor: Descriptor, context: String, problems: inout [String],
              visit: (Descriptor) -> Void) {
        let path = blobPath(descriptor.digest)
        guard let info = try? FileSystem.status(path), info.kind == .regular else {
            problems.append("\(context): blob \(descriptor.digest) (\(descriptor.mediaType)) is missing")
            return
        }
        guard info.size == descriptor.size else {
            problems.append("\(context): \(path) has \(info.size) bytes, descriptor says \(descriptor.size)")
            return
        }
        visit(descriptor)
        do throws(StoreError) {
            if descriptor.mediaType.isIndex {
                let index = try readJSON(Index.self, descriptor)
                for entry in index.manifests {
                    walk(entry, context: "\(context) > \(entry.digest)", problems: &problems, visit: visit)
                }
            } else if descriptor.mediaType.isManifest {
                let manifest = try readJSON(Manifest.self, descriptor)
                if let declared = manifest.mediaType, declared != descriptor.mediaType {
                    problems.append("\(context): manifest \(descriptor.digest) declares \(declared), "
                                    + "descriptor says \(descriptor.mediaType)")
                }
                walk(manifest.config, context: "\(context) config", problems: &problems, visit: visit)
                for layer in manifest.layers {
                    walk(layer, context: "\(context) layer", problems: &problems, visit: visit)
                }
                if manifest.config.mediaType.isConfig {
                    let config = try readJSON(ImageConfig.self, manifest.config)
                    if config.rootfs.diffIDs.count != manifest.layers.count {
                        problems.append("\(context): config has \(config.rootfs.diffIDs.count) diff_ids "
                                        + "for \(manifest.layers.count) layers")
                    }
                }
            }
        } catch {
            problems.append("\(context): \(error)")
        }
    }
}
