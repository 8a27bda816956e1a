// Computing digests lives in Native/ rather than OCI/: the `Digest` value stays free of C,
// and only this folder reaches libcrypto.


import OCIValues

extension Digest {
    /// The `sha256:` digest of `bytes` (image-spec descriptor.md#sha-256).
    package static func sha256<Bytes: Sequence>(of bytes: Bytes) throws(NativeError) -> Digest
    where Bytes.Element == UInt8 {
        Digest(algorithm: .sha256, hash: try SHA256.hash(bytes))
    }
}

extension SHA256 {
    /// Finishes the hash as `finalize()` does and returns it as a `sha256:` digest.
    package func finalizeDigest() throws(NativeError) -> Digest {
        Digest(algorithm: .sha256, hash: try finalize())
    }
}
