// Refresh (kolla-build's `--pull`: the engine fetches a newer base image on every build):
//
// 1. HEAD the reference's manifest; the registry's digest is the tag's current content
//    (an index for multi-platform images, a manifest otherwise).
// 2. The stored image is current when its own digest is that digest, or when it was
//    pulled from that digest (recorded as an annotation of its `index.json` entry, since
//    from an index only the platform's manifest is stored).
// 3. Otherwise pull it (only blobs the store lacks are downloaded) and record the digest.

import Foundation
import OCIStore
import OCIValues

/// Whether a refresh found the stored image current or pulled a newer one.
package enum RefreshOutcome: Sendable, Equatable {
    case unchanged
    case pulled
}

extension RegistryClient {
    /// The `index.json` annotation holding the registry digest an image was pulled from.
    package static let pulledDigestAnnotation = "org.openstack.kolla-oci.pulled.digest"

    /// Makes the store's image `name` the registry's current `reference`: nothing is
    /// downloaded when the registry's digest is the one stored (or pulled from last time).
    /// `checker` makes the digest check (a client with a short retry budget, so an
    /// unreachable registry is noticed quickly); the pull itself uses this client.
    ///
    /// - Returns: the stored manifest's descriptor and what was done.
    /// - Throws: `RegistryError` (`.manifestNotFound` when the registry has no such image).
    package func refresh(_ reference: Reference, into store: ImageStore, name: String, platform: Platform = .host,
                         checker: RegistryClient? = nil) throws -> (Descriptor, RefreshOutcome) {
        guard let remote = try (checker ?? self).manifestExists(reference) else {
            throw RegistryError.manifestNotFound(reference: reference.description, url: reference.registry)
        }
        if let stored = try store.images().first(where: { $0.name == name })?.descriptor,
           stored.digest == remote || stored.annotations?[Self.pulledDigestAnnotation] == remote.description {
            return (stored, .unchanged)
        }
        var pulled = try pull(reference, into: store, name: name, platform: platform)
        pulled.annotations = [Self.pulledDigestAnnotation: remote.description]
        try store.tag(name, pulled)
        return (pulled, .pulled)
    }
}
