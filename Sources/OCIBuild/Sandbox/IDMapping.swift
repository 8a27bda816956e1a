import Foundation
import OCILayers
import OCISystem

/// How container user and group ids map to host ids for RUN (and for a rootless build
/// as a whole, which runs inside one user namespace).
package enum IDMapping: Sendable, Equatable {
    /// Real root, no user namespace: container ids are host ids.
    case none
    /// Already running as root of a user namespace kolla-oci prepared (re-exec).
    case inherited
    /// Container 0 → the caller; no other id exists (chown to others fails).
    case single(uid: UInt32, gid: UInt32)
    /// Container 0 → the caller, 1…count → the subordinate range from /etc/subuid,
    /// /etc/subgid, set up by the setuid helpers newuidmap/newgidmap.
    case subordinate(uid: UInt32, gid: UInt32, uidStart: UInt, uidCount: UInt, gidStart: UInt, gidCount: UInt)
    /// Real root: RUN gets its own user namespace mapping container ids 0…count-1 to the
    /// host range root owns (`root:` lines of /etc/subuid and /etc/subgid, else
    /// `defaultRootRange`), so uid 0 inside is never uid 0 outside. Extracted layers
    /// and RUN's upper directories hold host ids of that range.
    case range(uidStart: UInt, uidCount: UInt, gidStart: UInt, gidCount: UInt)

    /// True when RUN's overlay is mounted inside a user namespace, where it must keep its
    /// xattrs in `user.overlay.*` (`userxattr`); false when real root mounts it (`.none`,
    /// and `.range`, whose namespace is entered only after the mounts): `trusted.overlay.*`.
    package var overlayUsesUserXattr: Bool {
        switch self {
        case .none, .range: return false
        case .inherited, .single, .subordinate: return true
        }
    }

    /// The range root uses without `root:` lines in /etc/subuid and /etc/subgid:
    /// 65536 ids from 1 000 000 000 (container id N is host id 1 000 000 000 + N), far
    /// above the ids `useradd` hands out and below the 32-bit limit.
    package static let defaultRootRange: (start: UInt, count: UInt) = (1_000_000_000, 65536)

    /// Container ids ↔ the ids stored on the host's disk by this process: the range for
    /// `.range`, else the identity (a user namespace the process itself runs in already
    /// translates, and real root without a namespace stores container ids as they are).
    package var storage: IDMap {
        guard case .range(let us, let uc, let gs, let gc) = self else { return .identity }
        return IDMap(uids: [.init(container: 0, host: UInt32(us), count: UInt32(uc))],
                     gids: [.init(container: 0, host: UInt32(gs), count: UInt32(gc))])
    }

    /// The range root maps for RUN: its own lines in the subordinate-id files, else the default.
    package static func rootRange(subuid: String = "/etc/subuid", subgid: String = "/etc/subgid") -> IDMapping {
        let u = range(in: subuid, user: "root", id: 0) ?? defaultRootRange
        let g = range(in: subgid, user: "root", id: 0) ?? defaultRootRange
        return .range(uidStart: u.start, uidCount: u.count, gidStart: g.start, gidCount: g.count)
    }

    /// The environment variable a re-executed kolla-oci finds itself with inside its namespace.
    package static let namespaceMarker = "KOLLA_OCI_USERNS"

    /// Highest container id mapped (kolla's users go up to 42495).
    package var maxContainerID: UInt {
        switch self {
        case .none, .inherited: return UInt(UInt32.max)
        case .single: return 0
        case .subordinate(_, _, _, let uc, _, let gc): return min(uc, gc)
        case .range(_, let uc, _, let gc): return min(uc, gc) - 1
        }
    }

    /// Decides the mapping for this process (without probing; `SandboxPlan.detect`
    /// chooses the rung): root → its range (or inherited inside our own namespace or any
    /// other user namespace); otherwise the subordinate ranges of the user when /etc/subuid and
    /// /etc/subgid have them and newuidmap/newgidmap are installed; else single.
    package static func detect(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        subuid: String = "/etc/subuid", subgid: String = "/etc/subgid"
    ) -> IDMapping {
        let uid = ProcessIdentity.userID
        let gid = ProcessIdentity.groupID
        if uid == 0 {
            if environment[namespaceMarker] != nil || !FileSystem.isFullyPrivileged { return .inherited }
            return rootRange(subuid: subuid, subgid: subgid)
        }
        let name = userName(uid)
        guard let u = range(in: subuid, user: name, id: UInt(uid)), let g = range(in: subgid, user: name, id: UInt(uid)),
            helper("newuidmap") != nil, helper("newgidmap") != nil
        else {
            return .single(uid: uid, gid: gid)
        }
        return .subordinate(uid: uid, gid: gid, uidStart: u.start, uidCount: u.count, gidStart: g.start, gidCount: g.count)
    }

    /// The first `name:start:count` (or `uid:start:count`) line for the user.
    package static func range(in file: String, user: String?, id: UInt) -> (start: UInt, count: UInt)? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let f = line.split(separator: ":")
            guard f.count == 3, let start = UInt(f[1]), let count = UInt(f[2]), count > 0 else { continue }
            if String(f[0]) == user || UInt(f[0]) == id { return (start, count) }
        }
        return nil
    }

    /// Path of a setuid map helper, if installed.
    package static func helper(_ name: String) -> String? {
        for dir in ["/usr/bin", "/bin", "/usr/sbin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        return nil
    }

    private static func userName(_ uid: uid_t) -> String? {
        guard let pw = getpwuid(uid) else { return nil }
        return String(cString: pw.pointee.pw_name)
    }
}
