#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// Path-based updates the executor, store and front end need beyond `FileSystem`'s basics:
// each failure is a `NativeError` naming the path, so no caller handles errno itself.

extension FileSystem {
    /// The status of `path` following symlinks (stat(2)); nil when it does not exist.
    package static func statusFollowingLinks(_ path: String) throws(NativeError) -> FileInfo? {
        var st = stat()
        if stat(path, &st) == 0 { return FileInfo(st) }
        if errno == ENOENT || errno == ENOTDIR || errno == ELOOP { return nil }
        throw .posix("stat", path: path)
    }

    /// Sets access and modification time of `path` itself (never a symlink's target).
    package static func setTimes(_ path: String, seconds: Int, nanoseconds: Int = 0) throws(NativeError) {
        var times = [timespec(tv_sec: seconds, tv_nsec: nanoseconds), timespec(tv_sec: seconds, tv_nsec: nanoseconds)]
        guard utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0 else { throw .posix("utimensat", path: path) }
    }

    /// rmdir(2): removes `path` only when it is an empty directory; false when it is not
    /// empty or does not exist.
    @discardableResult
    package static func removeEmptyDirectory(_ path: String) throws(NativeError) -> Bool {
        if rmdir(path) == 0 { return true }
        if errno == ENOTEMPTY || errno == EEXIST || errno == ENOENT { return false }
        throw .posix("rmdir", path: path)
    }

    /// rename(2) of a new directory into place; false when `to` already exists (another
    /// process made it first), which callers treat as success of that process.
    package static func renameUnlessPresent(_ from: String, to: String) throws(NativeError) -> Bool {
        if Glibc.rename(from, to) == 0 { return true }
        if errno == EEXIST || errno == ENOTEMPTY { return false }
        throw .posix("rename", path: "\(from) -> \(to)")
    }

    /// symlink(2): a link at `path` pointing at `target`, replacing a file already there.
    package static func replaceSymlink(_ path: String, target: String) throws(NativeError) {
        try removeFile(path)
        guard symlink(target, path) == 0 else { throw .posix("symlink", path: path) }
    }

    /// mkdtemp(3): a new private directory `prefix` + six random characters.
    package static func makeTemporaryDirectory(prefix: String) throws(NativeError) -> String {
        var template = Array((prefix + "XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw .posix("mkdtemp", path: prefix)
        }
        return String(cString: made)
    }
}
