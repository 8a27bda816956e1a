import CKollaShim
import Foundation

/// Kolla's normalised source archives (`kolla/image/tasks.py`): a directory (or file)
/// tarred under one top name with every member owned by 0:0 `root`, mtime 0, `u+w` added
/// to the mode, entries sorted, so the same tree always gives the same bytes and a build
/// cache keyed on the archive's content is stable.
package enum NormalizedTar {
    /// Writes `source` (a directory, or one file) as `arcname` (and below) to `output`.
    package static func write(_ source: String, arcname: String, to output: String) throws {
        ArchiveLocale.ensureUTF8()
        guard let a = archive_write_new() else { throw NativeError.posix("archive_write_new", errno: ENOMEM, path: output) }
        defer { archive_write_free(a) }
        guard archive_write_set_format_pax_restricted(a) == ARCHIVE_OK, archive_write_open_filename(a, output) == ARCHIVE_OK else {
            throw NativeError.libarchive("archive_write_open_filename", archive: a, path: output)
        }
        func add(_ path: String, _ name: String) throws {
            var st = stat()
            guard lstat(path, &st) == 0 else { throw NativeError.posix("lstat", path: path) }
            guard let entry = archive_entry_new() else { throw NativeError.posix("archive_entry_new", errno: ENOMEM, path: path) }
            defer { archive_entry_free(entry) }
            archive_entry_copy_pathname(entry, name)
            archive_entry_set_uid(entry, 0)
            archive_entry_set_gid(entry, 0)
            archive_entry_copy_uname(entry, "root")
            archive_entry_copy_gname(entry, "root")
            archive_entry_set_mtime(entry, 0, 0)
            archive_entry_set_mode(entry, st.st_mode | 0o200)
            let kind = st.st_mode & S_IFMT
            var size = 0
            if kind == S_IFREG {
                size = Int(st.st_size)
                archive_entry_set_size(entry, la_int64_t(size))
            } else if kind == S_IFLNK {
                archive_entry_copy_symlink(entry, try FileSystem.linkTarget(path))
            } else if kind != S_IFDIR {
                return  // sockets, fifos, devices are not archived
            }
            guard archive_write_header(a, entry) == ARCHIVE_OK else {
                throw NativeError.libarchive("archive_write_header", archive: a, path: name)
            }
            if kind == S_IFREG {
                let fd = try FileDescriptor(path: path, flags: O_RDONLY)
                var buf = [UInt8](repeating: 0, count: 1 << 16)
                while true {
                    let n = try buf.withUnsafeMutableBytes { try fd.read(into: $0) }
                    if n == 0 { break }
                    let w = buf.withUnsafeBytes { archive_write_data(a, $0.baseAddress, n) }
                    if w < 0 {
                        throw NativeError.libarchive("archive_write_data", archive: a, path: name)
                    }
                }
            }
            if kind == S_IFDIR {
                for child in try FileSystem.directoryEntries(path).sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
                    try add(path + "/" + child, name + "/" + child)
                }
            }
        }
        try add(source, arcname)
        guard archive_write_close(a) == ARCHIVE_OK else {
            throw NativeError.libarchive("archive_write_close", archive: a, path: output)
        }
        // The archive file itself carries time 0 too, as kolla sets it.
        var times = [timespec(tv_sec: 0, tv_nsec: 0), timespec(tv_sec: 0, tv_nsec: 0)]
        utimensat(AT_FDCWD, output, &times, 0)
    }
}
