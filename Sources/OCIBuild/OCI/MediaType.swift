// Media types of the OCI image specification (image-spec v1.1, media-types.md) and of
// Docker's image manifest v2 schema 2. A media type is an open set: registries and other
// tools use types this project never produces, so the value is a plain string with
// well-known constants, and any string round-trips unchanged.

/// An IANA-style media type string such as `application/vnd.oci.image.manifest.v1+json`.
///
/// Unknown types are kept verbatim (image-spec media-types.md: implementations MUST
/// support unknown media types by ignoring or passing them through).
package struct MediaType: RawRepresentable, Sendable, Hashable, Codable, Comparable,
    ExpressibleByStringLiteral, CustomStringConvertible {
    /// The media type text exactly as found or produced.
    package let rawValue: String

    /// Wraps `rawValue` as it is; no validation, so unknown types round-trip.
    package init(rawValue: String) { self.rawValue = rawValue }

    /// Wraps `rawValue` as it is.
    package init(_ rawValue: String) { self.rawValue = rawValue }

    /// A media type written as a string literal.
    package init(stringLiteral value: String) { self.rawValue = value }

    /// The media type text.
    package var description: String { rawValue }

    /// Orders by the text, for deterministic listings.
    package static func < (lhs: MediaType, rhs: MediaType) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Decodes a JSON string.
    package init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    /// Encodes the JSON string.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension MediaType {
    // MARK: OCI (media-types.md)

    /// `oci-layout` neighbour `index.json` and registry indexes (image-index.md).
    package static let ociIndex: MediaType = "application/vnd.oci.image.index.v1+json"
    /// An image manifest (manifest.md).
    package static let ociManifest: MediaType = "application/vnd.oci.image.manifest.v1+json"
    /// An image configuration (config.md).
    package static let ociConfig: MediaType = "application/vnd.oci.image.config.v1+json"
    /// An uncompressed layer tar (layer.md).
    package static let ociLayer: MediaType = "application/vnd.oci.image.layer.v1.tar"
    /// A gzip-compressed layer tar (layer.md#gzip-media-types).
    package static let ociLayerGzip: MediaType = "application/vnd.oci.image.layer.v1.tar+gzip"
    /// A zstd-compressed layer tar (layer.md#zstd-media-types).
    package static let ociLayerZstd: MediaType = "application/vnd.oci.image.layer.v1.tar+zstd"
    /// Deprecated non-distributable layer (accepted, never produced).
    package static let ociLayerNondistributableGzip: MediaType =
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
    /// The empty descriptor's type, content `{}` (manifest.md#guidance-for-an-empty-descriptor).
    package static let ociEmpty: MediaType = "application/vnd.oci.empty.v1+json"
    /// The content of the `oci-layout` file is not a blob; this is the layout header's type.
    package static let ociLayoutHeader: MediaType = "application/vnd.oci.layout.header.v1+json"

    // MARK: Docker image manifest v2 schema 2

    /// Docker's image manifest.
    package static let dockerManifest: MediaType = "application/vnd.docker.distribution.manifest.v2+json"
    /// Docker's manifest list (its index).
    package static let dockerManifestList: MediaType =
        "application/vnd.docker.distribution.manifest.list.v2+json"
    /// Docker's container image configuration.
    package static let dockerConfig: MediaType = "application/vnd.docker.container.image.v1+json"
    /// Docker's gzip layer, byte-compatible with `ociLayerGzip`.
    package static let dockerLayerGzip: MediaType = "application/vnd.docker.image.rootfs.diff.tar.gzip"
    /// Docker's foreign (non-distributable) gzip layer.
    package static let dockerForeignLayerGzip: MediaType =
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

    // MARK: classification

    /// True for an image manifest of either family.
    package var isManifest: Bool { self == .ociManifest || self == .dockerManifest }

    /// True for an index of either family (OCI index, Docker manifest list).
    package var isIndex: Bool { self == .ociIndex || self == .dockerManifestList }

    /// True for an image configuration of either family.
    package var isConfig: Bool { self == .ociConfig || self == .dockerConfig }

    /// True for a layer type this project can unpack (tar, gzip or zstd, either family,
    /// including the deprecated non-distributable ones).
    package var isLayer: Bool { layerCompression != nil }

    /// The compression a layer type names, or nil when this is not a layer type.
    package var layerCompression: Compression? {
        switch self {
        case .ociLayer, "application/vnd.oci.image.layer.nondistributable.v1.tar",
             "application/vnd.docker.image.rootfs.diff.tar":
            return Compression.none
        case .ociLayerGzip, .ociLayerNondistributableGzip, .dockerLayerGzip, .dockerForeignLayerGzip:
            return .gzip
        case .ociLayerZstd, "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd":
            return .zstd
        default:
            return nil
        }
    }

    /// The OCI layer type for `compression`.
    package static func ociLayer(_ compression: Compression) -> MediaType {
        switch compression {
        case .none: return .ociLayer
        case .gzip: return .ociLayerGzip
        case .zstd: return .ociLayerZstd
        }
    }
}

/// The compression of a layer blob (image-spec layer.md): the stream around the tar.
package enum Compression: String, Sendable, Hashable, CaseIterable, Codable {
    /// A plain tar.
    case none
    /// RFC 1952 gzip.
    case gzip
    /// RFC 8878 zstd frames.
    case zstd
}
