// Streaming SHA-256 over OpenSSL's EVP interface (libcrypto 3). The store verifies blobs and
// the layer writer computes diffIDs while bytes stream past, so the hasher takes input in
// pieces of any size and never needs the whole blob in memory.


/// An incremental SHA-256 hasher backed by one libcrypto `EVP_MD_CTX`.
///
/// Feed bytes with `update(_:)` in pieces of any size, then call `finalize()` for the
/// 32-byte hash of everything fed so far; the hasher then starts over empty and can be
/// reused. The context is freed when the hasher is released.
///
/// Not `Sendable`: the C context has no locking, so one hasher belongs to one task.
import CKollaShim

package final class SHA256 {
    /// The length of a SHA-256 hash in bytes (FIPS 180-4 §6.2: 256 bits).
    package static let byteCount = Int(SHA256_DIGEST_LENGTH)

    /// The EVP context, initialised for SHA-256 and ready for `EVP_DigestUpdate`.
    private let context: OpaquePointer

    /// Allocates and initialises a libcrypto digest context for SHA-256.
    package init() throws(NativeError) {
        guard let context = EVP_MD_CTX_new() else {
            throw NativeError.libcrypto("EVP_MD_CTX_new")
        }
        // Initialise before storing the context: once every stored property is set, a
        // throw would run `deinit` and free it too, so the failure path frees it itself
        // while the hasher does not own it yet.
        do throws(NativeError) {
            try Self.start(context)
        } catch {
            EVP_MD_CTX_free(context)
            throw error
        }
        self.context = context
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    /// Feeds the bytes of `buffer`; an empty buffer is allowed and changes nothing.
    package func update(_ buffer: UnsafeRawBufferPointer) throws(NativeError) {
        guard EVP_DigestUpdate(context, buffer.baseAddress, buffer.count) == 1 else {
            throw NativeError.libcrypto("EVP_DigestUpdate")
        }
    }

    /// Feeds a sequence of bytes (`[UInt8]`, `Data`, `String.UTF8View`, a slice, …).
    /// Contiguous storage is hashed in place; any other sequence is copied once.
    package func update<Bytes: Sequence>(_ bytes: Bytes) throws(NativeError) where Bytes.Element == UInt8 {
        // The closure cannot throw a typed error through the untyped `rethrows` of
        // withContiguousStorageIfAvailable, so it hands back libcrypto's status instead.
        let status = bytes.withContiguousStorageIfAvailable { buffer in
            EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
        } ?? Array(bytes).withUnsafeBytes { buffer in
            EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
        }
        guard status == 1 else {
            throw NativeError.libcrypto("EVP_DigestUpdate")
        }
    }

    /// Returns the 32-byte hash of everything fed since creation or the previous
    /// `finalize()`, and resets the hasher to the empty state.
    package func finalize() throws(NativeError) -> [UInt8] {
        var hash = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &hash, &length) == 1 else {
            throw NativeError.libcrypto("EVP_DigestFinal_ex")
        }
        // EVP_DigestFinal_ex leaves the context unusable until it is initialised again.
        try Self.start(context)
        return Array(hash.prefix(Int(length)))
    }

    /// The SHA-256 hash of `bytes` in one call.
    package static func hash<Bytes: Sequence>(_ bytes: Bytes) throws(NativeError) -> [UInt8]
    where Bytes.Element == UInt8 {
        let hasher = try SHA256()
        try hasher.update(bytes)
        return try hasher.finalize()
    }

    /// (Re)initialises `context` for SHA-256 with the default provider.
    private static func start(_ context: OpaquePointer) throws(NativeError) {
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            throw NativeError.libcrypto("EVP_DigestInit_ex")
        }
    }
}

/// Spelled out so that no later conformance makes the hasher cross tasks by accident.
@available(*, unavailable)
extension SHA256: Sendable {}
