import Foundation

/// Plain HTTP(S) downloads over libcurl (kolla's `url` sources): GET with redirects
/// followed, the body streamed to a file, TLS verified; status 200 required.
package enum HTTPDownload {
    /// Downloads `url` to `path` and returns the body's SHA-256 (hex). Throws for a
    /// transfer failure or a final status other than 200; a partial file is removed.
    package static func fetch(_ url: String, to path: String, timeout: Int) throws -> String {
        var current = url
        for _ in 0..<10 {
            let sink = try FileSink(path: path)
            var request = HTTPRequest(method: "GET", url: current)
            request.connectTimeout = max(1, timeout)
            request.stallTimeout = max(1, timeout)
            let response: HTTPResponse
            do {
                response = try CurlEasy().perform(request, sink: sink)
            } catch {
                unlink(path)
                throw error
            }
            if (300..<400).contains(response.status), let location = response.header("Location") {
                unlink(path)
                current = URL(string: location, relativeTo: URL(string: current))?.absoluteString ?? location
                continue
            }
            guard response.status == 200 else {
                unlink(path)
                throw NativeError.posix("GET \(current) returned HTTP \(response.status)", errno: EIO, path: url)
            }
            return try sink.finish()
        }
        throw NativeError.posix("GET \(url): too many redirects", errno: ELOOP, path: url)
    }

    private final class FileSink: HTTPResponseSink {
        let file: FileDescriptor
        let hasher: SHA256
        var failure: Error?

        init(path: String) throws {
            file = try FileDescriptor(path: path, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
            hasher = try SHA256()
        }

        func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
            do {
                try file.write(bytes)
                try hasher.update(bytes)
                return true
            } catch {
                failure = error
                return false
            }
        }

        func finish() throws -> String {
            if let failure { throw failure }
            return try hasher.finalizeDigest().encoded
        }
    }
}
