// Reads a layer blob (plain, gzip or zstd tar) with libarchive in one streaming pass
// that also hashes both the blob (compressed bytes) and the tar (uncompressed bytes), so
// an unpack verifies digest and diff_id without reading or decompressing twice.
//
// Two libarchive readers are chained: a "raw" reader with every decompression filter
// turns the file into the uncompressed stream; its bytes are hashed and fed to a tar
// reader through a read callback. The file itself is read through another callback that
// hashes the compressed bytes. Memory use is two fixed buffers whatever the layer size.


import CKollaShim
import OCIValues

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The buffers and hashers shared with the C callbacks; reached through an unretained
/// pointer while the reader (which owns it) is alive.
private final class ReadPipeline {
    let file: FileDescriptor
    let blobHasher: SHA256
    let tarHasher: SHA256
    let fileBuffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 18, alignment: 16)
    let tarBuffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 18, alignment: 16)
    var compressedCount: Int64 = 0
    var uncompressedCount: Int64 = 0
    var raw: OpaquePointer?
    var failure: NativeError?

    init(file: FileDescriptor) throws(NativeError) {
        ArchiveLocale.ensureUTF8()
        self.file = file
        blobHasher = try SHA256()
        tarHasher = try SHA256()
    }

    deinit {
        fileBuffer.deallocate()
        tarBuffer.deallocate()
    }
}

/// Stage 1: hand libarchive the next piece of the file, hashing it on the way.
private func readFileCallback(_ archive: OpaquePointer?, _ context: UnsafeMutableRawPointer?,
                              _ buffer: UnsafeMutablePointer<UnsafeRawPointer?>?) -> Int {
    let pipe = Unmanaged<ReadPipeline>.fromOpaque(context!).takeUnretainedValue()
    do throws(NativeError) {
        let n = try pipe.file.read(into: UnsafeMutableRawBufferPointer(start: pipe.fileBuffer, count: 1 << 18))
        try pipe.blobHasher.update(UnsafeRawBufferPointer(start: pipe.fileBuffer, count: n))
        pipe.compressedCount += Int64(n)
        buffer!.pointee = UnsafeRawPointer(pipe.fileBuffer)
        return n
    } catch {
        pipe.failure = error
        ko_archive_set_error_msg(archive, Int32(error.code), error.description)
        return -1
    }
}

/// Stage 2: hand the tar reader the next piece of the decompressed stream, hashing it.
private func readTarCallback(_ archive: OpaquePointer?, _ context: UnsafeMutableRawPointer?,
                             _ buffer: UnsafeMutablePointer<UnsafeRawPointer?>?) -> Int {
    let pipe = Unmanaged<ReadPipeline>.fromOpaque(context!).takeUnretainedValue()
    let n = archive_read_data(pipe.raw, pipe.tarBuffer, 1 << 18)
    if n < 0 {
        let error = NativeError.libarchive("decompress", archive: pipe.raw!, path: pipe.file.path)
        pipe.failure = pipe.failure ?? error
        ko_archive_set_error_msg(archive, Int32(error.code), error.description)
        return -1
    }
    do throws(NativeError) {
        try pipe.tarHasher.update(UnsafeRawBufferPointer(start: pipe.tarBuffer, count: n))
    } catch {
        pipe.failure = error
        ko_archive_set_error_msg(archive, Int32(error.code), error.description)
        return -1
    }
    pipe.uncompressedCount += Int64(n)
    buffer!.pointee = UnsafeRawPointer(pipe.tarBuffer)
    return n
}

/// A streaming reader of one layer blob: entries in tar order, their data, and at the
/// end both digests.
///
/// Not `Sendable`: it owns libarchive handles.
package final class LayerArchiveReader {
    private let pipeline: ReadPipeline
    private let raw: OpaquePointer
    private let tar: OpaquePointer
    private let entry: OpaquePointer
    /// The compression libarchive detected on the blob.
    package private(set) var compression: Compression = .none
    /// Set once the tar reader reported the end of the archive (it must not be asked again).
    private var atEnd = false

    /// Opens the blob at `path`.
    package convenience init(path: String) throws(NativeError) {
        try self.init(file: FileDescriptor(path: path, flags: O_RDONLY))
    }

    /// Reads the blob from `file`, open for reading at its start (a file found by a
    /// confined lookup, which must not be opened again by path).
    package init(file: FileDescriptor) throws(NativeError) {
        let path = file.path
        pipeline = try ReadPipeline(file: file)
        guard let raw = archive_read_new(), let tar = archive_read_new(), let entry = archive_entry_new() else {
            throw .posix("archive_read_new", errno: ENOMEM, path: path)
        }
        self.raw = raw
        self.tar = tar
        self.entry = entry
        pipeline.raw = raw
        let context = Unmanaged.passUnretained(pipeline).toOpaque()

        archive_read_support_filter_all(raw)
        archive_read_support_format_raw(raw)
        guard archive_read_open(raw, context, nil, readFileCallback, nil) == ARCHIVE_OK else {
            throw pipeline.failure ?? .libarchive("archive_read_open", archive: raw, path: path)
        }
        var rawEntry: OpaquePointer?
        guard archive_read_next_header(raw, &rawEntry) == ARCHIVE_OK else {
            throw pipeline.failure ?? .libarchive("archive_read_next_header", archive: raw, path: path)
        }
        switch archive_filter_code(raw, 0) {
        case ARCHIVE_FILTER_GZIP: compression = .gzip
        case ARCHIVE_FILTER_ZSTD: compression = .zstd
        case ARCHIVE_FILTER_NONE: compression = .none
        default:
            let name = archive_filter_name(raw, 0).map { String(cString: $0) } ?? "unknown"
            throw NativeError(library: .libarchive, operation: "open layer", code: Int(EILSEQ),
                              message: "unsupported layer compression \(name) (expected gzip, zstd or none)",
                              path: path)
        }

        // GNU and PAX extensions, long names (L/K) and global headers come with the tar format.
        archive_read_support_format_tar(tar)
        archive_read_support_format_gnutar(tar)
        guard archive_read_open(tar, context, nil, readTarCallback, nil) == ARCHIVE_OK else {
            throw pipeline.failure ?? .libarchive("archive_read_open", archive: tar, path: path)
        }
    }

    deinit {
        archive_read_free(tar)
        archive_read_free(raw)
        archive_entry_free(entry)
    }

    /// The path of the blob, for messages.
    package var path: String { pipeline.file.path }

    /// The next entry, or nil after the last one. Its data must be consumed with
    /// `copyData(to:)`/`readData(into:)` or is skipped by the next call.
    package func next() throws(NativeError) -> TarEntry? {
        if atEnd { return nil }
        let status = archive_read_next_header2(tar, entry)
        if status == ARCHIVE_EOF {
            atEnd = true
            return nil
        }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN else {
            throw pipeline.failure ?? .libarchive("read tar header", archive: tar, path: path)
        }
        return Self.entryValue(entry)
    }

    /// Writes the current entry's data to `file` (sparse regions become holes).
    package func copyData(to file: FileDescriptor) throws(NativeError) {
        let status = archive_read_data_into_fd(tar, file.raw)
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN else {
            throw pipeline.failure ?? .libarchive("extract data", archive: tar, path: file.path)
        }
    }

    /// Reads the next piece of the current entry's data; 0 at its end.
    package func readData(into buffer: UnsafeMutableRawBufferPointer) throws(NativeError) -> Int {
        let n = archive_read_data(tar, buffer.baseAddress, buffer.count)
        guard n >= 0 else { throw pipeline.failure ?? .libarchive("read data", archive: tar, path: path) }
        return n
    }

    /// Reads whatever follows the tar's end marker (padding) and the compressed stream's
    /// trailer, and returns both digests of the whole blob.
    package func finish() throws(NativeError) -> LayerDigests {
        while try next() != nil {}
        // The tar reader stops at the end-of-archive blocks; the padding after them is
        // part of the diff_id.
        while true {
            let n = archive_read_data(raw, pipeline.tarBuffer, 1 << 18)
            guard n >= 0 else { throw pipeline.failure ?? .libarchive("decompress", archive: raw, path: path) }
            if n == 0 { break }
            try pipeline.tarHasher.update(UnsafeRawBufferPointer(start: pipeline.tarBuffer, count: n))
            pipeline.uncompressedCount += Int64(n)
        }
        // And whatever libarchive did not need of the file is still part of the blob.
        while true {
            let n = try pipeline.file.read(into: UnsafeMutableRawBufferPointer(start: pipeline.fileBuffer, count: 1 << 18))
            if n == 0 { break }
            try pipeline.blobHasher.update(UnsafeRawBufferPointer(start: pipeline.fileBuffer, count: n))
            pipeline.compressedCount += Int64(n)
        }
        return LayerDigests(diffID: try pipeline.tarHasher.finalizeDigest(),
                            uncompressedSize: pipeline.uncompressedCount,
                            digest: try pipeline.blobHasher.finalizeDigest(),
                            size: pipeline.compressedCount, compression: compression)
    }

    /// Converts libarchive's entry to a `TarEntry`.
    private static func entryValue(_ entry: OpaquePointer) -> TarEntry {
        func text(_ pointer: UnsafePointer<CChar>?) -> String? { pointer.map { String(cString: $0) } }
        let mode = UInt32(archive_entry_mode(entry))
        var value = TarEntry(
            path: text(archive_entry_pathname(entry)) ?? "",
            kind: FileKind(mode: mode),
            permissions: mode & 0o7777,
            uid: UInt32(truncatingIfNeeded: archive_entry_uid(entry)),
            gid: UInt32(truncatingIfNeeded: archive_entry_gid(entry)),
            size: archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : 0,
            mtimeSeconds: archive_entry_mtime(entry),
            mtimeNanoseconds: archive_entry_mtime_nsec(entry),
            symlinkTarget: text(archive_entry_symlink(entry)),
            hardlinkTarget: text(archive_entry_hardlink(entry)),
            deviceMajor: UInt32(truncatingIfNeeded: archive_entry_rdevmajor(entry)),
            deviceMinor: UInt32(truncatingIfNeeded: archive_entry_rdevminor(entry)))
        if archive_entry_xattr_reset(entry) > 0 {
            var name: UnsafePointer<CChar>?
            var data: UnsafeRawPointer?
            var size = 0
            while archive_entry_xattr_next(entry, &name, &data, &size) == ARCHIVE_OK {
                guard let name else { continue }
                let bytes = data.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
                // libarchive reports an attribute stored both as LIBARCHIVE.xattr.* and
                // SCHILY.xattr.* twice: keep one per name.
                let xattr = Xattr(name: String(cString: name), value: bytes)
                if let index = value.xattrs.firstIndex(where: { $0.name == xattr.name }) {
                    value.xattrs[index] = xattr
                } else {
                    value.xattrs.append(xattr)
                }
            }
        }
        return value
    }
}

@available(*, unavailable)
extension LayerArchiveReader: Sendable {}
