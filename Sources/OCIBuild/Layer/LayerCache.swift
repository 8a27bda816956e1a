import Glibc
import OCIStore
import OCISystem
import OCIValues
// Extracted layers, keyed by diff_id, so a base layer is unpacked once and shared by every
// image built on it (each layer in its own directory, ready to be an overlay lower dir).
//
//     CACHE/sha256/<diff_id hex>/   one extracted layer, complete (renamed into place)
//     CACHE/sha256/tmp-<owner>-…/   an extraction in progress or interrupted
//
// Extraction goes to a temporary directory and is renamed into place only after the
// layer's digests were verified, so a cache entry is always complete. Two processes
// extracting the same layer race harmlessly: the first rename wins, the second discards
// its copy. In a store, temporary directories carry the extracting process's owner token
// (StoreOwnership.swift): `ImageStore.gc` removes those of processes that are gone, and
// unused layers that no running build pins.

/// The extracted-layer cache in `directory` (the store's `layers/`).
package struct LayerCache: Sendable {
    /// The cache's directory.
    package let directory: String
    /// The store the cache belongs to, whose owner files tell live extractions from dead.
    package let storeRoot: String?

    /// A cache in `directory` (created on first use), part of the store at `storeRoot`.
    package init(directory: String, storeRoot: String? = nil) {
        self.directory = directory
        self.storeRoot = storeRoot
    }

    /// Makes the cache hold layers with owners stored through `idMap`: the map is recorded
    /// in `CACHE/idmap`, and layers extracted under another map (root's builds before and
    /// after RUN got its own id range, say) are dropped, since their owners would be wrong.
    package func adopt(idMap: IDMap) throws(LayerError) {
        let text = idMap == .identity ? "identity\n"
            : (idMap.uids + idMap.gids).map { "\($0.container) \($0.host) \($0.count)" }.joined(separator: "\n") + "\n"
        let marker = directory + "/idmap"
        let current = Self.readMarker(marker)
        if current == text { return }
        try layerCall { () throws(NativeError) in
            try FileSystem.createDirectory(directory)
            // A cache without a marker predates it and was extracted with the identity.
            if (current ?? "identity\n") != text { try FileSystem.removeTree(directory + "/sha256") }
            try Self.writeMarker(marker, text)
        }
    }

    /// Drops every extracted layer when the machine booted since the cache last recorded its
    /// boot (`CACHE/boot-id`). Extracted layers and RUN's upper directories (mounted
    /// `volatile`, so never synced) are written without fsync: after a crash a layer
    /// directory can be named and incomplete. Blobs are synced, so a new boot simply
    /// extracts again from them. `bootID` is the kernel's for this boot unless given.
    package func adoptBoot(_ bootID: String? = nil) throws(LayerError) {
        guard let boot = bootID ?? Self.currentBootID() else { return }
        let marker = directory + "/boot-id"
        let text = boot + "\n"
        let current = Self.readMarker(marker)
        if current == text { return }
        try layerCall { () throws(NativeError) in
            try FileSystem.createDirectory(directory)
            // One process decides: a build starting at the same time waits, then finds
            // the new boot recorded and keeps what the first one extracts meanwhile.
            let lock = try FileDescriptor(path: directory + "/boot-id.lock", flags: O_RDWR | O_CREAT, mode: 0o644)
            _ = try lock.lock(exclusive: true)
            let again = Self.readMarker(marker)
            if again == text { return }
            let cached = try FileSystem.status(directory + "/sha256")
            if again != nil || cached != nil {
                try FileSystem.removeTree(directory + "/sha256")
            }
            try Self.writeMarker(marker, text)
        }
    }

    /// A marker file's text (the id map or boot id the cache was made under); nil if absent.
    private static func readMarker(_ path: String) -> String? {
        (try? FileSystem.readFile(path)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Replaces a marker file whole (written aside, then renamed over it).
    private static func writeMarker(_ path: String, _ text: String) throws(NativeError) {
        let tmp = path + ".tmp"
        let fd = try FileDescriptor(path: tmp, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
        try fd.write(Array(text.utf8))
        try FileSystem.rename(tmp, to: path)
    }

    /// The kernel's id of this boot; nil where /proc does not say.
    package static func currentBootID() -> String? {
        guard let bytes = try? FileSystem.readFile("/proc/sys/kernel/random/boot_id") else {
            return nil
        }
        let id = String(decoding: bytes.filter { $0 > 0x20 }, as: UTF8.self)
        return id.isEmpty ? nil : id
    }

    /// Where the layer with `diffID` is (or would be) extracted.
    package func path(for diffID: Digest) -> String {
        "\(directory)/\(diffID.algorithm.rawValue)/\(diffID.encoded)"
    }

    /// True when the layer with `diffID` is extracted.
    package func contains(_ diffID: Digest) -> Bool {
        (try? FileSystem.status(path(for: diffID)))??.kind == .directory
    }

    /// The directory of layer `diffID`, extracting blob `layerPath` first unless it is
    /// cached. The blob must have `diffID` (and `digest`, when given), or nothing is cached.
    ///
    /// - Returns: the directory, and the unpack report when this call extracted it.
    package func extract(layerPath: String, diffID: Digest, digest: Digest? = nil,
                         options: UnpackOptions = UnpackOptions()) throws(LayerError)
        -> (path: String, report: UnpackReport?) {
        let final = path(for: diffID)
        if contains(diffID) { return (final, nil) }
        let parent = FileSystem.parentPath(final)
        var generator = SystemRandomNumberGenerator()
        let scratch = "\(parent)/tmp-\(StoreOwner.token)-\(String(generator.next(), radix: 16))"
        try layerCall { () throws(NativeError) in
            if let storeRoot { try StoreOwner.claim(storeRoot: storeRoot) }
            try FileSystem.createDirectory(parent)
            _ = try ScratchRegistry.create { () throws(NativeError) -> String in
                try FileSystem.createDirectory(scratch, mode: 0o755)
                return scratch
            }
        }
        var unpackOptions = options
        unpackOptions.expectedDiffID = diffID
        unpackOptions.expectedDigest = digest
        let report: UnpackReport
        do throws(LayerError) {
            report = try Unpacker(options: unpackOptions).unpack(layerPath: layerPath, into: scratch)
            try layerCall { () throws(NativeError) in try FileSystem.rename(scratch, to: final) }
            ScratchRegistry.unregister(scratch)
        } catch {
            ScratchRegistry.remove(scratch)
            // Someone else finished the same layer first: theirs is as good as ours.
            if contains(diffID) { return (final, nil) }
            throw error
        }
        return (final, report)
    }
}
