/// One command to run in the sandbox: root file system (plain directory, or an overlay
/// of lower layer directories and a fresh upper), identity, environment and output.
package struct RunSpec: Sendable {
    /// The directory that becomes `/` (the overlay mount point when `overlay` is set).
    package var rootfs: String
    package var overlay: Overlay?
    package var argv: [String]
    package var environment: [String]
    package var workingDirectory: String = "/"
    package var uid: UInt32 = 0
    package var gid: UInt32 = 0
    package var supplementaryGroups: [UInt32] = []
    package var hostname: String = "kolla-oci"
    package var mapping: IDMapping
    /// Host files bound onto `/etc/resolv.conf` and `/etc/hosts` (buildah does the same).
    package var resolvConf: String? = "/etc/resolv.conf"
    package var hosts: String? = "/etc/hosts"
    /// Extra bind mounts: host path → container path (`kolla-oci run -v`, `RUN --mount`).
    package var binds: [Bind] = []
    /// Empty tmpfs mounts at these container paths (`RUN --mount=type=tmpfs`).
    package var tmpfs: [String] = []
    /// The network the command sees.
    package var network: NetworkMode = .host
    /// Leave no_new_privs unset so setuid programs (kolla_start's sudo) work, as under
    /// Docker's defaults; for `kolla-oci run`, never for RUN.
    package var allowNewPrivileges: Bool = false
    /// Attach the command to the caller's terminal as its controlling terminal (`run -t`).
    package var terminal: Bool = false
    /// Namespaces and pivot_root, or chroot(2) into a plain directory (no mount privilege).
    package var isolation: Isolation = .namespaces
    /// Answer chown calls by recording the owner in `RecordedOwner.xattr` (single-id user
    /// namespace, where chown to any other id fails).
    package var recordOwners: Bool = false
    /// The written files need no durability: a build step's writes are either diffed into
    /// a layer blob (which the store writes and syncs itself) or thrown away with the step.
    /// The overlay is then mounted `volatile` (overlayfs ignores every fsync on it), and on
    /// the chroot rung the sync calls (fsync, fdatasync, sync_file_range, syncfs, sync)
    /// return success without syncing. dpkg and apt fsync every unpacked file; this takes
    /// that cost out of RUN without touching the image's own dpkg configuration.
    package var skipSync: Bool = false

    /// The two ways the sandbox can be built (see `SandboxPlan` for when each is used).
    package enum Isolation: String, Sendable {
        case namespaces
        case chroot
    }

    /// kolla-build's `--network_mode` and `RUN --network`: the host's network (kolla's
    /// default) or a private network namespace with only loopback up.
    package enum NetworkMode: String, Sendable, CaseIterable {
        case host
        case none
    }

    /// A host file or directory bound into the container.
    package struct Bind: Sendable {
        package var source: String
        package var target: String
        package var readOnly: Bool

        package init(source: String, target: String, readOnly: Bool) {
            self.source = source
            self.target = target
            self.readOnly = readOnly
        }
    }

    /// An overlay mount: lower directories (top first), upper and work directories.
    package struct Overlay: Sendable {
        package var lower: [String]
        package var upper: String
        package var work: String
        /// When set, `lower` paths are relative to it (short mount options for deep stacks).
        package var lowerBase: String?

        package init(lower: [String], upper: String, work: String, lowerBase: String? = nil) {
            self.lower = lower
            self.upper = upper
            self.work = work
            self.lowerBase = lowerBase
        }
    }

    package init(rootfs: String, argv: [String], environment: [String], mapping: IDMapping) {
        self.rootfs = rootfs
        self.argv = argv
        self.environment = environment
        self.mapping = mapping
    }
}

/// Why RUN could not start (the command's own failures are exit statuses).
package struct SandboxError: Error, CustomStringConvertible, Equatable {
    package var description: String
    package init(_ message: String) { description = message }
}
