// The one error type for failures reported by C: libcrypto, libcurl, libarchive and the
// system calls. Native/ turns every C status into one of these at the call site, so the
// layers above never see a raw return code (containerization's `checkOk(elseThrow:)`).


import CKollaShim

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A failure reported by a C library or a system call, with enough context to act on it:
/// which library, which C function, the library's own code and message, and the path the
/// call was about when there is one.
package struct NativeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The C library (or the kernel) that reported the failure; it says how to read `code`.
    package enum Library: String, Sendable, Hashable {
        /// A system call or libc function; `code` is an `errno` value.
        case posix
        /// OpenSSL's libcrypto; `code` is the packed error from `ERR_get_error()`.
        case libcrypto
        /// libcurl; `code` is a `CURLcode`.
        case libcurl
        /// libarchive; `code` is `archive_errno()` (an errno value or `ARCHIVE_ERRNO_MISC`).
        case libarchive
        /// libzstd; `code` is the `ZSTD_ErrorCode` of a failed call.
        case libzstd
        /// zlib (the parallel gzip compressor); `code` is a zlib or errno value.
        case zlib
    }

    /// The library whose convention `code` follows.
    package var library: Library
    /// The C function that failed, e.g. `EVP_DigestUpdate` or `open`.
    package var operation: String
    /// The library's numeric error code (see `Library` for its meaning); 0 when it gave none.
    package var code: Int
    /// The library's own description of the failure.
    package var message: String
    /// The file or URL the call was about, when there is one.
    package var path: String?

    /// Creates an error from parts already known; the factories below read them from C.
    package init(library: Library, operation: String, code: Int, message: String, path: String? = nil) {
        self.library = library
        self.operation = operation
        self.code = code
        self.message = message
        self.path = path
    }

    /// `<operation>[ <path>]: <message> (<library> error <code>)`, lowercase library name
    /// and no trailing period, as every diagnostic in the project.
    package var description: String {
        var text = operation
        if let path { text += " \(path)" }
        text += ": \(message) (\(library.rawValue) error \(code))"
        return text
    }
}

extension NativeError {
    /// A failed system call: `errno` (by default the calling thread's current value) with
    /// its `strerror` text.
    package static func posix(_ operation: String, errno code: Int32 = errno, path: String? = nil) -> NativeError {
        NativeError(library: .posix, operation: operation, code: Int(code),
                    message: String(cString: strerror(code)), path: path)
    }

    /// A failed libcrypto call. Drains this thread's OpenSSL error queue: `code` is the
    /// earliest queued error (the root cause; later entries are usually consequences) and
    /// `message` joins the reason text of every entry. An empty queue still gives an error,
    /// saying that libcrypto gave no detail.
    package static func libcrypto(_ operation: String, path: String? = nil) -> NativeError {
        var first: UInt = 0
        var reasons: [String] = []
        while true {
            let packed = ERR_get_error()
            if packed == 0 { break }
            if first == 0 { first = packed }
            // ERR_error_string_n always NUL-terminates within the given length.
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(packed, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                                  as: UTF8.self))
        }
        let message = reasons.isEmpty ? "libcrypto reported no detail" : reasons.joined(separator: "; ")
        return NativeError(library: .libcrypto, operation: operation, code: Int(first),
                           message: message, path: path)
    }

    /// A failed libcurl easy call, described with `curl_easy_strerror`. When the transfer
    /// was given a `CURLOPT_ERRORBUFFER`, pass its text as `detail`: it is more specific
    /// than the generic code text and is appended to it.
    package static func libcurl(_ operation: String, code: CURLcode, detail: String? = nil,
                                url: String? = nil) -> NativeError {
        var message = String(cString: curl_easy_strerror(code))
        if let detail, !detail.isEmpty { message += ": \(detail)" }
        return NativeError(library: .libcurl, operation: operation, code: Int(code.rawValue),
                           message: message, path: url)
    }

    /// A failed libzstd call that returned `result` (an error code by `ZSTD_isError`).
    package static func libzstd(_ operation: String, result: Int, path: String? = nil) -> NativeError {
        NativeError(library: .libzstd, operation: operation, code: Int(ZSTD_getErrorCode(result).rawValue),
                    message: String(cString: ZSTD_getErrorName(result)), path: path)
    }

    /// A failed call of the parallel gzip compressor, with the message it wrote to `buffer`.
    package static func zlib(_ operation: String, code: Int32, buffer: [CChar], path: String? = nil) -> NativeError {
        let message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return NativeError(library: .zlib, operation: operation, code: Int(code),
                           message: message.isEmpty ? "zlib reported no detail" : message, path: path)
    }

    /// A failed libarchive call on `archive`, read from `archive_errno` and
    /// `archive_error_string` (which must be read before the handle is used again).
    package static func libarchive(_ operation: String, archive: OpaquePointer,
                                   path: String? = nil) -> NativeError {
        let message = archive_error_string(archive).map { String(cString: $0) }
        return NativeError(library: .libarchive, operation: operation,
                           code: Int(archive_errno(archive)),
                           message: message ?? "libarchive reported no detail", path: path)
    }
}
