// The plain values of one HTTP exchange as `CurlEasy` performs it: what to send and what
// came back. They carry no libcurl types, so the registry client above Native/ builds and
// reads them without touching C (only Native/ calls into the shim).

/// One header line, name and value without the colon and surrounding white space.
package struct HTTPHeader: Sendable, Hashable {
    /// The field name as sent or received (compare it case-insensitively).
    package var name: String
    /// The field value, leading and trailing white space removed.
    package var value: String

    /// A header `name: value`.
    package init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// What a request sends as its body.
package enum HTTPRequestBody: Sendable, Hashable {
    /// No body at all (GET, HEAD, DELETE).
    case none
    /// These bytes, with `Content-Length` (possibly 0).
    case bytes([UInt8])
    /// `length` bytes of the file at `path` starting at `offset`, read as they are sent,
    /// with `Content-Length`; the file is opened when the transfer starts.
    case file(path: String, offset: Int64, length: Int64)

    /// The number of bytes sent, nil for `.none`.
    package var length: Int64? {
        switch self {
        case .none: return nil
        case .bytes(let bytes): return Int64(bytes.count)
        case .file(_, _, let length): return length
        }
    }
}

/// How TLS is checked for one request.
package struct TLSSettings: Sendable, Hashable {
    /// Verify the peer's certificate chain and host name (the default). False only for
    /// registries the user declared insecure.
    package var verify = true
    /// PEM certificates to trust instead of libcurl's default CA bundle; nil keeps the
    /// default. Callers that add a CA build this from the system bundle plus their own.
    package var trustedCertificates: [UInt8]?

    /// Verifying TLS against the system's CA bundle.
    package init(verify: Bool = true, trustedCertificates: [UInt8]? = nil) {
        self.verify = verify
        self.trustedCertificates = trustedCertificates
    }
}

/// One HTTP request to perform. Redirects are never followed by libcurl: the caller sees
/// 3xx responses and decides (so credentials never travel to another host by accident).
package struct HTTPRequest: Sendable {
    /// `GET`, `HEAD`, `PUT`, `POST`, `PATCH`, `DELETE`.
    package var method: String
    /// The absolute `http://` or `https://` URL. Never holds credentials.
    package var url: String
    /// Extra header lines. `Authorization` lives here and nowhere else, and is never logged.
    package var headers: [HTTPHeader] = []
    /// The request body.
    package var body: HTTPRequestBody = .none
    /// TLS verification settings.
    package var tls = TLSSettings()
    /// Seconds allowed for connecting (TCP and TLS).
    package var connectTimeout = 30
    /// A transfer slower than 1 byte/s for this many seconds is abandoned (a stall).
    package var stallTimeout = 60
    /// The most bytes of a body kept in memory (`HTTPResponse.body`); a longer body fails
    /// the transfer, unless it is a successful response streamed to a sink.
    package var bodyLimit = 8 << 20

    /// A request without body or extra headers.
    package init(method: String, url: String, headers: [HTTPHeader] = [], body: HTTPRequestBody = .none) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// A received response: status, headers and (unless streamed to a sink) the body.
package struct HTTPResponse: Sendable {
    /// The HTTP status code of the final response (1xx interim responses are skipped).
    package var status: Int
    /// The header lines of the final response, in order.
    package var headers: [HTTPHeader]
    /// The body, when it was not handed to a sink.
    package var body: [UInt8]
    /// The number of body bytes handed to a sink (0 when none was used).
    package var streamedBytes: Int64

    /// Creates a response (tests build them by hand).
    package init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = [], streamedBytes: Int64 = 0) {
        self.status = status
        self.headers = headers
        self.body = body
        self.streamedBytes = streamedBytes
    }

    /// The value of the first header named `name` (case-insensitive), nil when absent.
    package func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Every value of headers named `name` (case-insensitive), in order.
    package func headerValues(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    /// True for 2xx.
    package var isSuccess: Bool { (200..<300).contains(status) }
}

/// Receives the body of a successful (2xx) response while it arrives, e.g. a blob being
/// written to the store. Other responses' bodies are collected into `HTTPResponse.body`.
///
/// Not `Sendable`: a sink belongs to the transfer that feeds it.
package protocol HTTPResponseSink: AnyObject {
    /// Takes the next piece of the body. Returning false aborts the transfer (libcurl's
    /// `CURLE_WRITE_ERROR`); the sink itself remembers why, for the caller to report.
    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool
}
