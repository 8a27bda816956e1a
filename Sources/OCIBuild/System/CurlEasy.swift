// libcurl's easy interface behind one Swift class: one `CURL *` handle that performs HTTP
// requests one after another (reusing its connections), with every option set through the
// fixed-arity wrappers of ko_curl.h and every failure turned into a `NativeError`.
//
// Threads: a handle is used by one thread at a time (libcurl's rule), so `CurlEasy` is not
// `Sendable`; the registry client gives each worker thread its own. `curl_global_init`
// runs exactly once, before the first handle, through `CurlLibrary.initialize()`.

import CKollaShim
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// libcurl's process-wide state.
package enum CurlLibrary {
    /// `curl_global_init` is not thread-safe and must run once before any handle exists;
    /// a static `let` is initialised exactly once, whichever thread gets here first.
    private static let globalStatus: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// Initialises libcurl on first use.
    ///
    /// - Throws: the `curl_global_init` failure, on every call after it failed.
    package static func initialize() throws(NativeError) {
        guard globalStatus == CURLE_OK else {
            throw NativeError.libcurl("curl_global_init", code: globalStatus)
        }
    }

    /// The version line of the linked libcurl, e.g. `libcurl/7.88.1 OpenSSL/3.0.19 …`.
    package static var version: String { String(cString: curl_version()) }
}

/// A flag that stops transfers of several threads at once: callbacks check it and abort
/// their transfer once it is set (e.g. after a sibling blob upload failed for good).
package final class TransferCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    /// A flag not set yet.
    package init() {}

    /// Sets the flag; running transfers abort at their next callback.
    package func cancel() { flag.store(true, ordering: .relaxed) }

    /// True once `cancel()` was called.
    package var isCancelled: Bool { flag.load(ordering: .relaxed) }
}

/// One libcurl easy handle performing HTTP requests.
///
/// Not `Sendable`: libcurl forbids using a handle from two threads at once.
package final class CurlEasy {
    /// The handle, valid from `init` to `deinit`; replaced after a failed transfer.
    private var handle: UnsafeMutableRawPointer
    /// `CURLOPT_ERRORBUFFER`: libcurl writes a detailed message here on failure.
    private let errorBuffer: UnsafeMutablePointer<CChar>

    /// The libcurl default CA bundle path (`CURLINFO_CAINFO`), nil when it has none.
    package let defaultCABundle: String?

    /// Creates a handle (initialising libcurl on first use).
    package init() throws(NativeError) {
        try CurlLibrary.initialize()
        guard let handle = curl_easy_init() else {
            throw NativeError.libcurl("curl_easy_init", code: CURLE_FAILED_INIT)
        }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var path: UnsafePointer<CChar>?
        defaultCABundle = ko_curl_getinfo_str(handle, CURLINFO_CAINFO, &path) == CURLE_OK
            ? path.map { String(cString: $0) } : nil
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Performs `request` and returns the final response. A 2xx body goes to `sink` when
    /// one is given (as it arrives); every other body is collected, up to
    /// `request.bodyLimit` bytes. `progress` is told how many body bytes moved (sent or
    /// received) after each piece.
    ///
    /// - Throws: `NativeError` (library `.libcurl`, path = the URL) for a failed transfer:
    ///   no connection, TLS failure, reset, truncated body, a stall, a sink that refused
    ///   data (`CURLE_WRITE_ERROR`) or `cancellation` (`CURLE_ABORTED_BY_CALLBACK`).
    ///   HTTP error statuses are not errors here: they come back as responses.
    package func perform(_ request: HTTPRequest, sink: (any HTTPResponseSink)? = nil,
                         cancellation: TransferCancellation? = nil,
                         progress: ((Int) -> Void)? = nil) throws(NativeError) -> HTTPResponse {
        curl_easy_reset(handle)
        errorBuffer[0] = 0
        let state = TransferState(sink: sink, bodyLimit: request.bodyLimit, cancellation: cancellation,
                                  progress: progress)
        if case .file(let path, let offset, let length) = request.body {
            state.uploadFile = try FileDescriptor(path: path, flags: O_RDONLY)
            state.uploadOffset = offset
            state.uploadRemaining = length
        } else if case .bytes(let bytes) = request.body {
            state.uploadBytes = bytes
        }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        // No `Expect: 100-continue` round trip (and no 1 s wait on servers that ignore it).
        for line in request.headers.map({ "\($0.name): \($0.value)" }) + ["Expect:"] {
            guard let appended = curl_slist_append(headerList, line) else {
                throw NativeError.libcurl("curl_slist_append", code: CURLE_OUT_OF_MEMORY, url: request.url)
            }
            headerList = appended
        }
        let context = Unmanaged.passUnretained(state).toOpaque()
        do {
            try withExtendedLifetime(state) { () throws(NativeError) in
                try configure(request, headers: headerList, context: context)
                let code = curl_easy_perform(handle)
                if let failure = state.failure { throw failure }
                guard code == CURLE_OK else {
                    throw NativeError.libcurl("curl_easy_perform \(request.method)", code: code,
                                              detail: String(cString: errorBuffer), url: request.url)
                }
            }
        } catch {
            renewHandle()
            throw error
        }
        var status = 0
        _ = ko_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status != 0 ? status : state.status, headers: state.headers,
                            body: state.body, streamedBytes: state.streamed)
    }

    /// Replaces the handle after a failed transfer. libcurl 7.88 keeps state from a failed
    /// name resolution on the handle that `curl_easy_reset` does not clear, and the next
    /// `CURLOPT_BUFFERSIZE` on it fails with CURLE_BAD_FUNCTION_ARGUMENT: every retry of a
    /// DNS failure then failed before reaching the network. A failed transfer's connection
    /// is not worth keeping, so a fresh handle costs nothing that matters. When no new
    /// handle can be made, the old one stays and the next transfer reports what fails.
    private func renewHandle() {
        guard let fresh = curl_easy_init() else { return }
        curl_easy_cleanup(handle)
        handle = fresh
    }

    /// Sets every option of `request` on the freshly reset handle.
    private func configure(_ request: HTTPRequest, headers: UnsafeMutablePointer<curl_slist>?,
                           context: UnsafeMutableRawPointer) throws(NativeError) {
        func check(_ code: CURLcode, _ option: String) throws(NativeError) {
            guard code == CURLE_OK else {
                throw NativeError.libcurl("curl_easy_setopt \(option)", code: code, url: request.url)
            }
        }
        try check(ko_curl_setopt_str(handle, CURLOPT_URL, request.url), "CURLOPT_URL")
        try check(ko_curl_setopt_str(handle, CURLOPT_PROTOCOLS_STR, "http,https"), "CURLOPT_PROTOCOLS_STR")
        try check(ko_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "CURLOPT_NOSIGNAL")
        try check(ko_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0), "CURLOPT_FOLLOWLOCATION")
        try check(ko_curl_setopt_ptr(handle, CURLOPT_ERRORBUFFER, errorBuffer), "CURLOPT_ERRORBUFFER")
        try check(ko_curl_setopt_ptr(handle, CURLOPT_HTTPHEADER, headers), "CURLOPT_HTTPHEADER")
        try check(ko_curl_setopt_str(handle, CURLOPT_USERAGENT, "kolla-oci"), "CURLOPT_USERAGENT")
        try check(ko_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, request.connectTimeout),
                  "CURLOPT_CONNECTTIMEOUT")
        try check(ko_curl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1), "CURLOPT_LOW_SPEED_LIMIT")
        try check(ko_curl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, request.stallTimeout),
                  "CURLOPT_LOW_SPEED_TIME")
        try check(ko_curl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1), "CURLOPT_TCP_KEEPALIVE")
        // Larger buffers than the 16 KiB / 64 KiB defaults: fewer callbacks per blob.
        try check(ko_curl_setopt_long(handle, CURLOPT_BUFFERSIZE, 256 << 10), "CURLOPT_BUFFERSIZE")
        try check(ko_curl_setopt_long(handle, CURLOPT_UPLOAD_BUFFERSIZE, 1 << 20), "CURLOPT_UPLOAD_BUFFERSIZE")
        try check(ko_curl_set_header_callback(handle, curlHeaderCallback, context), "CURLOPT_HEADERFUNCTION")
        try check(ko_curl_set_write_callback(handle, curlWriteCallback, context), "CURLOPT_WRITEFUNCTION")

        try check(ko_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, request.tls.verify ? 1 : 0),
                  "CURLOPT_SSL_VERIFYPEER")
        try check(ko_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, request.tls.verify ? 2 : 0),
                  "CURLOPT_SSL_VERIFYHOST")
        if let pem = request.tls.trustedCertificates {
            // CURL_BLOB_COPY: libcurl keeps its own copy, so the bytes need not outlive the call.
            var pemCopy = pem
            let code = pemCopy.withUnsafeMutableBytes { buffer in
                var blob = curl_blob(data: buffer.baseAddress, len: buffer.count, flags: UInt32(CURL_BLOB_COPY))
                return ko_curl_setopt_ptr(handle, CURLOPT_CAINFO_BLOB, &blob)
            }
            try check(code, "CURLOPT_CAINFO_BLOB")
        }

        switch request.method {
        case "GET":
            break
        case "HEAD":
            try check(ko_curl_setopt_long(handle, CURLOPT_NOBODY, 1), "CURLOPT_NOBODY")
        default:
            try check(ko_curl_setopt_str(handle, CURLOPT_CUSTOMREQUEST, request.method), "CURLOPT_CUSTOMREQUEST")
        }
        if let length = request.body.length {
            // CURLOPT_UPLOAD sends the body from the read callback with a Content-Length;
            // CUSTOMREQUEST above turns its PUT into POST or PATCH where needed.
            try check(ko_curl_setopt_long(handle, CURLOPT_UPLOAD, 1), "CURLOPT_UPLOAD")
            try check(ko_curl_setopt_off(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(length)),
                      "CURLOPT_INFILESIZE_LARGE")
            try check(ko_curl_set_read_callback(handle, curlReadCallback, context), "CURLOPT_READFUNCTION")
        }
    }
}

@available(*, unavailable)
extension CurlEasy: Sendable {}

/// What the callbacks of one `perform` share: the parsed status and headers, the body
/// (collected or streamed) and the upload source.
private final class TransferState {
    let sink: (any HTTPResponseSink)?
    let bodyLimit: Int
    let cancellation: TransferCancellation?
    let progress: ((Int) -> Void)?

    var status = 0
    var headers: [HTTPHeader] = []
    var body: [UInt8] = []
    var streamed: Int64 = 0
    /// Set by a callback that aborts for a reason of its own (too long a body, a read error).
    var failure: NativeError?

    var uploadBytes: [UInt8] = []
    var uploadBytesOffset = 0
    var uploadFile: FileDescriptor?
    var uploadOffset: Int64 = 0
    var uploadRemaining: Int64 = 0

    init(sink: (any HTTPResponseSink)?, bodyLimit: Int, cancellation: TransferCancellation?,
         progress: ((Int) -> Void)?) {
        self.sink = sink
        self.bodyLimit = bodyLimit
        self.cancellation = cancellation
        self.progress = progress
    }

    /// One header line as libcurl hands it over (with its CRLF). A status line starts a
    /// new response (after a 1xx interim one), so the headers seen so far are dropped.
    func headerLine(_ line: String) {
        let trimmed = line.trimmingWhitespace()
        if trimmed.hasPrefix("HTTP/") {
            let parts = trimmed.split(separator: " ", maxSplits: 2)
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            headers = []
        } else if let colon = trimmed.firstIndex(of: ":") {
            headers.append(HTTPHeader(String(trimmed[..<colon]).trimmingWhitespace(),
                                      String(trimmed[trimmed.index(after: colon)...]).trimmingWhitespace()))
        }
    }

    /// Body bytes: to the sink for a 2xx response when there is one, else collected.
    func receive(_ buffer: UnsafeRawBufferPointer) -> Bool {
        if cancellation?.isCancelled == true { return false }
        if let sink, (200..<300).contains(status) {
            guard sink.receive(buffer) else { return false }
            streamed += Int64(buffer.count)
        } else {
            guard body.count + buffer.count <= bodyLimit else {
                failure = NativeError(library: .libcurl, operation: "receive body",
                                      code: Int(CURLE_FILESIZE_EXCEEDED.rawValue),
                                      message: "response body longer than \(bodyLimit) bytes")
                return false
            }
            body.append(contentsOf: buffer)
        }
        progress?(buffer.count)
        return true
    }

    /// Fills `buffer` with the next upload bytes; 0 at the end; nil to abort.
    func send(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        if cancellation?.isCancelled == true { return nil }
        var count = 0
        if let file = uploadFile {
            let wanted = Int(min(Int64(buffer.count), uploadRemaining))
            if wanted == 0 { return 0 }
            let n = pread(file.raw, buffer.baseAddress, wanted, off_t(uploadOffset))
            if n < 0 {
                failure = .posix("pread", path: file.path)
                return nil
            }
            if n == 0 {
                failure = NativeError(library: .posix, operation: "pread", code: 0,
                                      message: "file ended \(uploadRemaining) bytes early", path: file.path)
                return nil
            }
            uploadOffset += Int64(n)
            uploadRemaining -= Int64(n)
            count = n
        } else {
            count = min(buffer.count, uploadBytes.count - uploadBytesOffset)
            if count > 0 {
                uploadBytes.withUnsafeBytes { source in
                    buffer.baseAddress!.copyMemory(from: source.baseAddress! + uploadBytesOffset, byteCount: count)
                }
                uploadBytesOffset += count
            }
        }
        if count > 0 { progress?(count) }
        return count
    }
}

/// CURLOPT_HEADERFUNCTION: one complete header line per call.
private let curlHeaderCallback: ko_curl_data_callback = { buffer, size, count, context in
    let state = Unmanaged<TransferState>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    let bytes = UnsafeRawBufferPointer(start: buffer, count: length)
    state.headerLine(String(decoding: bytes, as: UTF8.self))
    return length
}

/// CURLOPT_WRITEFUNCTION: body bytes; returning anything but `length` aborts.
private let curlWriteCallback: ko_curl_data_callback = { buffer, size, count, context in
    let state = Unmanaged<TransferState>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    return state.receive(UnsafeRawBufferPointer(start: buffer, count: length)) ? length : 0
}

/// CURLOPT_READFUNCTION: upload bytes; `CURL_READFUNC_ABORT` stops the transfer.
private let curlReadCallback: ko_curl_data_callback = { buffer, size, count, context in
    let state = Unmanaged<TransferState>.fromOpaque(context!).takeUnretainedValue()
    let target = UnsafeMutableRawBufferPointer(start: buffer, count: size * count)
    return state.send(into: target) ?? Int(CURL_READFUNC_ABORT)
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs, CR and LF.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
