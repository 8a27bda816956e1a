// A running build's claim on store content that no image may reference yet (its new
// layers before the image is named, the extracted layers its RUN steps use as overlay
// lower directories, a base image someone untags meanwhile). `gc` keeps whatever a live
// lease pins, so it can run at any time without breaking a build (buildah and podman
// promise the same for their storage).
//
// A lease is a file `ROOT/ingest/leases/lease-<owner token>-<random>` listing pinned
// content, one line each: `blob sha256:…` (a blob) or `layer sha256:…` (the extracted
// layer directory with that diff_id). It is live while it exists and its owner process
// runs (see StoreOwnership.swift): releasing deletes it, a killed owner leaves a dead
// lease that `gc` ignores and removes.
//
// Ordering with gc: a pin is appended under the shared `ingest/gc.lock`, which gc holds
// exclusively from reading the leases until it has deleted, so each pin is either seen by
// gc or made after gc finished. Pin first, then check that the content is (still) there.

import OCISystem
import OCIValues
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif


/// Content pinned against `ImageStore.gc` for as long as the lease is held.
package final class ContentLease: Sendable {
    /// The store whose content is pinned.
    package let store: ImageStore
    /// The lease file.
    package let path: String

    private struct Pins {
        var blobs: Set<Digest> = []
        var layers: Set<Digest> = []
        var released = false
    }

    private let pins = Mutex(Pins())

    /// Takes a new, empty lease in `store`.
    package init(store: ImageStore) throws(StoreError) {
        self.store = store
        path = try storeCall { () throws(NativeError) in
            try StoreOwner.claim(storeRoot: store.root)
            let directory = store.leaseDirectory
            try FileSystem.createDirectory(directory)
            var generator = SystemRandomNumberGenerator()
            let name = "\(directory)/lease-\(StoreOwner.token)-\(String(generator.next(), radix: 16))"
            return try ScratchRegistry.create { () throws(NativeError) -> String in
                _ = try FileDescriptor(path: name, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
                return name
            }
        }
    }

    deinit { release() }

    /// Pins blobs and extracted layers (by diff_id). Waits while `gc` runs.
    package func pin(blobs: [Digest] = [], layers: [Digest] = []) throws(StoreError) {
        try pins.withLock { (pins) throws(StoreError) in
            guard !pins.released else { return }
            var lines = ""
            for digest in blobs where pins.blobs.insert(digest).inserted { lines += "blob \(digest)\n" }
            for digest in layers where pins.layers.insert(digest).inserted { lines += "layer \(digest)\n" }
            if lines.isEmpty { return }
            try store.withGCExclusion { () throws(StoreError) in
                try storeCall { () throws(NativeError) in
                    let file = try FileDescriptor(path: path, flags: O_WRONLY | O_APPEND)
                    try file.write(Array(lines.utf8))
                }
            }
        }
    }

    /// What the lease pins now.
    package var pinned: (blobs: Set<Digest>, layers: Set<Digest>) {
        pins.withLock { ($0.blobs, $0.layers) }
    }

    /// Ends the lease: gc may collect what only it pinned. Idempotent.
    package func release() {
        let first = pins.withLock { pins -> Bool in
            defer { pins.released = true }
            return !pins.released
        }
        if first { ScratchRegistry.remove(path) }
    }

    /// The pins of every live lease in `store` (dead leases are removed).
    static func livePins(in store: ImageStore) throws(StoreError) -> (blobs: Set<Digest>, layers: Set<Digest>) {
        var blobs = Set<Digest>()
        var layers = Set<Digest>()
        let directory = store.leaseDirectory
        guard try storeCall({ () throws(NativeError) in try FileSystem.status(directory) }) != nil else { return ([], []) }
        let names = try storeCall { () throws(NativeError) in try FileSystem.directoryEntries(directory) }
        for name in names where name.hasPrefix("lease-") {
            let path = "\(directory)/\(name)"
            guard let owner = StoreOwner.token(inName: name, prefix: "lease-"),
                  StoreOwner.isLive(owner, storeRoot: store.root) else {
                try? FileSystem.removeFile(path)
                continue
            }
            let bytes: [UInt8]
            do throws(NativeError) {
                bytes = try FileSystem.readFile(path)
            } catch {
                // Released between listing and reading.
                if error.code == Int(ENOENT) { continue }
                throw .native(error)
            }
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                let fields = line.split(separator: " ", maxSplits: 1)
                guard fields.count == 2, let digest = try? Digest(String(fields[1])) else {
                    // Unreadable pins: gc cannot know what the build needs.
                    throw .invalidLayout(path: path, reason: "gc refused: malformed lease line \"\(line)\"")
                }
                if fields[0] == "blob" { blobs.insert(digest) } else { layers.insert(digest) }
            }
        }
        return (blobs, layers)
    }
}

extension ImageStore {
    /// `ROOT/ingest/leases`: the files of `ContentLease`s.
    package var leaseDirectory: String { "\(ingestDirectory)/leases" }

    /// Runs `body` holding the shared `ingest/gc.lock`: gc is not running meanwhile.
    func withGCExclusion<Result>(_ body: () throws(StoreError) -> Result) throws(StoreError) -> Result {
        let lock = try storeCall { () throws(NativeError) in
            let fd = try FileDescriptor(path: "\(ingestDirectory)/gc.lock", flags: O_RDWR | O_CREAT, mode: 0o644)
            try fd.lock(exclusive: false)
            return fd
        }
        defer { withExtendedLifetime(lock) {} }
        return try body()
    }
}
