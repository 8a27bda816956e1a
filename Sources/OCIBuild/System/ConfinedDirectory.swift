// A directory tree that file operations cannot leave: every path is resolved by the kernel
// with openat2(RESOLVE_IN_ROOT), so `..` and symlinks (absolute or relative) stop at the
// tree's root as they would after chroot(2). The unpacker writes hostile layers only
// through this type (as umoci's SecureJoin does since CVE-2021-29136).


import CKollaShim

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A root directory and confined operations relative to it.
///
/// Paths are relative to the root, `/`-separated, without `.`/`..` components (callers
/// sanitize them; the kernel confines them anyway). Operations on the final component
/// never follow it if it is a symlink.
package final class ConfinedDirectory {
    /// The root's path on the host, for messages.
    package let rootPath: String
    /// O_PATH descriptor of the root.
    private let root: FileDescriptor

    /// Opens `path`, which must be an existing directory.
    package init(path: String) throws(NativeError) {
        let fd = ko_fs_open_root(path)
        guard fd >= 0 else { throw .posix("open", path: path) }
        rootPath = path
        root = FileDescriptor(owning: fd, path: path)
    }

    /// Takes ownership of `root`, an O_PATH descriptor of a directory known as `rootPath`.
    private init(root: FileDescriptor, rootPath: String) {
        self.root = root
        self.rootPath = rootPath
    }

    /// The directory `relative` (created with missing parents when `create` is true) as a
    /// confined tree of its own: nothing done through it can leave that directory.
    package func subtree(_ relative: String, create: Bool) throws(NativeError) -> ConfinedDirectory {
        let fd = try directory(relative, create: create)
        return ConfinedDirectory(root: fd, rootPath: display(relative))
    }

    /// An O_PATH descriptor of entry `relative`, or nil when it does not exist (or a
    /// component on the way is not a directory). Symlinks
    /// on the way, and the entry itself when `followLast` is true, are resolved as if the
    /// root were `/`: a link to `/` or `../..` names the root, never a host path.
    package func entry(_ relative: String, followLast: Bool) throws(NativeError) -> FileDescriptor? {
        let flags = FileSystem.O_PATH_VALUE | (followLast ? 0 : O_NOFOLLOW)
        let fd = ko_fs_open_in_root(root.raw, relative, flags, 0)
        if fd < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw .posix("open", path: display(relative))
        }
        return FileDescriptor(owning: fd, path: display(relative))
    }

    /// Opens entry `name` of `parent` for reading (a directory when `directory` is true),
    /// failing rather than following it when it is a symlink.
    package func openEntry(_ name: String, in parent: FileDescriptor, directory: Bool) throws(NativeError) -> FileDescriptor {
        let fd = openat(parent.raw, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (directory ? O_DIRECTORY : 0))
        guard fd >= 0 else { throw .posix("open", path: "\(parent.path)/\(name)") }
        return FileDescriptor(owning: fd, path: "\(parent.path)/\(name)")
    }

    /// The target of symlink `name` in `parent`, verbatim (never resolved here).
    package func linkTarget(_ name: String, in parent: FileDescriptor) throws(NativeError) -> String {
        var buffer = [UInt8](repeating: 0, count: 4097)
        let n = buffer.withUnsafeMutableBytes {
            readlinkat(parent.raw, name, $0.baseAddress!.assumingMemoryBound(to: CChar.self), 4096)
        }
        guard n >= 0 else { throw .posix("readlink", path: "\(parent.path)/\(name)") }
        return String(decoding: buffer[..<n], as: UTF8.self)
    }

    /// The host path of `relative`, for messages only (never opened by path).
    package func display(_ relative: String) -> String {
        relative.isEmpty ? rootPath : "\(rootPath)/\(relative)"
    }

    /// An O_PATH descriptor of directory `relative`, created (with missing parents,
    /// mode `mode`) inside the root when `create` is true.
    package func directory(_ relative: String, create: Bool, mode: mode_t = 0o755) throws(NativeError) -> FileDescriptor {
        let fd = create ? ko_fs_mkdir_all_in_root(root.raw, relative, mode)
            : ko_fs_open_in_root(root.raw, relative, FileSystem.O_PATH_VALUE | O_DIRECTORY, 0)
        guard fd >= 0 else { throw .posix(create ? "mkdir" : "open", path: display(relative)) }
        return FileDescriptor(owning: fd, path: display(relative))
    }

    /// Opens directory `relative` for reading (listing, fchmod, futimens), without
    /// following it if it is itself a symlink.
    package func openDirectoryForReading(_ relative: String) throws(NativeError) -> FileDescriptor {
        let fd = ko_fs_open_in_root(root.raw, relative, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0)
        guard fd >= 0 else { throw .posix("open", path: display(relative)) }
        return FileDescriptor(owning: fd, path: display(relative))
    }

    /// Status of entry `name` in `parent`, not following a symlink; nil when absent.
    package func status(_ name: String, in parent: FileDescriptor) throws(NativeError) -> FileInfo? {
        var st = stat()
        if fstatat(parent.raw, name, &st, AT_SYMLINK_NOFOLLOW) == 0 { return FileInfo(st) }
        if errno == ENOENT { return nil }
        throw .posix("fstatat", path: "\(parent.path)/\(name)")
    }

    /// Removes entry `name` of `parent`, recursively when it is a directory; absent is fine.
    package func remove(_ name: String, in parent: FileDescriptor) throws(NativeError) {
        guard ko_fs_remove_all_at(parent.raw, name) == 0 else {
            throw .posix("remove", path: "\(parent.path)/\(name)")
        }
    }

    /// The names in open directory `directory`, sorted by bytes.
    package func entries(of directory: FileDescriptor) throws(NativeError) -> [String] {
        // "/proc/self/fd/N" names exactly this open directory; nothing is re-resolved by path.
        try FileSystem.directoryEntries("/proc/self/fd/\(directory.raw)")
    }

    /// Creates regular file `name` in `parent` (exclusively, never through a symlink),
    /// open for writing, with `mode` until the caller sets the final one.
    package func createFile(_ name: String, in parent: FileDescriptor, mode: mode_t = 0o600) throws(NativeError) -> FileDescriptor {
        let fd = openat(parent.raw, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .posix("create", path: "\(parent.path)/\(name)") }
        return FileDescriptor(owning: fd, path: "\(parent.path)/\(name)")
    }

    /// Creates directory `name` in `parent`.
    package func makeDirectory(_ name: String, in parent: FileDescriptor, mode: mode_t = 0o755) throws(NativeError) {
        guard mkdirat(parent.raw, name, mode) == 0 else { throw .posix("mkdir", path: "\(parent.path)/\(name)") }
    }

    /// Creates symlink `name` in `parent` pointing at `target` (stored verbatim; the
    /// kernel confines its resolution when this tree is later used through this type).
    package func makeSymlink(_ name: String, in parent: FileDescriptor, target: String) throws(NativeError) {
        guard symlinkat(target, parent.raw, name) == 0 else {
            throw .posix("symlink", path: "\(parent.path)/\(name)")
        }
    }

    /// Creates hard link `name` in `parent` to entry `targetName` of `targetParent`
    /// (a symlink target is linked itself, not followed).
    package func makeHardLink(_ name: String, in parent: FileDescriptor, to targetName: String,
                              in targetParent: FileDescriptor) throws(NativeError) {
        guard linkat(targetParent.raw, targetName, parent.raw, name, 0) == 0 else {
            throw .posix("link", path: "\(parent.path)/\(name) -> \(targetParent.path)/\(targetName)")
        }
    }

    /// Creates a device node or FIFO `name` in `parent`.
    package func makeNode(_ name: String, in parent: FileDescriptor, kind: FileKind, permissions: UInt32,
                          major: UInt32, minor: UInt32) throws(NativeError) {
        let mode = mode_t(kind.typeBits | (permissions & 0o777))
        guard ko_fs_mknodat(parent.raw, name, mode, major, minor) == 0 else {
            throw .posix("mknod", path: "\(parent.path)/\(name)")
        }
    }

    /// Changes the owner of entry `name` (not following a symlink).
    package func setOwner(_ name: String, in parent: FileDescriptor, uid: UInt32, gid: UInt32) throws(NativeError) {
        guard fchownat(parent.raw, name, uid, gid, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw .posix("lchown", path: "\(parent.path)/\(name)")
        }
    }

    /// Changes the permission bits of entry `name` (never called on symlinks).
    package func setMode(_ name: String, in parent: FileDescriptor, _ mode: UInt32) throws(NativeError) {
        guard fchmodat(parent.raw, name, mode_t(mode), 0) == 0 else {
            throw .posix("chmod", path: "\(parent.path)/\(name)")
        }
    }

    /// Sets atime and mtime of entry `name` (not following a symlink).
    package func setTimes(_ name: String, in parent: FileDescriptor, seconds: Int, nanoseconds: Int) throws(NativeError) {
        var times = [timespec(tv_sec: seconds, tv_nsec: nanoseconds), timespec(tv_sec: seconds, tv_nsec: nanoseconds)]
        guard utimensat(parent.raw, name, &times, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw .posix("utimensat", path: "\(parent.path)/\(name)")
        }
    }
}

/// Spelled out so that the descriptor never crosses tasks.
@available(*, unavailable)
extension ConfinedDirectory: Sendable {}

/// Spelled out so that the descriptor never crosses tasks.
@available(*, unavailable)
extension FileDescriptor: Sendable {}
