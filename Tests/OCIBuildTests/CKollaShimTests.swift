// The C shims exercised for real and offline: curl's fixed-arity setopt/getinfo wrappers
// and callback setters over file:// URLs (download, header-only and upload), and
// ko_archive_set_error_msg from inside a libarchive read callback.

import CKollaShim
import Foundation
import Testing
import TestSupport
import OCIBuild
import OCISystem

#if canImport(Glibc)
import Glibc
#endif

/// Collects what curl hands to a write or header callback.
private final class ByteSink {
    var bytes: [UInt8] = []
}

/// Serves bytes to curl's read callback, a piece at a time.
private final class ByteSource {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
}

/// A write/header callback appending to the `ByteSink` passed as context.
private let appendToSink: ko_curl_data_callback = { buffer, size, count, context in
    let sink = Unmanaged<ByteSink>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    buffer!.withMemoryRebound(to: UInt8.self, capacity: length) { start in
        sink.bytes.append(contentsOf: UnsafeBufferPointer(start: start, count: length))
    }
    return length
}

/// A read callback copying from the `ByteSource` passed as context; 0 ends the upload.
private let readFromSource: ko_curl_data_callback = { buffer, size, count, context in
    let source = Unmanaged<ByteSource>.fromOpaque(context!).takeUnretainedValue()
    // Small pieces on purpose, so the upload takes several callbacks.
    let length = min(size * count, source.bytes.count - source.offset, 1000)
    source.bytes.withUnsafeBufferPointer { all in
        UnsafeMutableRawPointer(buffer!).copyMemory(from: all.baseAddress! + source.offset,
                                                    byteCount: length)
    }
    source.offset += length
    return length
}

@Suite("CKollaShim")
struct CKollaShimTests {
    @Test("curl: download through the write callback, then getinfo")
    func curlDownload() throws {
        CurlGlobal.ready()
        try withTemporaryDirectory { dir in
            let payload = Array((0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            let file = dir.appending("blob")
            try Data(payload).write(to: file)
            let url = "file://\(file.path)"

            let handle = try #require(curl_easy_init())
            defer { curl_easy_cleanup(handle) }
            let sink = ByteSink()
            let context = Unmanaged.passUnretained(sink).toOpaque()
            #expect(ko_curl_setopt_str(handle, CURLOPT_URL, url) == CURLE_OK)
            #expect(ko_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1) == CURLE_OK)
            #expect(ko_curl_set_write_callback(handle, appendToSink, context) == CURLE_OK)
            let code = withExtendedLifetime(sink) { curl_easy_perform(handle) }
            #expect(code == CURLE_OK)
            #expect(sink.bytes == payload)

            var effective: UnsafePointer<CChar>?
            #expect(ko_curl_getinfo_str(handle, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK)
            #expect(effective.map { String(cString: $0) } == url)
            var downloaded: curl_off_t = -1
            #expect(ko_curl_getinfo_off(handle, CURLINFO_SIZE_DOWNLOAD_T, &downloaded) == CURLE_OK)
            #expect(downloaded == curl_off_t(payload.count))
            var failedErrno = -1
            #expect(ko_curl_getinfo_long(handle, CURLINFO_OS_ERRNO, &failedErrno) == CURLE_OK)
            #expect(failedErrno == 0)
        }
    }

    @Test("curl: header-only request feeds the header callback")
    func curlHeaders() throws {
        CurlGlobal.ready()
        try withTemporaryDirectory { dir in
            let file = dir.appending("blob")
            try Data(repeating: 7, count: 1234).write(to: file)

            let handle = try #require(curl_easy_init())
            defer { curl_easy_cleanup(handle) }
            let headers = ByteSink()
            let body = ByteSink()
            #expect(ko_curl_setopt_str(handle, CURLOPT_URL, "file://\(file.path)") == CURLE_OK)
            #expect(ko_curl_setopt_long(handle, CURLOPT_NOBODY, 1) == CURLE_OK)
            #expect(ko_curl_set_header_callback(handle, appendToSink,
                                                Unmanaged.passUnretained(headers).toOpaque()) == CURLE_OK)
            #expect(ko_curl_set_write_callback(handle, appendToSink,
                                               Unmanaged.passUnretained(body).toOpaque()) == CURLE_OK)
            let code = withExtendedLifetime((headers, body)) { curl_easy_perform(handle) }
            #expect(code == CURLE_OK)
            let text = String(decoding: headers.bytes, as: UTF8.self)
            #expect(text.contains("Content-Length: 1234\r\n"))
            #expect(body.bytes.isEmpty)
        }
    }

    @Test("curl: upload through the read callback with a known size")
    func curlUpload() throws {
        CurlGlobal.ready()
        try withTemporaryDirectory { dir in
            let payload = Array("layer bytes ".utf8) + [UInt8](repeating: 0xAB, count: 5000)
            let destination = dir.appending("uploaded")

            let handle = try #require(curl_easy_init())
            defer { curl_easy_cleanup(handle) }
            let source = ByteSource(payload)
            #expect(ko_curl_setopt_str(handle, CURLOPT_URL, "file://\(destination.path)") == CURLE_OK)
            #expect(ko_curl_setopt_long(handle, CURLOPT_UPLOAD, 1) == CURLE_OK)
            #expect(ko_curl_setopt_off(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(payload.count)) == CURLE_OK)
            #expect(ko_curl_set_read_callback(handle, readFromSource,
                                              Unmanaged.passUnretained(source).toOpaque()) == CURLE_OK)
            let code = withExtendedLifetime(source) { curl_easy_perform(handle) }
            #expect(code == CURLE_OK)
            #expect(source.offset == payload.count)
            #expect(try Array(Data(contentsOf: destination)) == payload)
            var uploaded: curl_off_t = -1
            #expect(ko_curl_getinfo_off(handle, CURLINFO_SIZE_UPLOAD_T, &uploaded) == CURLE_OK)
            #expect(uploaded == curl_off_t(payload.count))
        }
    }

    @Test("archive: a read callback's error message reaches the caller verbatim")
    func archiveCallbackError() throws {
        let archive = try #require(archive_read_new())
        defer { archive_read_free(archive) }
        #expect(archive_read_support_format_tar(archive) == ARCHIVE_OK)
        // A stream that breaks on its first read, the way a registry download can.
        let status = archive_read_open(archive, nil, nil, { archive, _, _ in
            ko_archive_set_error_msg(archive, EIO, "blob stream broke at 100% (%s %d)")
            return -1
        }, nil)
        #expect(status == ARCHIVE_FATAL)
        #expect(archive_errno(archive) == EIO)
        let message = archive_error_string(archive).map { String(cString: $0) }
        #expect(message == "blob stream broke at 100% (%s %d)")
    }

    @Test("archive: ko_archive_set_error_msg sets errno and message")
    func archiveSetError() throws {
        let archive = try #require(archive_write_new())
        defer { archive_write_free(archive) }
        ko_archive_set_error_msg(archive, ENOSPC, "layer spool full")
        #expect(archive_errno(archive) == ENOSPC)
        #expect(archive_error_string(archive).map { String(cString: $0) } == "layer spool full")
    }

    @Test("gzip: empty input is a valid empty member; a sink's stop ends the stream with KO_GZIP_SINK_STOPPED")
    func parallelGzipEdges() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-gzip")
        defer { try? dir.remove() }
        let sink = ByteSink()
        let context = Unmanaged.passUnretained(sink).toOpaque()
        var err = [CChar](repeating: 0, count: 256)
        let collect: ko_gzip_sink = { context, bytes, length in
            let sink = Unmanaged<ByteSink>.fromOpaque(context!).takeUnretainedValue()
            sink.bytes += UnsafeRawBufferPointer(start: bytes, count: length)
            return 0
        }
        let z = try #require(ko_gzip_new(6, 3, collect, context, &err, err.count))
        #expect(ko_gzip_finish(z, &err, err.count) == 0)
        ko_gzip_free(z)
        try Data(sink.bytes).write(to: URL(fileURLWithPath: dir.path + "/empty.gz"))
        let check = try runTool("/bin/gzip", ["-dc", dir.path + "/empty.gz"])
        #expect(check.status == 0 && check.stdout.isEmpty, "\(check.stderr)")

        let refuse: ko_gzip_sink = { _, _, _ in 1 }
        let stopped = try #require(ko_gzip_new(1, 2, refuse, nil, &err, err.count))
        defer { ko_gzip_free(stopped) }
        let input = [UInt8](repeating: 7, count: 1 << 20)
        let status = input.withUnsafeBytes { ko_gzip_write(stopped, $0.baseAddress, $0.count, &err, err.count) }
        #expect(status == Int32(KO_GZIP_SINK_STOPPED))
    }

    @Test("FileSystem.writeFile creates or truncates, with the mode given")
    func writeFileWithoutSync() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-writefile")
        defer { try? dir.remove() }
        let path = dir.path + "/Dockerfile"
        try FileSystem.writeFile(path, "FROM scratch\nCOPY a b\n".utf8, mode: 0o640)
        try FileSystem.writeFile(path, "FROM x\n".utf8)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "FROM x\n")
        #expect(try FileSystem.status(path)?.permissions == 0o640)
        #expect(throws: NativeError.self) { try FileSystem.writeFile(dir.path + "/missing/f", [1, 2]) }
    }
}
