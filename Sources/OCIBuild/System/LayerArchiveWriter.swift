// Writes a layer blob in one streaming pass: libarchive's PAX writer produces the tar,
// its bytes are hashed (diff_id) and fed to the compressor — the shim's parallel gzip
// (pigz-style independent 128 KiB blocks deflated on worker threads, one ordinary gzip
// member) or a libzstd stream with worker threads (libarchive 3.6's zstd filter runs
// single-threaded) — and the compressed bytes are hashed (blob digest) on their way to the
// output file, on this thread and in order. Memory use is constant.
//
// Determinism (the same tree always gives the same digest): restricted PAX (extended headers only when ustar
// cannot express a field), no atime/ctime, no user/group names, gzip header without name
// and with MTIME 0, gzip blocks cut at fixed offsets (never by thread count, write sizes or
// timing), and no padding after the two end-of-archive blocks (a tar is then exactly what
// Go's archive/tar writes: entries + 1024 zero bytes).


import CKollaShim
import OCIValues

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The hashers and the downstream handle shared with the C write callbacks.
private final class WritePipeline {
    let output: FileDescriptor
    let tarHasher: SHA256
    let blobHasher: SHA256
    /// The shim's parallel gzip compressor, for gzip.
    var gzip: OpaquePointer?
    /// libzstd stream, for zstd.
    var zstd: OpaquePointer?
    /// Output buffer of the zstd stream.
    let zstdBuffer = UnsafeMutableRawPointer.allocate(byteCount: ZSTD_CStreamOutSize(), alignment: 16)
    var uncompressedCount: Int64 = 0
    var compressedCount: Int64 = 0
    var failure: NativeError?
    /// Where the writing thread's time went.
    var times = LayerWriteTimes()
    /// Time spent in `emitBlob` (hash, write) while inside a compressor call, which the
    /// compress time must not count twice.
    var nestedBlobSeconds = 0.0

    init(output: FileDescriptor) throws(NativeError) {
        ArchiveLocale.ensureUTF8()
        self.output = output
        tarHasher = try SHA256()
        blobHasher = try SHA256()
    }

    deinit {
        if let zstd { ZSTD_freeCCtx(zstd) }
        if let gzip { ko_gzip_free(gzip) }
        zstdBuffer.deallocate()
    }

    /// Feeds `bytes` to the zstd stream (`end`: and finishes the frame), emitting
    /// whatever compressed output is ready.
    func compressZstd(_ zstd: OpaquePointer, _ bytes: UnsafeRawBufferPointer, end: Bool) throws(NativeError) {
        var input = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
        while true {
            var out = ZSTD_outBuffer(dst: zstdBuffer, size: ZSTD_CStreamOutSize(), pos: 0)
            let remaining = ZSTD_compressStream2(zstd, &out, &input, end ? ZSTD_e_end : ZSTD_e_continue)
            if ZSTD_isError(remaining) != 0 { throw .libzstd("ZSTD_compressStream2", result: remaining, path: output.path) }
            if out.pos > 0 { try emitBlob(UnsafeRawBufferPointer(start: zstdBuffer, count: out.pos)) }
            // Done when all input is taken and (at the end) the frame is fully flushed.
            if end ? remaining == 0 : input.pos == input.size { return }
        }
    }
}

extension WritePipeline {
    /// Blob bytes (compressed, or the tar itself when uncompressed): hash, count, write.
    func emitBlob(_ bytes: UnsafeRawBufferPointer) throws(NativeError) {
        let start = Monotonic.now()
        try blobHasher.update(bytes)
        let hashed = Monotonic.now()
        compressedCount += Int64(bytes.count)
        try output.write(bytes)
        let end = Monotonic.now()
        times.hash += hashed - start
        times.write += end - hashed
        nestedBlobSeconds += end - start
    }

    /// Runs a compressor call, adding its time (less the blob emitted meanwhile) to compress.
    func compressing(_ body: () throws(NativeError) -> Void) throws(NativeError) {
        let start = Monotonic.now()
        let nested = nestedBlobSeconds
        defer { times.compress += Monotonic.now() - start - (nestedBlobSeconds - nested) }
        try body()
    }

    /// Tar bytes: hash them, then compress them (or emit them when uncompressed).
    func emitTar(_ bytes: UnsafeRawBufferPointer) throws(NativeError) {
        let start = Monotonic.now()
        try tarHasher.update(bytes)
        times.hash += Monotonic.now() - start
        uncompressedCount += Int64(bytes.count)
        if let zstd { return try compressing { () throws(NativeError) in try compressZstd(zstd, bytes, end: false) } }
        guard let gzip else { return try emitBlob(bytes) }
        try compressing { () throws(NativeError) in
            try gzipCall("ko_gzip_write") { ko_gzip_write(gzip, bytes.baseAddress, bytes.count, $0, $1) }
        }
    }

    /// Runs a ko_gzip call; a stop requested by the sink rethrows the sink's own failure.
    func gzipCall(_ operation: String, _ call: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws(NativeError) {
        var message = [CChar](repeating: 0, count: 256)
        let status = message.withUnsafeMutableBufferPointer { call($0.baseAddress!, $0.count) }
        guard status != 0 else { return }
        if status == Int32(KO_GZIP_SINK_STOPPED), let failure { throw failure }
        throw .zlib(operation, code: status, buffer: message, path: output.path)
    }
}

/// The parallel gzip compressor's sink: compressed bytes, in order, on the writing thread.
private func gzipSink(_ context: UnsafeMutableRawPointer?, _ bytes: UnsafeRawPointer?, _ length: Int) -> Int32 {
    let pipe = Unmanaged<WritePipeline>.fromOpaque(context!).takeUnretainedValue()
    do throws(NativeError) {
        try pipe.emitBlob(UnsafeRawBufferPointer(start: bytes, count: length))
        return 0
    } catch {
        pipe.failure = pipe.failure ?? error
        return 1
    }
}

/// The write callbacks of both archives: hand the bytes to `emit` of the pipeline in
/// `context`; a failure is kept for the caller and reported to libarchive.
private func forward(_ archive: OpaquePointer?, _ context: UnsafeMutableRawPointer?, _ buffer: UnsafeRawPointer?,
                     _ length: Int, _ emit: (WritePipeline) -> (UnsafeRawBufferPointer) throws(NativeError) -> Void) -> Int {
    let pipe = Unmanaged<WritePipeline>.fromOpaque(context!).takeUnretainedValue()
    do throws(NativeError) {
        try emit(pipe)(UnsafeRawBufferPointer(start: buffer, count: length))
        return length
    } catch {
        pipe.failure = pipe.failure ?? error
        ko_archive_set_error_msg(archive, Int32(error.code), error.description)
        return -1
    }
}

/// Tar bytes from the tar writer.
private func writeTarCallback(_ archive: OpaquePointer?, _ context: UnsafeMutableRawPointer?,
                              _ buffer: UnsafeRawPointer?, _ length: Int) -> Int {
    forward(archive, context, buffer, length) { pipe in pipe.emitTar }
}

/// Seconds the writing thread spent on each part of a layer write (the rest of the
/// write's wall time is making the tar: walking, reading files, headers).
package struct LayerWriteTimes: Sendable, Equatable {
    /// sha256 of the tar and of the blob.
    package var hash = 0.0
    /// Compressor calls, including waiting for its worker threads.
    package var compress = 0.0
    /// Writing the blob to its file.
    package var write = 0.0

    package init() {}
}

/// Compression settings of a layer blob.
package struct CompressionOptions: Sendable, Hashable {
    /// gzip, zstd or none.
    package var compression: Compression
    /// The level (gzip 1–9, default 6; zstd 1–19, default 3); nil for the default.
    package var level: Int?
    /// Compression worker threads (gzip and zstd). Defaults to the number of online CPUs,
    /// as `zstd -T0` and pigz do. At least one worker is always used: zstd's output is the
    /// same for any number of workers ≥ 1 (but differs from its single-threaded mode), and
    /// the gzip blocks are cut at fixed offsets, so digests do not depend on the machine.
    package var threads: Int

    /// Creates options; `threads` nil means one per online CPU.
    package init(_ compression: Compression, level: Int? = nil, threads: Int? = nil) {
        self.compression = compression
        self.level = level
        self.threads = threads ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}

/// A streaming writer of one layer blob. Append entries in order, each followed by its
/// data, then `finish()` for the digests.
///
/// Not `Sendable`: it owns libarchive handles.
package final class LayerArchiveWriter {
    private let pipeline: WritePipeline
    private let tar: OpaquePointer
    private let entry: OpaquePointer
    private let options: CompressionOptions
    private var finished = false

    /// Where this writer's thread spent its time so far (complete after `finish()`).
    package var times: LayerWriteTimes { pipeline.times }

    /// Starts a layer written to `output` (already open for writing).
    package init(output: FileDescriptor, options: CompressionOptions) throws(NativeError) {
        self.options = options
        pipeline = try WritePipeline(output: output)
        guard let tar = archive_write_new(), let entry = archive_entry_new() else {
            throw .posix("archive_write_new", errno: ENOMEM, path: output.path)
        }
        self.tar = tar
        self.entry = entry
        let context = Unmanaged.passUnretained(pipeline).toOpaque()

        switch options.compression {
        case .none:
            break
        case .zstd:
            guard let zstd = ZSTD_createCCtx() else { throw .posix("ZSTD_createCCtx", errno: ENOMEM, path: output.path) }
            pipeline.zstd = zstd
            for (parameter, value) in [(ZSTD_c_compressionLevel, options.level ?? 3),
                                       (ZSTD_c_nbWorkers, max(1, options.threads))] {
                let result = ZSTD_CCtx_setParameter(zstd, parameter, Int32(value))
                if ZSTD_isError(result) != 0 {
                    throw .libzstd("ZSTD_CCtx_setParameter", result: result, path: output.path)
                }
            }
        case .gzip:
            var message = [CChar](repeating: 0, count: 256)
            guard let gzip = message.withUnsafeMutableBufferPointer({
                ko_gzip_new(Int32(options.level ?? 6), Int32(max(1, options.threads)), gzipSink, context,
                            $0.baseAddress, $0.count)
            }) else { throw .zlib("ko_gzip_new", code: ENOMEM, buffer: message, path: output.path) }
            pipeline.gzip = gzip
        }

        try check(archive_write_set_format_pax_restricted(tar), tar, "archive_write_set_format_pax_restricted")
        // xattrs only as SCHILY.xattr.* (what Go, GNU tar and umoci read), not also as
        // libarchive's own base64 LIBARCHIVE.xattr.* copy.
        _ = archive_write_set_format_option(tar, "pax", "xattrheader", "SCHILY")
        // 64 KiB blocks towards the compressor, and no padding after the end-of-archive
        // blocks (bytes in last block = 1).
        archive_write_set_bytes_per_block(tar, 65536)
        archive_write_set_bytes_in_last_block(tar, 1)
        try check(archive_write_open(tar, context, nil, writeTarCallback, nil), tar, "archive_write_open")
    }

    deinit {
        if !finished {
            // Abandoned (an error upstream): release without writing trailers.
            archive_write_fail(tar)
        }
        archive_write_free(tar)
        archive_entry_free(entry)
    }

    /// Writes the header of `value`; for regular files (not hard links) `value.size`
    /// bytes of data must follow through `writeData`.
    package func append(_ value: TarEntry) throws(NativeError) {
        archive_entry_clear(entry)
        archive_entry_set_pathname(entry, value.path)
        archive_entry_set_filetype(entry, value.kind.typeBits)
        archive_entry_set_perm(entry, mode_t(value.permissions))
        archive_entry_set_uid(entry, Int64(value.uid))
        archive_entry_set_gid(entry, Int64(value.gid))
        archive_entry_set_mtime(entry, value.mtimeSeconds, value.mtimeNanoseconds)
        if let target = value.hardlinkTarget {
            archive_entry_set_hardlink(entry, target)
            archive_entry_set_size(entry, 0)
        } else if value.kind == .regular {
            archive_entry_set_size(entry, value.size)
        } else {
            archive_entry_set_size(entry, 0)
        }
        if let target = value.symlinkTarget, value.kind == .symlink {
            archive_entry_set_symlink(entry, target)
        }
        if value.kind == .characterDevice || value.kind == .blockDevice {
            archive_entry_set_rdevmajor(entry, dev_t(value.deviceMajor))
            archive_entry_set_rdevminor(entry, dev_t(value.deviceMinor))
        }
        // Sorted by name: a reader's (or listxattr's) order is the file system's, not the tree's.
        for xattr in value.xattrs.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }) {
            xattr.value.withUnsafeBytes { archive_entry_xattr_add_entry(entry, xattr.name, $0.baseAddress, $0.count) }
        }
        let status = archive_write_header(tar, entry)
        guard status == ARCHIVE_OK else {
            throw pipeline.failure ?? .libarchive("write tar header", archive: tar, path: value.path)
        }
    }

    /// Writes data of the current entry.
    package func writeData(_ bytes: UnsafeRawBufferPointer) throws(NativeError) {
        var offset = 0
        while offset < bytes.count {
            let n = archive_write_data(tar, bytes.baseAddress! + offset, bytes.count - offset)
            guard n > 0 else { throw pipeline.failure ?? .libarchive("write tar data", archive: tar, path: pipeline.output.path) }
            offset += n
        }
    }

    /// Writes `bytes` as data of the current entry.
    package func writeData(_ bytes: [UInt8]) throws(NativeError) {
        var failure: NativeError?
        bytes.withUnsafeBytes { buffer in
            do throws(NativeError) { try writeData(buffer) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Copies the whole of `file` (from its current offset) as the current entry's data,
    /// checking that it has `expectedSize` bytes (a file that changed while being
    /// archived would otherwise corrupt the tar).
    package func writeData(from file: FileDescriptor, expectedSize: Int64) throws(NativeError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 17, alignment: 16)
        defer { buffer.deallocate() }
        var total: Int64 = 0
        while true {
            let n = try file.read(into: buffer)
            if n == 0 { break }
            total += Int64(n)
            guard total <= expectedSize else { break }
            try writeData(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
        }
        guard total == expectedSize else {
            throw NativeError(library: .posix, operation: "archive", code: Int(EIO),
                              message: "file changed size while being archived (expected \(expectedSize) bytes)",
                              path: file.path)
        }
    }

    /// Writes the end of the archive, flushes the compressor and returns both digests.
    package func finish() throws(NativeError) -> LayerDigests {
        finished = true
        try check(archive_write_close(tar), tar, "close tar")
        let pipeline = self.pipeline
        if let gzip = pipeline.gzip {
            try pipeline.compressing { () throws(NativeError) in
                try pipeline.gzipCall("ko_gzip_finish") { ko_gzip_finish(gzip, $0, $1) }
            }
        }
        if let zstd = pipeline.zstd {
            try pipeline.compressing { () throws(NativeError) in
                try pipeline.compressZstd(zstd, UnsafeRawBufferPointer(start: nil, count: 0), end: true)
            }
        }
        return LayerDigests(diffID: try pipeline.tarHasher.finalizeDigest(),
                            uncompressedSize: pipeline.uncompressedCount,
                            digest: try pipeline.blobHasher.finalizeDigest(),
                            size: pipeline.compressedCount, compression: options.compression)
    }

    /// Throws the pipeline's own failure or libarchive's error unless `status` is OK.
    private func check(_ status: Int32, _ archive: OpaquePointer, _ operation: String) throws(NativeError) {
        guard status == ARCHIVE_OK else {
            throw pipeline.failure ?? .libarchive(operation, archive: archive, path: pipeline.output.path)
        }
    }
}

@available(*, unavailable)
extension LayerArchiveWriter: Sendable {}
