// System calls the store and the layer code need, each turning a failure into a
// `NativeError` naming the call and the path. Descriptors live in `FileDescriptor`, a
// non-Sendable owner that closes on deinit, so no descriptor outlives its user or leaks.


import CKollaShim

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An open file descriptor, closed when the owner is released.
///
/// Not `Sendable`: one descriptor belongs to one task.
package final class FileDescriptor {
    /// The raw descriptor.
    package let raw: Int32
    /// The path it was opened as, for error messages.
    package let path: String

    /// Takes ownership of `raw`.
    package init(owning raw: Int32, path: String) {
        self.raw = raw
        self.path = path
    }

    deinit { close(raw) }

    /// Opens `path` with `flags` (O_CLOEXEC is added) and `mode` for created files.
    package convenience init(path: String, flags: Int32, mode: mode_t = 0o644) throws(NativeError) {
        let fd = open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .posix("open", path: path) }
        self.init(owning: fd, path: path)
    }

    /// Opens an existing file for reading.
    package static func openForReading(_ path: String) throws(NativeError) -> FileDescriptor {
        try FileDescriptor(path: path, flags: O_RDONLY)
    }

    /// Creates (or truncates) `path` for writing, with `mode` when it is new.
    package static func create(_ path: String, mode: mode_t = 0o644) throws(NativeError) -> FileDescriptor {
        try FileDescriptor(path: path, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
    }

    /// A new descriptor for the file this one refers to, opened with `flags` (O_CLOEXEC
    /// is added): turns an O_PATH descriptor found by a confined lookup into a readable
    /// one without resolving any path again. Not for symlinks (the kernel would follow them).
    package func reopen(flags: Int32) throws(NativeError) -> FileDescriptor {
        let fd = open("/proc/self/fd/\(raw)", flags | O_CLOEXEC)
        guard fd >= 0 else { throw .posix("open", path: path) }
        return FileDescriptor(owning: fd, path: path)
    }

    /// Reads up to `count` bytes from the current offset (fewer at end of file).
    package func read(upTo count: Int) throws(NativeError) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            var failure: NativeError?
            let n = result.withUnsafeMutableBytes { buffer in
                do throws(NativeError) {
                    return try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
                } catch { failure = error; return 0 }
            }
            if let failure { throw failure }
            if n == 0 { break }
            filled += n
        }
        return Array(result[..<filled])
    }

    /// Copies everything from the current offset of `source` to this descriptor.
    package func copy(from source: FileDescriptor) throws(NativeError) {
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            var failure: NativeError?
            let n = chunk.withUnsafeMutableBytes { buffer in
                do throws(NativeError) { return try source.read(into: buffer) } catch { failure = error; return 0 }
            }
            if let failure { throw failure }
            if n == 0 { return }
            chunk.withUnsafeBytes { buffer in
                do throws(NativeError) { try write(UnsafeRawBufferPointer(rebasing: buffer[..<n])) } catch { failure = error }
            }
            if let failure { throw failure }
        }
    }

    /// Writes all of `buffer`, retrying short writes and EINTR.
    package func write(_ buffer: UnsafeRawBufferPointer) throws(NativeError) {
        var offset = 0
        while offset < buffer.count {
            let n = Glibc.write(raw, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw .posix("write", path: path)
            }
            offset += n
        }
    }

    /// Writes all of `bytes`.
    package func write(_ bytes: [UInt8]) throws(NativeError) {
        var failure: NativeError?
        bytes.withUnsafeBytes { buffer in
            do throws(NativeError) { try write(buffer) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Reads up to `buffer.count` bytes; 0 at end of file.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(NativeError) -> Int {
        while true {
            let n = Glibc.read(raw, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw .posix("read", path: path) }
        }
    }

    /// Reads everything from the current offset to the end.
    package func readAll() throws(NativeError) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            var failure: NativeError?
            let n = chunk.withUnsafeMutableBytes { buffer in
                do throws(NativeError) { return try read(into: buffer) } catch { failure = error; return 0 }
            }
            if let failure { throw failure }
            if n == 0 { return result }
            result.append(contentsOf: chunk[..<n])
        }
    }

    /// Flushes the file's data and metadata to the disk.
    package func sync() throws(NativeError) {
        guard fsync(raw) == 0 else { throw .posix("fsync", path: path) }
    }

    /// The file's status.
    package func info() throws(NativeError) -> FileInfo {
        var st = stat()
        guard fstat(raw, &st) == 0 else { throw .posix("fstat", path: path) }
        return FileInfo(st)
    }

    /// Takes the advisory lock (flock(2)): shared or exclusive, waiting or not.
    /// Returns false when `wait` is false and someone else holds a conflicting lock.
    @discardableResult
    package func lock(exclusive: Bool, wait: Bool = true) throws(NativeError) -> Bool {
        if ko_fs_flock(raw, exclusive ? 1 : 0, wait ? 1 : 0) == 0 { return true }
        if !wait && errno == EWOULDBLOCK { return false }
        throw .posix("flock", path: path)
    }

    /// Sets the access and modification times (whole seconds and nanoseconds).
    package func setTimes(seconds: Int, nanoseconds: Int) throws(NativeError) {
        var times = [timespec(tv_sec: seconds, tv_nsec: nanoseconds), timespec(tv_sec: seconds, tv_nsec: nanoseconds)]
        guard futimens(raw, &times) == 0 else { throw .posix("futimens", path: path) }
    }

    /// Changes owner (fchown).
    package func setOwner(uid: UInt32, gid: UInt32) throws(NativeError) {
        guard fchown(raw, uid, gid) == 0 else { throw .posix("fchown", path: path) }
    }

    /// Changes the permission bits including setuid/setgid/sticky (fchmod).
    package func setMode(_ mode: UInt32) throws(NativeError) {
        guard fchmod(raw, mode_t(mode)) == 0 else { throw .posix("fchmod", path: path) }
    }

    /// Sets extended attribute `name` (fsetxattr).
    package func setXattr(_ name: String, _ value: [UInt8]) throws(NativeError) {
        let status = value.withUnsafeBytes { fsetxattr(raw, name, $0.baseAddress, $0.count, 0) }
        guard status == 0 else { throw .posix("fsetxattr \(name)", path: path) }
    }
}

/// What `lstat`/`fstat` report, in Swift terms.
package struct FileInfo: Sendable, Hashable {
    /// The kind of file.
    package var kind: FileKind
    /// Permission bits with setuid, setgid and sticky (mode & 07777).
    package var permissions: UInt32
    /// Owner.
    package var uid: UInt32
    /// Group.
    package var gid: UInt32
    /// Size in bytes.
    package var size: Int64
    /// Modification time, seconds since the epoch.
    package var mtimeSeconds: Int
    /// Modification time, nanoseconds part.
    package var mtimeNanoseconds: Int
    /// Status change time (set by the kernel on every write, chmod, chown, link or
    /// rename; no user call can set it back), seconds and nanoseconds.
    package var ctimeSeconds: Int = 0
    package var ctimeNanoseconds: Int = 0
    /// Device of the file system holding the file.
    package var device: UInt64
    /// Inode number.
    package var inode: UInt64
    /// Hard link count.
    package var linkCount: UInt64
    /// For devices: major number.
    package var deviceMajor: UInt32
    /// For devices: minor number.
    package var deviceMinor: UInt32

    /// Converts a C `stat`.
    init(_ st: stat) {
        kind = FileKind(mode: UInt32(st.st_mode))
        permissions = UInt32(st.st_mode) & 0o7777
        uid = st.st_uid
        gid = st.st_gid
        size = Int64(st.st_size)
        mtimeSeconds = st.st_mtim.tv_sec
        mtimeNanoseconds = st.st_mtim.tv_nsec
        ctimeSeconds = st.st_ctim.tv_sec
        ctimeNanoseconds = st.st_ctim.tv_nsec
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        linkCount = UInt64(st.st_nlink)
        deviceMajor = ko_fs_major(st.st_rdev)
        deviceMinor = ko_fs_minor(st.st_rdev)
    }

    /// Creates a status value by hand (tests, synthetic entries).
    package init(kind: FileKind, permissions: UInt32, uid: UInt32 = 0, gid: UInt32 = 0, size: Int64 = 0,
                 mtimeSeconds: Int = 0, mtimeNanoseconds: Int = 0) {
        self.kind = kind
        self.permissions = permissions
        self.uid = uid
        self.gid = gid
        self.size = size
        self.mtimeSeconds = mtimeSeconds
        self.mtimeNanoseconds = mtimeNanoseconds
        device = 0
        inode = 0
        linkCount = 1
        deviceMajor = 0
        deviceMinor = 0
    }
}

/// The type of a file system entry, which is also the type of a tar entry.
package enum FileKind: Sendable, Hashable {
    /// A regular file.
    case regular
    /// A directory.
    case directory
    /// A symbolic link.
    case symlink
    /// A character device.
    case characterDevice
    /// A block device.
    case blockDevice
    /// A named pipe.
    case fifo
    /// A socket (never archived).
    case socket

    /// The kind of a `st_mode` / tar mode value.
    package init(mode: UInt32) {
        switch mode & UInt32(Glibc.S_IFMT) {
        case UInt32(Glibc.S_IFDIR): self = .directory
        case UInt32(Glibc.S_IFLNK): self = .symlink
        case UInt32(Glibc.S_IFCHR): self = .characterDevice
        case UInt32(Glibc.S_IFBLK): self = .blockDevice
        case UInt32(Glibc.S_IFIFO): self = .fifo
        case UInt32(Glibc.S_IFSOCK): self = .socket
        default: self = .regular
        }
    }

    /// The `S_IF*` type bits.
    package var typeBits: UInt32 {
        switch self {
        case .regular: return UInt32(Glibc.S_IFREG)
        case .directory: return UInt32(Glibc.S_IFDIR)
        case .symlink: return UInt32(Glibc.S_IFLNK)
        case .characterDevice: return UInt32(Glibc.S_IFCHR)
        case .blockDevice: return UInt32(Glibc.S_IFBLK)
        case .fifo: return UInt32(Glibc.S_IFIFO)
        case .socket: return UInt32(Glibc.S_IFSOCK)
        }
    }
}

/// Path-based system calls; each failure is a `NativeError` naming the path.
package enum FileSystem {
    /// The effective user id of this process.
    package static var effectiveUserID: UInt32 { geteuid() }

    /// The effective group id of this process.
    package static var effectiveGroupID: UInt32 { getegid() }

    /// True when this process can create device nodes and set any owner: effective
    /// uid 0 in the initial user namespace (whose uid_map is the identity of all ids).
    package static var isFullyPrivileged: Bool {
        geteuid() == 0 && inInitialUserNamespace
    }

    /// True in the host's own user namespace (the identity map of every id).
    package static var inInitialUserNamespace: Bool {
        guard let map = try? readFile("/proc/self/uid_map") else {
            return false
        }
        let fields = String(decoding: map, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
        return fields == ["0", "0", "4294967295"]
    }

    /// Writes `bytes` as the whole content of `path` (created with `mode`, or truncated),
    /// without fsync: for generated scratch output that is made again on every run
    /// (Foundation's `Data.write` syncs every file, which dominated rendering a tree).
    package static func writeFile(_ path: String, _ bytes: some Collection<UInt8>, mode: mode_t = 0o644) throws(NativeError) {
        let file = try FileDescriptor(path: path, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
        try file.write(Array(bytes))
    }

    /// The whole content of `path`.
    package static func readFile(_ path: String) throws(NativeError) -> [UInt8] {
        try FileDescriptor(path: path, flags: O_RDONLY).readAll()
    }

    /// lstat(2); nil when the path does not exist.
    package static func status(_ path: String) throws(NativeError) -> FileInfo? {
        var st = stat()
        if lstat(path, &st) == 0 { return FileInfo(st) }
        if errno == ENOENT { return nil }
        throw .posix("lstat", path: path)
    }

    /// What `statusBeneath` found.
    package enum BeneathStatus: Sendable, Hashable {
        /// The entry exists (a final symlink is reported itself).
        case found(FileInfo)
        /// Nothing at the path.
        case absent
        /// A component on the way is a symlink or not a directory, so the path names
        /// nothing inside the tree.
        case blocked
    }

    /// The status of `relative` below directory `root`, found without following any
    /// symlink (the tree's own included): a symlink on the way can lead nowhere, least of
    /// all outside the tree.
    package static func statusBeneath(_ root: String, _ relative: String) throws(NativeError) -> BeneathStatus {
        var st = stat()
        if ko_fs_lstat_beneath(root, relative, &st) == 0 { return .found(FileInfo(st)) }
        switch errno {
        case ENOENT: return .absent
        case ELOOP, ENOTDIR: return .blocked
        default: throw .posix("lstat", path: relative.isEmpty ? root : "\(root)/\(relative)")
        }
    }

    /// Creates `path` and missing parents with `mode`; an existing directory is fine.
    package static func createDirectory(_ path: String, mode: mode_t = 0o755) throws(NativeError) {
        if mkdir(path, mode) == 0 || errno == EEXIST {
            if let info = try status(path), info.kind == .directory { return }
            throw .posix("mkdir", errno: ENOTDIR, path: path)
        }
        guard errno == ENOENT else { throw .posix("mkdir", path: path) }
        let parent = parentPath(path)
        guard parent != path else { throw .posix("mkdir", path: path) }
        try createDirectory(parent, mode: mode)
        guard mkdir(path, mode) == 0 || errno == EEXIST else { throw .posix("mkdir", path: path) }
    }

    /// lchown(2): the owner of `path` itself, never a symlink's target.
    package static func setOwner(_ path: String, uid: UInt32, gid: UInt32) throws(NativeError) {
        guard lchown(path, uid, gid) == 0 else { throw .posix("lchown", path: path) }
    }

    /// chmod(2) of the permission bits (setuid, setgid and sticky included).
    package static func setMode(_ path: String, _ mode: UInt32) throws(NativeError) {
        guard chmod(path, mode_t(mode & 0o7777)) == 0 else { throw .posix("chmod", path: path) }
    }

    /// rename(2).
    package static func rename(_ from: String, to: String) throws(NativeError) {
        guard Glibc.rename(from, to) == 0 else { throw .posix("rename", path: "\(from) -> \(to)") }
    }

    /// unlink(2); a missing file is not an error.
    package static func removeFile(_ path: String) throws(NativeError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw .posix("unlink", path: path) }
    }

    /// Removes `path` and everything below it without following symlinks; missing is fine.
    package static func removeTree(_ path: String) throws(NativeError) {
        let parent = parentPath(path)
        let fd = open(parent, O_PATH_VALUE | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return }
            throw .posix("open", path: parent)
        }
        defer { close(fd) }
        guard ko_fs_remove_all_at(fd, baseName(path)) == 0 else { throw .posix("remove", path: path) }
    }

    /// The names in directory `path` (without `.` and `..`), sorted by their bytes.
    package static func directoryEntries(_ path: String) throws(NativeError) -> [String] {
        try directoryListing(path).map(\.name).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// readlink(2).
    package static func linkTarget(_ path: String) throws(NativeError) -> String {
        var buffer = [UInt8](repeating: 0, count: 4097)
        let n = buffer.withUnsafeMutableBytes { readlink(path, $0.baseAddress!.assumingMemoryBound(to: CChar.self), 4096) }
        guard n >= 0 else { throw .posix("readlink", path: path) }
        return String(decoding: buffer[..<n], as: UTF8.self)
    }

    /// The extended attributes of `path` (not following a final symlink), sorted by name.
    /// Unsupported or inaccessible attribute namespaces give an empty list.
    package static func extendedAttributes(_ path: String) throws(NativeError) -> [(name: String, value: [UInt8])] {
        var size = llistxattr(path, nil, 0)
        if size < 0 {
            if errno == ENOTSUP || errno == EOPNOTSUPP { return [] }
            throw .posix("llistxattr", path: path)
        }
        if size == 0 { return [] }
        var list = [CChar](repeating: 0, count: size)
        size = llistxattr(path, &list, size)
        guard size >= 0 else { throw .posix("llistxattr", path: path) }
        var result: [(String, [UInt8])] = []
        for nameBytes in list[..<size].split(separator: 0) {
            let name = String(decoding: nameBytes.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let length = lgetxattr(path, name, nil, 0)
            if length < 0 {
                if errno == ENODATA || errno == EPERM || errno == EACCES { continue }
                throw .posix("lgetxattr \(name)", path: path)
            }
            var value = [UInt8](repeating: 0, count: length)
            let got = value.withUnsafeMutableBytes { lgetxattr(path, name, $0.baseAddress, length) }
            guard got >= 0 else { throw .posix("lgetxattr \(name)", path: path) }
            result.append((name, Array(value[..<got])))
        }
        return result.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
    }

    /// fsync of a directory, so a rename inside it survives a crash.
    package static func syncDirectory(_ path: String) throws(NativeError) {
        let fd = try FileDescriptor(path: path, flags: O_RDONLY | O_DIRECTORY)
        try fd.sync()
    }

    /// The directory part of `path` (`"."` when there is none).
    package static func parentPath(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last component of `path`.
    package static func baseName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// O_PATH, which the Glibc module does not export.
    package static let O_PATH_VALUE: Int32 = ko_fs_o_path()
}

/// errno values the layers above compare `NativeError.code` with, without importing Glibc.
package let ENOENT_VALUE = ENOENT
/// See `ENOENT_VALUE`.
package let ENOTDIR_VALUE = ENOTDIR
/// See `ENOENT_VALUE`.
package let EINVAL_VALUE = EINVAL
/// See `ENOENT_VALUE`.
package let EPERM_VALUE = EPERM
/// See `ENOENT_VALUE`.
package let EACCES_VALUE = EACCES
/// See `ENOENT_VALUE`.
package let ENOTSUP_VALUE = ENOTSUP
/// O_RDONLY for the layers above.
package let O_RDONLY_VALUE = O_RDONLY
/// O_NOFOLLOW for the layers above.
package let O_NOFOLLOW_VALUE = O_NOFOLLOW
/// O_RDWR for the layers above.
package let O_RDWR_VALUE = O_RDWR
/// O_CREAT for the layers above.
package let O_CREAT_VALUE = O_CREAT
