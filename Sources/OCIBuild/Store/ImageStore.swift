// The content store. It *is* an OCI image layout (image-spec v1.1, image-layout.md), so
// skopeo (`oci:ROOT:NAME`) and umoci read it directly:
//
//     ROOT/oci-layout          {"imageLayoutVersion":"1.0.0"}
//     ROOT/index.json          an image index; each named image is one entry annotated
//                              org.opencontainers.image.ref.name = NAME
//     ROOT/blobs/sha256/<hex>  content, named by digest
//
// plus kolla-oci's own directories, which readers of the layout ignore: `ROOT/ingest/`
// (temporary blob files, lock files, build scratch, leases) and `ROOT/layers/` (extracted
// layers by diff_id, LayerCache.swift).
//
// Access: the store's top directory is mode 0700 (created so, and tightened when its
// owner opens an existing store for writing). Extracted layers keep setuid files and
// device nodes and blobs are plain 0644 files; only the top directory keeps other users
// out, so the layout inside stays as other OCI tools write it. Export to a separate
// layout (`kolla-oci export`) to share images.
//
// Consistency rules (as umoci's cas.Engine and containerization's ingest keep them):
// * A blob is written to a temporary file in `ingest/`, synced, hashed again from disk,
//   and only then renamed to `blobs/sha256/<hex>`: a blob path always holds exactly its
//   content. A writer that dies leaves at most a temporary file (removed by `gc`).
// * `index.json` is replaced by rename of a synced temporary file, under an exclusive
//   lock (`ingest/index.lock`) around the read-modify-write, so concurrent taggers in
//   any number of processes never lose each other's names.
// * Writers hold a shared lock on `ingest/gc.lock` while they store blobs and name an
//   image; `gc` takes it exclusively, so it never deletes a blob that a writer has stored
//   but not yet referenced.
// * A running build (or `kolla-oci run`) holds a `ContentLease` for its whole duration and
//   pins in it every blob and extracted layer it makes or uses; `gc` deletes nothing a live
//   lease pins, so it never breaks a running build and never has to wait for one.
// * Temporary entries (ingest files, build scratch, extractions, leases) carry their
//   owner process's token (StoreOwnership.swift): `gc` and the start of a build remove
//   those of processes that are gone, never a running one's; SIGINT and SIGTERM make a
//   process remove its own before it exits (Termination.swift).

import Foundation
import OCISystem
import OCIValues


/// An OCI image layout used as kolla-oci's image store.
///
/// A value is only a path; all state is on disk and every operation takes the locks it
/// needs, so values can be shared between tasks and processes freely.
package struct ImageStore: Sendable {
    /// The layout's directory.
    package let root: String

    /// The `oci-layout` file content this store writes and accepts (image-layout.md).
    static let layoutFileContent = Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8)

    /// Opens the layout at `root`, creating an empty one (and missing parent directories)
    /// when `create` is true and the directory has none yet.
    ///
    /// `isPrivate` (kolla-oci's own store) makes a new top directory 0700 and, when
    /// `create` is true and this user owns it, tightens an existing one to 0700; pass false
    /// for a layout meant for other tools or users (an export target).
    ///
    /// - Throws: `StoreError.invalidLayout` when `root` holds something else.
    package init(root: String, create: Bool = true, isPrivate: Bool = true) throws(StoreError) {
        // Absolute: the sandbox mounts layers of the store after changing directory.
        let absolute = root.hasPrefix("/") ? root : FileManager.default.currentDirectoryPath + "/" + root
        self.root = absolute.count > 1 && absolute.hasSuffix("/") ? String(absolute.dropLast()) : absolute
        let exists = try storeCall { () throws(NativeError) in try FileSystem.status(layoutFile) != nil }
        if !exists {
            guard create else {
                throw StoreError.invalidLayout(path: self.root, reason: "no oci-layout file")
            }
            try storeCall { () throws(NativeError) in
                if isPrivate { try createPrivateTopDirectory() }
                try initialize()
            }
        }
        if create && isPrivate {
            try storeCall { () throws(NativeError) in try tightenTopDirectory() }
        }
        try validateLayoutFile()
        // Other writers (umoci, skopeo) may have made the layout; ensure our parts exist.
        try storeCall { () throws(NativeError) in
            try FileSystem.createDirectory(ingestDirectory)
            try FileSystem.createDirectory(blobDirectory)
        }
    }

    // MARK: paths

    /// `ROOT/oci-layout`.
    package var layoutFile: String { "\(root)/oci-layout" }
    /// `ROOT/index.json`.
    package var indexFile: String { "\(root)/index.json" }
    /// `ROOT/blobs/sha256`.
    package var blobDirectory: String { "\(root)/blobs/sha256" }
    /// `ROOT/ingest`: temporary files and locks, kolla-oci's own.
    package var ingestDirectory: String { "\(root)/ingest" }

    /// The path of blob `digest` (whether or not it exists).
    package func blobPath(_ digest: Digest) -> String {
        "\(root)/blobs/\(digest.algorithm.rawValue)/\(digest.encoded)"
    }

    // MARK: locks

    /// Runs `body` holding the shared writer lock, so `gc` waits until the blobs `body`
    /// stores are referenced. Wrap every sequence "store blobs, then name the image" in it.
    package func withWriteLease<Result>(_ body: () throws -> Result) throws -> Result {
        let lock = try lockFile("gc.lock", exclusive: false)
        defer { withExtendedLifetime(lock) {} }
        return try body()
    }

    /// Opens and locks `ingest/<name>`; the lock lasts while the descriptor lives.
    private func lockFile(_ name: String, exclusive: Bool) throws(StoreError) -> FileDescriptor {
        do throws(NativeError) {
            let fd = try FileDescriptor(path: "\(ingestDirectory)/\(name)", flags: O_RDWR | O_CREAT, mode: 0o644)
            try fd.lock(exclusive: exclusive)
            return fd
        } catch {
            throw .native(error)
        }
    }

    // MARK: blobs

    /// True when the store holds blob `digest` (not verified).
    package func hasBlob(_ digest: Digest) -> Bool {
        (try? FileSystem.status(blobPath(digest)))?.flatMap { $0 }?.kind == .regular
    }

    /// A temporary file in `ingest/` to write a blob into, for `commit(_:expected:)`.
    package func startIngest() throws(StoreError) -> BlobIngest {
        do throws(NativeError) {
            return try BlobIngest(store: self)
        } catch {
            throw .native(error)
        }
    }

    /// Moves a finished ingest file into place: syncs it, hashes it from disk, checks
    /// the digest (and size) the writer expects, and renames it to its blob path. An
    /// existing blob with that digest is kept (puts are idempotent) and the file dropped.
    ///
    /// - Returns: the blob's digest and size.
    @discardableResult
    package func commit(_ ingest: BlobIngest, expected: Digest? = nil,
                        expectedSize: Int64? = nil) throws(StoreError) -> (digest: Digest, size: Int64) {
        let lease = try lockFile("gc.lock", exclusive: false)
        defer { withExtendedLifetime(lease) {} }
        let (digest, size) = try storeCall { () throws(NativeError) in
            try ingest.file.sync()
            return try Self.hashFile(ingest.path)
        }
        if let expected, expected != digest {
            try? FileSystem.removeFile(ingest.path)
            throw .digestMismatch(path: ingest.path, expected: expected, actual: digest)
        }
        if let expectedSize, expectedSize != size {
            try? FileSystem.removeFile(ingest.path)
            throw .sizeMismatch(path: ingest.path, digest: digest, expected: expectedSize, actual: size)
        }
        ingest.committed = true
        try storeCall { () throws(NativeError) in
            if hasBlob(digest) {
                try FileSystem.removeFile(ingest.path)
            } else {
                // The layout's usual mode: who may read is decided by the top directory.
                try ingest.file.setMode(0o644)
                try FileSystem.rename(ingest.path, to: blobPath(digest))
                try FileSystem.syncDirectory(blobDirectory)
            }
            ScratchRegistry.unregister(ingest.path)
        }
        return (digest, size)
    }

    /// Stores `bytes` as a blob and returns its descriptor.
    package func putBlob(_ bytes: [UInt8], mediaType: MediaType) throws(StoreError) -> Descriptor {
        let ingest = try startIngest()
        do throws(NativeError) {
            try ingest.file.write(bytes)
        } catch {
            throw .native(error)
        }
        let expected: Digest
        do throws(NativeError) { expected = try Digest.sha256(of: bytes) } catch { throw .native(error) }
        let (digest, size) = try commit(ingest, expected: expected, expectedSize: Int64(bytes.count))
        return Descriptor(mediaType: mediaType, digest: digest, size: size)
    }

    /// Encodes `value` canonically and stores it as a blob of `mediaType`.
    package func putJSON<Value: Encodable>(_ value: Value, mediaType: MediaType) throws(StoreError) -> Descriptor {
        let bytes: [UInt8]
        do throws(OCIError) { bytes = try CanonicalJSON.encode(value) } catch {
            throw .invalidDocument(path: "\(mediaType)", error)
        }
        return try putBlob(bytes, mediaType: mediaType)
    }

    /// The bytes of blob `digest`, verified against the digest (and `expectedSize`).
    package func readBlob(_ digest: Digest, expectedSize: Int64? = nil) throws(StoreError) -> [UInt8] {
        let path = blobPath(digest)
        guard try storeCall({ () throws(NativeError) in try FileSystem.status(path) }) != nil else {
            throw .blobNotFound(digest, path: path)
        }
        let (bytes, actual) = try storeCall { () throws(NativeError) in
            let bytes = try FileSystem.readFile(path)
            return (bytes, try Digest.sha256(of: bytes))
        }
        guard actual == digest else { throw .digestMismatch(path: path, expected: digest, actual: actual) }
        if let expectedSize, Int64(bytes.count) != expectedSize {
            throw .sizeMismatch(path: path, digest: digest, expected: expectedSize, actual: Int64(bytes.count))
        }
        return bytes
    }

    /// Decodes the JSON blob `descriptor` points at, verified.
    package func readJSON<Value: Decodable>(_ type: Value.Type, _ descriptor: Descriptor) throws(StoreError) -> Value {
        let bytes = try readBlob(descriptor.digest, expectedSize: descriptor.size)
        do throws(OCIError) {
            return try CanonicalJSON.decode(type, from: bytes, what: "blob \(descriptor.digest)")
        } catch {
            throw .invalidDocument(path: blobPath(descriptor.digest), error)
        }
    }

    /// The sha256 digest and size of the file at `path`, streamed.
    static func hashFile(_ path: String) throws(NativeError) -> (Digest, Int64) {
        let fd = try FileDescriptor(path: path, flags: O_RDONLY)
        let hasher = try SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
        defer { buffer.deallocate() }
        var size: Int64 = 0
        while true {
            let n = try fd.read(into: buffer)
            if n == 0 { break }
            try hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
            size += Int64(n)
        }
        return (try hasher.finalizeDigest(), size)
    }

    // MARK: index.json and names

    /// The layout's index (`index.json`); an absent file reads as an empty index.
    package func readIndex() throws(StoreError) -> Index {
        let bytes: [UInt8]
        do throws(NativeError) {
            guard try FileSystem.status(indexFile) != nil else { return Index() }
            bytes = try FileSystem.readFile(indexFile)
        } catch {
            throw .native(error)
        }
        do throws(OCIError) {
            return try CanonicalJSON.decode(Index.self, from: bytes, what: "index.json")
        } catch {
            throw .invalidDocument(path: indexFile, error)
        }
    }

    /// Reads, changes and atomically replaces `index.json` under the exclusive index lock.
    package func updateIndex(_ change: (inout Index) throws(StoreError) -> Void) throws(StoreError) {
        let lock = try lockFile("index.lock", exclusive: true)
        defer { withExtendedLifetime(lock) {} }
        var index = try readIndex()
        try change(&index)
        let bytes: [UInt8]
        do throws(OCIError) { bytes = try CanonicalJSON.encode(index) } catch {
            throw .invalidDocument(path: indexFile, error)
        }
        do throws(NativeError) {
            let temporary = try BlobIngest(store: self)
            try temporary.file.write(bytes)
            try temporary.file.sync()
            try temporary.file.setMode(0o644)
            try FileSystem.rename(temporary.path, to: indexFile)
            temporary.markCommitted()
            try FileSystem.syncDirectory(root)
        } catch {
            throw .native(error)
        }
    }

    /// Names `descriptor` `name` in `index.json`, replacing the image that had the name.
    /// Entries stay sorted by name so the file is deterministic.
    package func tag(_ name: String, _ descriptor: Descriptor) throws(StoreError) {
        var entry = descriptor
        entry.refName = name
        try updateIndex { index in
            index.manifests.removeAll { $0.refName == name }
            index.manifests.append(entry)
            index.manifests.sort { ($0.refName ?? "", $0.digest) < ($1.refName ?? "", $1.digest) }
        }
    }

    /// Removes name `name`; returns the descriptor it named.
    @discardableResult
    package func untag(_ name: String) throws(StoreError) -> Descriptor {
        var removed: Descriptor?
        try updateIndex { (index) throws(StoreError) in
            guard let found = index.manifests.first(where: { $0.refName == name }) else {
                throw .imageNotFound(name)
            }
            removed = found
            index.manifests.removeAll { $0.refName == name }
        }
        return removed!
    }

    /// The named images, sorted by name; unnamed index entries are listed with nil names.
    package func images() throws(StoreError) -> [(name: String?, descriptor: Descriptor)] {
        try readIndex().manifests.map { ($0.refName, $0) }
    }

    /// The store name for `text`: a reference in its familiar short form with the default
    /// tag filled in (`debian` → `debian:latest`, `docker.io/library/debian:12` →
    /// `debian:12`), or `text` itself when it is not a valid reference (names written by
    /// other tools, e.g. umoci's `latest`).
    package static func storeName(_ text: String) -> String {
        (try? Reference(text))?.familiarString ?? text
    }

    /// Finds an image by name (exact or normalised), by manifest digest
    /// (`sha256:<hex>`), or by a unique prefix of at least 6 hex digits of it.
    package func resolve(_ text: String) throws(StoreError) -> (name: String?, descriptor: Descriptor) {
        let entries = try images()
        if let exact = entries.first(where: { $0.name == text }) { return exact }
        let normalized = Self.storeName(text)
        if let found = entries.first(where: { $0.name == normalized }) { return found }
        var hex = text
        if hex.hasPrefix("sha256:") { hex.removeFirst(7) }
        if hex.count >= 6, hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) {
            let matches = entries.filter { $0.descriptor.digest.encoded.hasPrefix(hex) }
            let digests = Set(matches.map(\.descriptor.digest))
            if digests.count == 1, let first = matches.first { return first }
            if digests.count > 1 {
                throw .ambiguousImage(text, candidates: matches.map { $0.name ?? $0.descriptor.digest.description })
            }
        }
        throw .imageNotFound(text)
    }

    /// The image manifest `descriptor` points at; for an index, the entry for `platform`.
    package func manifest(_ descriptor: Descriptor, platform: Platform = .host) throws(StoreError)
        -> (descriptor: Descriptor, manifest: Manifest) {
        if descriptor.mediaType.isIndex {
            let index = try readJSON(Index.self, descriptor)
            guard let entry = index.manifest(for: platform) else {
                throw .unsupported(path: blobPath(descriptor.digest),
                                   reason: "index has no manifest for \(platform.os)/\(platform.architecture)")
            }
            return try manifest(entry, platform: platform)
        }
        guard descriptor.mediaType.isManifest else {
            throw .unsupported(path: blobPath(descriptor.digest),
                               reason: "media type \(descriptor.mediaType) is not an image manifest or index")
        }
        return (descriptor, try readJSON(Manifest.self, descriptor))
    }
}

/// A temporary file in the store's `ingest/` directory, removed when released unless it
/// was committed (renamed into place).
///
/// Not `Sendable`: it owns a descriptor.
package final class BlobIngest {
    /// The temporary file's path.
    package let path: String
    /// The file, open for writing.
    package let file: FileDescriptor
    /// Set once the file has been renamed away (or deliberately dropped).
    var committed = false

    /// Creates `ROOT/ingest/tmp-<owner token>-<random>` exclusively (StoreOwnership.swift).
    init(store: ImageStore) throws(NativeError) {
        try StoreOwner.claim(storeRoot: store.root)
        var generator = SystemRandomNumberGenerator()
        let path = "\(store.ingestDirectory)/tmp-\(StoreOwner.token)-\(String(generator.next(), radix: 16))"
        var opened: FileDescriptor?
        _ = try ScratchRegistry.create { () throws(NativeError) -> String in
            opened = try FileDescriptor(path: path, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
            return path
        }
        self.path = path
        file = opened!
    }

    /// Records that the file was renamed into place: it is no longer scratch.
    func markCommitted() {
        committed = true
        ScratchRegistry.unregister(path)
    }

    deinit {
        if !committed { ScratchRegistry.remove(path) }
    }
}

@available(*, unavailable)
extension BlobIngest: Sendable {}

extension ImageStore {
    /// Creates the missing top directory with mode 0700 (its missing parents 0755).
    private func createPrivateTopDirectory() throws(NativeError) {
        guard try FileSystem.status(root) == nil else { return }
        try FileSystem.createDirectory(FileSystem.parentPath(root))
        try FileSystem.createDirectory(root, mode: 0o700)
        // mkdir's mode passes through the umask; 0700 is what the store needs exactly.
        if try FileSystem.status(root)?.uid == FileSystem.effectiveUserID { try FileSystem.setMode(root, 0o700) }
    }

    /// Makes an existing top directory that this user owns 0700. A sticky directory is a
    /// shared one (`--root /tmp`) and is left alone, as is one owned by someone else.
    private func tightenTopDirectory() throws(NativeError) {
        guard let info = try FileSystem.status(root), info.kind == .directory,
              info.uid == FileSystem.effectiveUserID, info.permissions & 0o1000 == 0,
              info.permissions & 0o7777 != 0o700 else { return }
        try FileSystem.setMode(root, 0o700)
    }

    /// Creates `oci-layout`, an empty `index.json` and `blobs/sha256/`.
    private func initialize() throws(NativeError) {
        try FileSystem.createDirectory(blobDirectory)
        try FileSystem.createDirectory(ingestDirectory)
        let temporary = try BlobIngest(store: self)
        try temporary.file.write(Self.layoutFileContent)
        try temporary.file.setMode(0o644)
        try temporary.file.sync()
        if try FileSystem.status(indexFile) == nil {
            let empty = try BlobIngest(store: self)
            // `{"manifests":[],"mediaType":…,"schemaVersion":2}`: encoding a fixed value cannot fail.
            try empty.file.write((try? CanonicalJSON.encode(Index())) ?? [])
            try empty.file.setMode(0o644)
            try empty.file.sync()
            try FileSystem.rename(empty.path, to: indexFile)
            empty.markCommitted()
        }
        // oci-layout last: its presence marks a complete layout.
        try FileSystem.rename(temporary.path, to: layoutFile)
        temporary.markCommitted()
        try FileSystem.syncDirectory(root)
    }

    /// Checks `oci-layout` names a layout version 1.x.
    private func validateLayoutFile() throws(StoreError) {
        struct LayoutFile: Decodable { var imageLayoutVersion: String }
        let bytes: [UInt8]
        do throws(NativeError) { bytes = try FileSystem.readFile(layoutFile) } catch {
            throw .native(error)
        }
        let layout: LayoutFile
        do throws(OCIError) { layout = try CanonicalJSON.decode(LayoutFile.self, from: bytes, what: "oci-layout") } catch {
            throw .invalidDocument(path: layoutFile, error)
        }
        guard layout.imageLayoutVersion.hasPrefix("1.") else {
            throw .invalidLayout(path: root, reason: "unsupported imageLayoutVersion \(layout.imageLayoutVersion)")
        }
    }
}
