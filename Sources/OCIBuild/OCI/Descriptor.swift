// The content descriptor (image-spec v1.1, descriptor.md): how one OCI object points at
// another — by media type, digest and size — in manifests, indexes and `index.json`.

/// A reference to content by digest (descriptor.md#properties).
package struct Descriptor: Sendable, Hashable, Codable {
    /// The media type of the referenced content.
    package var mediaType: MediaType
    /// The digest of the referenced content's exact bytes.
    package var digest: Digest
    /// The size in bytes of the referenced content (int64 in the specification).
    package var size: Int64
    /// Alternative download locations, if any.
    package var urls: [String]?
    /// Arbitrary metadata; in `index.json`, `org.opencontainers.image.ref.name` names an image.
    package var annotations: [String: String]?
    /// The content itself, base64, embedded (descriptor.md#embedded-content), if any.
    package var data: String?
    /// The artifact type when the descriptor points at an artifact manifest (v1.1).
    package var artifactType: MediaType?
    /// The platform, in index entries (image-index.md).
    package var platform: Platform?

    /// Creates a descriptor; optional parts default to absent.
    package init(mediaType: MediaType, digest: Digest, size: Int64,
                 annotations: [String: String]? = nil, platform: Platform? = nil,
                 urls: [String]? = nil, data: String? = nil, artifactType: MediaType? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.annotations = annotations
        self.platform = platform
        self.urls = urls
        self.data = data
        self.artifactType = artifactType
    }

    /// The annotation key naming an image in an OCI layout's `index.json`
    /// (annotations.md#pre-defined-annotation-keys).
    package static let refNameAnnotation = "org.opencontainers.image.ref.name"

    /// The image name in `index.json` (`org.opencontainers.image.ref.name`), if any.
    package var refName: String? {
        get { annotations?[Self.refNameAnnotation] }
        set {
            var all = annotations ?? [:]
            all[Self.refNameAnnotation] = newValue
            annotations = all.isEmpty ? nil : all
        }
    }
}
