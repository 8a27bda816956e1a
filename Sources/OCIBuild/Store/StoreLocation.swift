// Where the store lives when no `--root` is given: `$KOLLA_OCI_ROOT`, else a
// system directory for root and the XDG data directory for everyone else, as podman and
// buildah choose between /var/lib/containers and ~/.local/share/containers.

/// The default store directory for an environment and user.

import OCISystem

package enum StoreLocation {
    /// `$KOLLA_OCI_ROOT`; else `/var/lib/kolla-oci` when `userID` is 0; else
    /// `$XDG_DATA_HOME/kolla-oci`; else `$HOME/.local/share/kolla-oci`.
    package static func defaultRoot(environment: [String: String], userID: UInt32) -> String {
        if let root = environment["KOLLA_OCI_ROOT"], !root.isEmpty { return root }
        if userID == 0 { return "/var/lib/kolla-oci" }
        if let data = environment["XDG_DATA_HOME"], data.hasPrefix("/") { return "\(data)/kolla-oci" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/"
        return "\(home)/.local/share/kolla-oci"
    }

    /// The default root for this process (its environment and effective uid).
    package static func defaultRoot(environment: [String: String]) -> String {
        defaultRoot(environment: environment, userID: FileSystem.effectiveUserID)
    }
}
