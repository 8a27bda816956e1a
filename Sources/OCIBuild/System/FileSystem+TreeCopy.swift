#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// What copying a whole directory tree needs with few system calls: a listing that keeps
// the types readdir(3) reports (no lstat per entry), and a file copy that creates the
// target exclusively and moves the bytes in the kernel. On a freshly emptied ext4 tree
// each created inode is costly already; the calls around it should not add to that.

extension FileSystem {
    /// One directory entry as readdir(3) reports it.
    package struct ListedEntry: Sendable {
        /// The entry's name.
        package var name: String
        /// The entry's type (a symlink is `.symlink`); nil when the file system does not
        /// report types (DT_UNKNOWN), so that the caller asks lstat(2).
        package var kind: FileKind?
    }

    /// The entries of directory `path` in the order the file system returns them (what
    /// Python's `os.scandir` sees), without "." and "..", with their types.
    package static func directoryListing(_ path: String) throws(NativeError) -> [ListedEntry] {
        guard let d = opendir(path) else { throw .posix("opendir", path: path) }
        defer { closedir(d) }
        var entries: [ListedEntry] = []
        while true {
            errno = 0
            guard let e = readdir(d) else {
                if errno != 0 { throw .posix("readdir", path: path) }
                break
            }
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let kind: FileKind?
            switch Int32(e.pointee.d_type) {
            case Int32(DT_REG): kind = .regular
            case Int32(DT_DIR): kind = .directory
            case Int32(DT_LNK): kind = .symlink
            case Int32(DT_CHR): kind = .characterDevice
            case Int32(DT_BLK): kind = .blockDevice
            case Int32(DT_FIFO): kind = .fifo
            case Int32(DT_SOCK): kind = .socket
            default: kind = nil
            }
            entries.append(ListedEntry(name: name, kind: kind))
        }
        return entries
    }

    /// mkdir(2) of one directory with `mode` (less the umask); false when something is
    /// already at `path` (which the caller checks), without a status call when it is new.
    package static func makeDirectoryIfAbsent(_ path: String, mode: mode_t) throws(NativeError) -> Bool {
        if mkdir(path, mode) == 0 { return true }
        if errno == EEXIST { return false }
        throw .posix("mkdir", path: path)
    }

    /// Copies regular file `source` to `destination` with its content and permission bits
    /// (not its owner or times), replacing whatever `destination` was (a directory there
    /// is removed with its contents). The bytes move in the kernel (sendfile(2)), up to
    /// the size the source had when it was opened.
    package static func copyFile(_ source: String, to destination: String) throws(NativeError) {
        let src = try FileDescriptor(path: source, flags: O_RDONLY | O_NOFOLLOW)
        let info = try src.info()
        guard info.kind == .regular else { throw .posix("open", errno: EINVAL, path: source) }
        var fd = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd < 0 && errno == EEXIST {
            try removeTree(destination)
            fd = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        }
        guard fd >= 0 else { throw .posix("open", path: destination) }
        let dest = FileDescriptor(owning: fd, path: destination)
        // Exactly the source's bits, whatever the umask (as Python's copymode).
        guard fchmod(dest.raw, mode_t(info.permissions)) == 0 else { throw .posix("fchmod", path: destination) }
        var copied = 0
        while true {
            let n = sendfile(dest.raw, src.raw, nil, 1 << 30)
            if n > 0 {
                copied += n
                // Done at the size seen when opened (saves the call that would return 0).
                if copied >= info.size { return }
                continue
            }
            if n == 0 { return }
            if errno == EINTR { continue }
            // Some file systems cannot sendfile; copy through memory instead.
            if copied == 0 && (errno == EINVAL || errno == ENOSYS) { break }
            throw .posix("sendfile", path: destination)
        }
        try dest.copy(from: src)
    }
}
