// Errors of the image store: each names the file or image it is about, so the command
// line can print one line that says where to look.

/// A failure of the OCI-layout image store.

import OCISystem
import OCIValues

package enum StoreError: Error, Sendable, CustomStringConvertible {
    /// A system or library call failed.
    case native(NativeError)
    /// The directory is not an OCI image layout this store can use.
    case invalidLayout(path: String, reason: String)
    /// A document in the store (`index.json`, a manifest or config blob) is malformed.
    case invalidDocument(path: String, OCIError)
    /// Content does not match the digest or size it was addressed by.
    case digestMismatch(path: String, expected: Digest, actual: Digest)
    /// Content has a different size than its descriptor says.
    case sizeMismatch(path: String, digest: Digest, expected: Int64, actual: Int64)
    /// A blob a descriptor points at is not in the store.
    case blobNotFound(Digest, path: String)
    /// No image has this name or digest.
    case imageNotFound(String)
    /// A digest prefix matched more than one image.
    case ambiguousImage(String, candidates: [String])
    /// An image refers to content this store cannot handle (e.g. an unknown media type).
    case unsupported(path: String, reason: String)

    /// One line, lowercase, naming the file or image.
    package var description: String {
        switch self {
        case .native(let error):
            return error.description
        case .invalidLayout(let path, let reason):
            return "\(path): not a usable OCI image layout: \(reason)"
        case .invalidDocument(let path, let error):
            return "\(path): \(error)"
        case .digestMismatch(let path, let expected, let actual):
            return "\(path): content digest is \(actual), expected \(expected)"
        case .sizeMismatch(let path, let digest, let expected, let actual):
            return "\(path): \(digest) has \(actual) bytes, expected \(expected)"
        case .blobNotFound(let digest, let path):
            return "\(path): blob \(digest) is missing"
        case .imageNotFound(let name):
            return "no image named \(name) in the store"
        case .ambiguousImage(let text, let candidates):
            return "\(text) matches several images: \(candidates.joined(separator: ", "))"
        case .unsupported(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}

/// Runs `body`, wrapping a C failure as `StoreError.native`.
func storeCall<Result>(_ body: () throws(NativeError) -> Result) throws(StoreError) -> Result {
    do {
        return try body()
    } catch {
        throw .native(error)
    }
}
