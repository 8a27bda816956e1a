// `kolla-oci import`: a root file system tarball (e.g. `tar -C ROOTFS -c .` after
// debootstrap) becomes a one-layer image in the store. This is the commit sequence of a
// build step reduced to one layer (see `BuildExecutor`): write the layer → store the blob
// → config with its diff_id and history → manifest → name, all under one write lease so
// `gc` cannot collect the blobs before the name exists.

import Foundation
import OCILayers
import OCIStore
import OCIValues

/// Imports root file system tarballs as single-layer images.
package struct ImageImport: Sendable {
    /// The store receiving the image.
    package var store: ImageStore
    /// Layer knobs (compression, SOURCE_DATE_EPOCH clamping).
    package var layerOptions: LayerWriteOptions
    /// The image's `created` time; also the history entry's.
    package var created: Date
    /// The container configuration (PATH by default, like `docker import`).
    package var containerConfig: ContainerConfig

    /// The PATH Debian's images set.
    package static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// An importer into `store`. `created` defaults to SOURCE_DATE_EPOCH when the options
    /// have it (reproducible image digests), else now.
    package init(store: ImageStore, layerOptions: LayerWriteOptions = LayerWriteOptions(), created: Date? = nil) {
        self.store = store
        self.layerOptions = layerOptions
        self.created = created ?? layerOptions.sourceDateEpoch.map { Date(timeIntervalSince1970: Double($0)) } ?? Date()
        self.containerConfig = ContainerConfig(env: [Self.defaultPath])
    }

    /// Imports `tarball` and names the image `name`; returns the manifest descriptor.
    package func run(tarball: String, name: String) throws -> Descriptor {
        try store.withWriteLease {
            let ingest = try store.startIngest()
            let digests = try LayerWriter(options: layerOptions).rewrite(tarball: tarball, to: ingest.file)
            try store.commit(ingest, expected: digests.digest, expectedSize: digests.size)
            let layer = Descriptor(mediaType: .ociLayer(digests.compression), digest: digests.digest,
                                   size: digests.size)
            let timestamp = Self.rfc3339(created)
            let config = ImageConfig(
                rootfs: RootFS(diffIDs: [digests.diffID]), config: containerConfig,
                history: [History(created: timestamp,
                                  createdBy: "kolla-oci import \(URL(fileURLWithPath: tarball).lastPathComponent)")],
                created: timestamp)
            let configDescriptor = try store.putJSON(config, mediaType: .ociConfig)
            let manifest = Manifest(config: configDescriptor, layers: [layer])
            let manifestDescriptor = try store.putJSON(manifest, mediaType: .ociManifest)
            try store.tag(name, manifestDescriptor)
            return manifestDescriptor
        }
    }

    /// RFC 3339 UTC with whole seconds, e.g. `2026-01-01T00:00:00Z`.
    package static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
