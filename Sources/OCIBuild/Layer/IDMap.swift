// Id mapping between a container's ids (what tar headers and image configs say) and the
// host's ids (what the file system stores), in the form of /proc/PID/uid_map lines
// (user_namespaces(7)): container-id host-id count.

/// A user and group id map, container ↔ host.
package struct IDMap: Sendable, Hashable {
    /// One contiguous range: container ids `container..<container+count` are host ids
    /// `host..<host+count`.
    package struct Range: Sendable, Hashable {
        /// First id inside the container.
        package var container: UInt32
        /// First id on the host.
        package var host: UInt32
        /// Number of ids.
        package var count: UInt32

        /// Creates a range.
        package init(container: UInt32, host: UInt32, count: UInt32) {
            self.container = container
            self.host = host
            self.count = count
        }
    }

    /// User id ranges.
    package var uids: [Range]
    /// Group id ranges.
    package var gids: [Range]

    /// Creates a map from ranges.
    package init(uids: [Range], gids: [Range]) {
        self.uids = uids
        self.gids = gids
    }

    /// Every id maps to itself (root outside any user namespace).
    package static let identity = IDMap(uids: [Range(container: 0, host: 0, count: UInt32.max)],
                                        gids: [Range(container: 0, host: 0, count: UInt32.max)])

    /// The host uid of container uid `id`, nil when unmapped.
    package func hostUID(_ id: UInt32) -> UInt32? { Self.map(id, uids, toHost: true) }
    /// The host gid of container gid `id`, nil when unmapped.
    package func hostGID(_ id: UInt32) -> UInt32? { Self.map(id, gids, toHost: true) }
    /// The container uid of host uid `id`, nil when unmapped.
    package func containerUID(_ id: UInt32) -> UInt32? { Self.map(id, uids, toHost: false) }
    /// The container gid of host gid `id`, nil when unmapped.
    package func containerGID(_ id: UInt32) -> UInt32? { Self.map(id, gids, toHost: false) }

    private static func map(_ id: UInt32, _ ranges: [Range], toHost: Bool) -> UInt32? {
        for range in ranges {
            let from = toHost ? range.container : range.host
            let to = toHost ? range.host : range.container
            if id >= from, UInt64(id) - UInt64(from) < UInt64(range.count) { return to + (id - from) }
        }
        return nil
    }
}
