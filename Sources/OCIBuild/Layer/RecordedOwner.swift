// Ownership recorded rather than set, as fakeroot does, for the single-id rung: in a user
// namespace that maps only the caller's own id, chown to any other id fails. There the
// unpacker, COPY --chown and the RUN sandbox (which answers chown calls itself, through a
// seccomp user notification) record the owner a file should have in an xattr of the file;
// overlayfs copies it up with the file and rename keeps it, and the layer writer puts it
// into the tar header and never into the layer's xattrs.

/// The xattr holding an owner that could not be set.
package enum RecordedOwner {
    /// `user.` so that the namespace's root may set it on its own files.
    package static let xattr = "user.kolla-oci.owner"

    /// The xattr value for an owner: `uid:gid` in ASCII.
    package static func value(uid: UInt32, gid: UInt32) -> [UInt8] { Array("\(uid):\(gid)".utf8) }

    /// The owner in an xattr value, nil when it is not `uid:gid`.
    package static func parse(_ value: [UInt8]) -> (uid: UInt32, gid: UInt32)? {
        let parts = String(decoding: value, as: UTF8.self).split(separator: ":")
        guard parts.count == 2, let uid = UInt32(parts[0]), let gid = UInt32(parts[1]) else { return nil }
        return (uid, gid)
    }
}
