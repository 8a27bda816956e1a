// The image manifest (image-spec v1.1, manifest.md) and Docker's image manifest v2
// schema 2, which has the same shape: schemaVersion 2, a config descriptor and the layer
// descriptors base first. The family is told by `mediaType`.

/// An image manifest, OCI or Docker v2 schema 2 (manifest.md#image-manifest-property-descriptions).
package struct Manifest: Sendable, Hashable, Codable {
    /// Always 2 (manifest.md: MUST be 2 for backwards compatibility with Docker).
    package var schemaVersion: Int
    /// `MediaType.ociManifest` or `MediaType.dockerManifest`; optional in OCI, but written.
    package var mediaType: MediaType?
    /// The artifact type, for artifacts (v1.1); images leave it absent.
    package var artifactType: MediaType?
    /// The image configuration.
    package var config: Descriptor
    /// The layers, base first; their digests are of the compressed blobs.
    package var layers: [Descriptor]
    /// A manifest this one refers to (referrers API, v1.1), if any.
    package var subject: Descriptor?
    /// Arbitrary metadata, e.g. `org.opencontainers.image.created`.
    package var annotations: [String: String]?

    /// Creates an OCI manifest (or Docker, with `mediaType: .dockerManifest`).
    package init(config: Descriptor, layers: [Descriptor], mediaType: MediaType = .ociManifest,
                 annotations: [String: String]? = nil, subject: Descriptor? = nil,
                 artifactType: MediaType? = nil) {
        self.schemaVersion = 2
        self.mediaType = mediaType
        self.config = config
        self.layers = layers
        self.annotations = annotations
        self.subject = subject
        self.artifactType = artifactType
    }

    /// Decodes a manifest and checks `schemaVersion` is 2.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schemaVersion = try c.decodeSchemaVersion2(forKey: .schemaVersion)
        mediaType = try c.decodeIfPresent(MediaType.self, forKey: .mediaType)
        artifactType = try c.decodeIfPresent(MediaType.self, forKey: .artifactType)
        config = try c.decode(Descriptor.self, forKey: .config)
        layers = try c.decodeIfPresent([Descriptor].self, forKey: .layers) ?? []
        subject = try c.decodeIfPresent(Descriptor.self, forKey: .subject)
        annotations = try c.decodeIfPresent([String: String].self, forKey: .annotations)
    }
}

extension KeyedDecodingContainer {
    /// Decodes `schemaVersion` and checks it is 2 (manifest.md, image-index.md: "MUST be
    /// 2 for backwards compatibility with Docker").
    func decodeSchemaVersion2(forKey key: Key) throws -> Int {
        let version = try decode(Int.self, forKey: key)
        guard version == 2 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self,
                                                   debugDescription: "schemaVersion must be 2, got \(version)")
        }
        return version
    }
}
