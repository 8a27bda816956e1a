// One tar member as the layer code sees it: the fields a layer records (image-spec
// layer.md, "File Types" and "Changesets"), numeric owners only, no atime/ctime.

/// A member of a layer tar, read from or written to libarchive.

import OCIValues

package struct TarEntry: Sendable, Hashable {
    /// The member path as stored (e.g. `./etc/passwd`, `usr/bin/`); sanitized by the caller.
    package var path: String
    /// The member type; a hard link has the type of its target and `hardlinkTarget` set.
    package var kind: FileKind
    /// Permission bits including setuid, setgid and sticky.
    package var permissions: UInt32
    /// Numeric owner.
    package var uid: UInt32
    /// Numeric group.
    package var gid: UInt32
    /// Data size for regular files, 0 otherwise.
    package var size: Int64
    /// Modification time, whole seconds.
    package var mtimeSeconds: Int
    /// Modification time, nanoseconds part (0 for deterministic output).
    package var mtimeNanoseconds: Int
    /// Target of a symbolic link.
    package var symlinkTarget: String?
    /// Path of the earlier member this one is a hard link to.
    package var hardlinkTarget: String?
    /// Device numbers of character and block devices.
    package var deviceMajor: UInt32
    /// Device numbers of character and block devices.
    package var deviceMinor: UInt32
    /// Extended attributes (PAX `SCHILY.xattr.*`), sorted by name when written.
    package var xattrs: [Xattr]

    /// Creates an entry; everything but path, kind and permissions defaults to zero/absent.
    package init(path: String, kind: FileKind, permissions: UInt32, uid: UInt32 = 0, gid: UInt32 = 0,
                 size: Int64 = 0, mtimeSeconds: Int = 0, mtimeNanoseconds: Int = 0,
                 symlinkTarget: String? = nil, hardlinkTarget: String? = nil,
                 deviceMajor: UInt32 = 0, deviceMinor: UInt32 = 0, xattrs: [Xattr] = []) {
        self.path = path
        self.kind = kind
        self.permissions = permissions
        self.uid = uid
        self.gid = gid
        self.size = size
        self.mtimeSeconds = mtimeSeconds
        self.mtimeNanoseconds = mtimeNanoseconds
        self.symlinkTarget = symlinkTarget
        self.hardlinkTarget = hardlinkTarget
        self.deviceMajor = deviceMajor
        self.deviceMinor = deviceMinor
        self.xattrs = xattrs
    }

    /// True when the member is a hard link to an earlier one.
    package var isHardLink: Bool { hardlinkTarget != nil }
}

/// One extended attribute.
package struct Xattr: Sendable, Hashable {
    /// The full name, e.g. `security.capability` or `user.mime_type`.
    package var name: String
    /// The raw value.
    package var value: [UInt8]

    /// Creates an attribute.
    package init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }
}

/// The two digests of a layer (image-spec config.md "diff_ids", descriptor.md): the
/// uncompressed tar's and the stored blob's, with their sizes.
package struct LayerDigests: Sendable, Hashable {
    /// sha256 of the uncompressed tar: the config's `diff_id`.
    package var diffID: Digest
    /// Length of the uncompressed tar.
    package var uncompressedSize: Int64
    /// sha256 of the blob as stored (compressed): the manifest layer's `digest`.
    package var digest: Digest
    /// Length of the blob: the manifest layer's `size`.
    package var size: Int64
    /// The compression detected (reading) or applied (writing).
    package var compression: Compression
}
