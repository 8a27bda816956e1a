// The image index (image-spec v1.1, image-index.md) and Docker's manifest list. An OCI
// layout's `index.json` is an index too (image-layout.md#indexjson-file); there the
// `org.opencontainers.image.ref.name` annotation of each entry names an image.

/// An image index or Docker manifest list (image-index.md#image-index-property-descriptions).
package struct Index: Sendable, Hashable, Codable {
    /// Always 2.
    package var schemaVersion: Int
    /// `MediaType.ociIndex` or `MediaType.dockerManifestList`; optional in OCI, but written.
    package var mediaType: MediaType?
    /// The artifact type, for artifacts (v1.1).
    package var artifactType: MediaType?
    /// The manifests (or nested indexes), each with a platform where it matters.
    package var manifests: [Descriptor]
    /// A manifest this one refers to (v1.1), if any.
    package var subject: Descriptor?
    /// Arbitrary metadata.
    package var annotations: [String: String]?

    /// Creates an OCI index.
    package init(manifests: [Descriptor] = [], mediaType: MediaType = .ociIndex,
                 annotations: [String: String]? = nil) {
        self.schemaVersion = 2
        self.mediaType = mediaType
        self.manifests = manifests
        self.annotations = annotations
    }

    /// Decodes an index and checks `schemaVersion` is 2.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schemaVersion = try c.decodeSchemaVersion2(forKey: .schemaVersion)
        mediaType = try c.decodeIfPresent(MediaType.self, forKey: .mediaType)
        artifactType = try c.decodeIfPresent(MediaType.self, forKey: .artifactType)
        manifests = try c.decodeIfPresent([Descriptor].self, forKey: .manifests) ?? []
        subject = try c.decodeIfPresent(Descriptor.self, forKey: .subject)
        annotations = try c.decodeIfPresent([String: String].self, forKey: .annotations)
    }

    /// The entry for `platform` among manifests (first match), e.g. to pull one image
    /// from a multi-platform index.
    package func manifest(for platform: Platform) -> Descriptor? {
        manifests.first { descriptor in
            descriptor.mediaType.isManifest
                && (descriptor.platform.map { $0.satisfies(platform) } ?? false)
        }
    }
}
