// NativeError built from real failures of each C library, so the factories are checked
// against what libcrypto, libcurl, libarchive and libc actually report.

import CKollaShim
import Foundation
import OCIBuild
import OCISystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("NativeError")
struct NativeErrorTests {
    @Test("description: operation, path, message, library and code")
    func descriptionFormat() {
        let error = NativeError(library: .libarchive, operation: "archive_write_header", code: 22,
                                message: "Path contains '..'", path: "layer.tar")
        #expect(error.description
                == "archive_write_header layer.tar: Path contains '..' (libarchive error 22)")
        let noPath = NativeError(library: .posix, operation: "unshare", code: 1, message: "x")
        #expect(noPath.description == "unshare: x (posix error 1)")
    }

    @Test("posix: errno and strerror of a failed open")
    func posix() {
        let path = "/nonexistent-kolla-oci/file"
        let fd = open(path, O_RDONLY)
        let error = NativeError.posix("open", path: path)
        #expect(fd == -1)
        #expect(error.library == .posix)
        #expect(error.code == Int(ENOENT))
        #expect(error.description == "open \(path): No such file or directory (posix error 2)")
        #expect(NativeError.posix("read", errno: EBADF).message == "Bad file descriptor")
    }

    @Test("libcrypto: drains the OpenSSL error queue")
    func libcrypto() throws {
        let context = try #require(EVP_MD_CTX_new())
        defer { EVP_MD_CTX_free(context) }
        // Initialising without a digest on a fresh context is refused ("no digest set").
        #expect(EVP_DigestInit_ex(context, nil, nil) == 0)
        let error = NativeError.libcrypto("EVP_DigestInit_ex")
        #expect(error.library == .libcrypto)
        #expect(error.code != 0)
        #expect(error.message.contains("no digest set"))
        // The queue is empty afterwards, and an empty queue is still reported.
        let empty = NativeError.libcrypto("EVP_DigestUpdate")
        #expect(empty.code == 0)
        #expect(empty.message == "libcrypto reported no detail")
    }

    @Test("libcurl: code text plus the error buffer's detail")
    func libcurl() throws {
        CurlGlobal.ready()
        let handle = try #require(curl_easy_init())
        defer { curl_easy_cleanup(handle) }
        let url = "file:///nonexistent-kolla-oci/blob"
        var buffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE))
        let code = buffer.withUnsafeMutableBufferPointer { errorBuffer -> CURLcode in
            #expect(ko_curl_setopt_str(handle, CURLOPT_URL, url) == CURLE_OK)
            #expect(ko_curl_setopt_ptr(handle, CURLOPT_ERRORBUFFER, errorBuffer.baseAddress) == CURLE_OK)
            let code = curl_easy_perform(handle)
            // The handle must not keep a pointer to this buffer past the closure.
            _ = ko_curl_setopt_ptr(handle, CURLOPT_ERRORBUFFER, nil)
            return code
        }
        let detail = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let error = NativeError.libcurl("curl_easy_perform", code: code, detail: detail, url: url)
        #expect(code == CURLE_FILE_COULDNT_READ_FILE)
        #expect(error.code == Int(CURLE_FILE_COULDNT_READ_FILE.rawValue))
        #expect(error.path == url)
        #expect(error.message.hasPrefix("Couldn't read a file:// file"))
        #expect(!detail.isEmpty && error.message.hasSuffix(": \(detail)"))
    }

    @Test("libarchive: errno and error string of a failed open")
    func libarchive() throws {
        let archive = try #require(archive_read_new())
        defer { archive_read_free(archive) }
        #expect(archive_read_support_format_all(archive) == ARCHIVE_OK)
        let path = "/nonexistent-kolla-oci/layer.tar"
        #expect(archive_read_open_filename(archive, path, 10240) == ARCHIVE_FATAL)
        let error = NativeError.libarchive("archive_read_open_filename", archive: archive, path: path)
        #expect(error.library == .libarchive)
        #expect(error.code == Int(ENOENT))
        #expect(error.message.contains("Failed to open"))
    }
}

/// `curl_global_init` must run once before any thread uses curl and is not thread-safe;
/// a static `let` is initialised exactly once even when tests run in parallel.
enum CurlGlobal {
    private static let status: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// Initialises libcurl on first use and checks that it worked.
    static func ready() {
        precondition(status == CURLE_OK, "curl_global_init failed: \(status.rawValue)")
    }
}
