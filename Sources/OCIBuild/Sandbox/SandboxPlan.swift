import Foundation
import OCISystem

/// What `--isolation` asks for (also the `isolation` config key).
package enum IsolationRequest: String, Sendable, CaseIterable {
    /// Probe and take the strongest rung this process can build.
    case auto
    /// Namespaces (user, mount, pid, uts, ipc) and pivot_root; an error where impossible.
    case userns
    /// chroot(2) into a materialised root file system, no mounts, no namespaces.
    case chroot
}

/// The rung of the isolation ladder RUN uses here, chosen once at start-up by probing
/// what the kernel allows this process, and why.
///
/// | rung | where | RUN runs |
/// |---|---|---|
/// | `root-userns` | real root (host, VM, privileged container) | own user namespace with root's subordinate range, mount/pid/uts/ipc namespaces, pivot_root |
/// | `rootless-subids` | a user with /etc/subuid and /etc/subgid lines | the build re-executes in a user namespace with the range (newuidmap); namespaces, pivot_root |
/// | `rootless-single-id` | a user without subordinate ids | as above with only uid/gid 0 mapped: chown to other ids fails |
/// | `userns-container` | root of a user namespace it did not make (rootless podman, GitLab runner on rootless podman) | namespaces, pivot_root, overlay with `userxattr` |
/// | `chroot` | root without CAP_SYS_ADMIN and without user namespaces (Docker's default, Kubernetes pods) | chroot into a plain directory, changes found by walking it |
package struct SandboxPlan: Sendable, Equatable, CustomStringConvertible {
    /// True when this process is in the host's own user namespace (not nested in one).
    package static var inInitialUserNamespace: Bool { FileSystem.inInitialUserNamespace }

    /// A rung of the ladder.
    package enum Rung: String, Sendable {
        case rootUserNamespace = "root-userns"
        case subordinateIDs = "rootless-subids"
        case singleID = "rootless-single-id"
        case userNamespaceContainer = "userns-container"
        case chrootOnly = "chroot"
    }

    /// The rung.
    package var rung: Rung
    /// How container ids map to host ids for this process and its RUN steps.
    package var mapping: IDMapping
    /// Namespaces or chroot.
    package var isolation: RunSpec.Isolation
    /// Why this rung: what the probes found.
    package var reason: String

    package var description: String { "isolation: \(rung.rawValue) (\(reason))" }

    /// A plan given rather than probed: namespaces with `mapping` (callers that know
    /// what this process may do, such as tests of the executor).
    package static func namespaces(_ mapping: IDMapping) -> SandboxPlan {
        let rung: Rung
        switch mapping {
        case .none, .range: rung = .rootUserNamespace
        case .inherited: rung = .userNamespaceContainer
        case .single: rung = .singleID
        case .subordinate: rung = .subordinateIDs
        }
        return SandboxPlan(rung: rung, mapping: mapping, isolation: .namespaces, reason: "given by the caller")
    }

    /// Chooses the rung for this process. A non-root caller gets the rung its re-executed
    /// namespace will use (the re-exec happens in `UserNamespace.enterIfNeeded`).
    package static func detect(
        _ request: IsolationRequest = .auto, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> SandboxPlan {
        let uid = FileSystem.effectiveUserID
        if uid == 0, let outer = environment[IDMapping.namespaceMarker] {
            // Our own re-exec: the outer process chose the rung.
            let rung = Rung(rawValue: outer) ?? .subordinateIDs
            if request == .chroot {
                return SandboxPlan(rung: .chrootOnly, mapping: .inherited, isolation: .chroot, reason: "forced by --isolation chroot")
            }
            return SandboxPlan(rung: rung, mapping: .inherited, isolation: .namespaces, reason: "inside kolla-oci's user namespace")
        }
        if uid == 0 {
            let initial = FileSystem.isFullyPrivileged
            if request == .chroot {
                return SandboxPlan(
                    rung: .chrootOnly, mapping: initial ? .none : .inherited, isolation: .chroot, reason: "forced by --isolation chroot")
            }
            let mount = Probe.mount
            if mount.ok {
                if initial {
                    let mapping = IDMapping.rootRange()
                    let first = mapping.storage.hostUID(0) ?? 0
                    return SandboxPlan(
                        rung: .rootUserNamespace, mapping: mapping, isolation: .namespaces,
                        reason: "real root: RUN's uid 0 is host uid \(first) (\(mapping.maxContainerID + 1) ids)")
                }
                return SandboxPlan(
                    rung: .userNamespaceContainer, mapping: .inherited, isolation: .namespaces,
                    reason: "root of a user namespace kolla-oci did not make; overlay with userxattr")
            }
            if request == .userns {
                throw SandboxError("--isolation userns: this process cannot mount (\(mount.why))")
            }
            return SandboxPlan(
                rung: .chrootOnly, mapping: initial ? .none : .inherited, isolation: .chroot,
                reason: "no mount privilege (\(mount.why)): chroot into a plain directory")
        }
        let userns = Probe.userNamespace
        guard userns.ok else {
            throw SandboxError(
                "no isolation is possible: user namespaces are refused (\(userns.why)) and the chroot rung needs root")
        }
        let mapping = IDMapping.detect(environment: environment)
        if case .subordinate = mapping {
            return SandboxPlan(
                rung: .subordinateIDs, mapping: mapping, isolation: request == .chroot ? .chroot : .namespaces,
                reason: "subordinate ids from /etc/subuid and /etc/subgid via newuidmap")
        }
        return SandboxPlan(
            rung: .singleID, mapping: mapping, isolation: request == .chroot ? .chroot : .namespaces,
            reason: "no subordinate ids: only uid/gid 0 exist in RUN, chown to others fails")
    }

    /// Probes of this process's privileges, each made once in a short-lived child.
    enum Probe {
        static let mount: SandboxLauncher.ProbeResult = SandboxLauncher.probeMount()
        static let userNamespace: SandboxLauncher.ProbeResult = SandboxLauncher.probeUserNamespace()
    }
}
