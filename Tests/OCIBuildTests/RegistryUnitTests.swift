// The registry client's pieces that need no network: Location resolution and query
// building, WWW-Authenticate parsing, token scopes and token responses, credentials files
// and their redaction, Retry-After, manifest media-type detection, insecure-registry
// matching, error messages, and libcurl failures as typed errors.

import Foundation
import Testing
import TestSupport
import OCIBuild
@testable import OCIRegistry
import OCISystem

@Suite("Registry: URLs, challenges, credentials")
struct RegistryUnitTests {
    @Test("Location headers: absolute, other host, scheme-relative, absolute path, relative, query only",
          arguments: [
              ("http://r:5000/v2/a/blobs/uploads/u?_state=x", "http://r:5000/v2/a/blobs/uploads/u?_state=x"),
              ("https://storage.example/up/1?sig=a%2Fb", "https://storage.example/up/1?sig=a%2Fb"),
              ("//other:81/up", "http://other:81/up"),
              ("/v2/a/blobs/uploads/u?_state=y==", "http://r:5000/v2/a/blobs/uploads/u?_state=y=="),
              ("u2?x=1", "http://r:5000/v2/a/blobs/uploads/u2?x=1"),
              ("../../other/x", "http://r:5000/v2/a/other/x"),
              ("?_state=z", "http://r:5000/v2/a/blobs/uploads/?_state=z"),
          ])
    func resolveLocation(location: String, expected: String) {
        #expect(RegistryURL.resolve(location, against: "http://r:5000/v2/a/blobs/uploads/?mount=1") == expected)
    }

    @Test("digest= is appended with ? or &, percent-encoded, before a fragment")
    func appendQuery() {
        let digest = "sha256:0123"
        #expect(RegistryURL.appendingQuery("http://r/u", "digest", digest) == "http://r/u?digest=sha256%3A0123")
        #expect(RegistryURL.appendingQuery("http://r/u?_state=a", "digest", digest)
                == "http://r/u?_state=a&digest=sha256%3A0123")
        #expect(RegistryURL.appendingQuery("http://r/u?", "from", "a/b") == "http://r/u?from=a%2Fb")
        #expect(RegistryURL.appendingQuery("http://r/u#f", "n", "v w") == "http://r/u?n=v%20w#f")
    }

    @Test("authority, origin, host without port, redaction of user info")
    func urlParts() {
        #expect(RegistryURL.authority("https://User:Pw@Reg.Example:5000/v2/?x") == "reg.example:5000")
        #expect(RegistryURL.origin("http://127.0.0.1:5000/v2/") == "http://127.0.0.1:5000")
        #expect(RegistryURL.authority("/relative") == nil)
        #expect(RegistryURL.hostWithoutPort("127.0.0.1:5000") == "127.0.0.1")
        #expect(RegistryURL.hostWithoutPort("[::1]:5000") == "[::1]")
        #expect(RegistryURL.redacted("https://user:secret@r/v2/") == "https://r/v2/")
        #expect(RegistryURL.redacted("https://r/v2/?a=b@c") == "https://r/v2/?a=b@c")
    }

    @Test("WWW-Authenticate: Basic, Bearer with a comma in a quoted scope, several challenges, insufficient_scope")
    func challenges() {
        let basic = AuthChallenge.parse(header: #"Basic realm="kolla-oci test""#)
        #expect(basic == [AuthChallenge(scheme: "basic", parameters: ["realm": "kolla-oci test"])])

        let bearer = AuthChallenge.parse(header: #"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push",error="insufficient_scope""#)
        #expect(bearer.count == 1)
        #expect(bearer.first?.scheme == "bearer")
        #expect(bearer.first?.realm == "https://auth.example/token")
        #expect(bearer.first?.service == "registry.example")
        #expect(bearer.first?.scopes == ["repository:a/b:pull,push"])
        #expect(bearer.first?.parameters["error"] == "insufficient_scope")

        let both = AuthChallenge.parse(header: #"Basic realm="x", Bearer realm="https://a/t", service=s"#)
        #expect(both.map(\.scheme) == ["basic", "bearer"])
        #expect(both.last?.service == "s")
        let escaped = AuthChallenge.parse(header: #"Bearer realm="https://a/t?x=\"y\"""#)
        #expect(escaped.first?.realm == #"https://a/t?x="y""#)
        #expect(AuthChallenge.parse(header: "").isEmpty)
    }

    @Test("scopes merge per repository; parse repository:name:actions")
    func scopes() {
        let merged = AuthScope.merged([.push("b/child"), .pull("a/base"), .pull("b/child")])
        #expect(merged.map(\.description) == ["repository:a/base:pull", "repository:b/child:pull,push"])
        #expect(AuthScope(parsing: "repository:a/b:pull,push") == AuthScope.push("a/b"))
        #expect(AuthScope(parsing: "registry:catalog:*") == nil)
    }

    @Test("token responses: token or access_token, expires_in default 60, issued_at")
    func tokens() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let plain = try #require(BearerToken.parse(Array(#"{"token":"t1"}"#.utf8), receivedAt: now))
        #expect(plain.value == "t1")
        #expect(plain.expires == now.addingTimeInterval(54))
        let access = try #require(BearerToken.parse(Array(#"{"access_token":"t2","expires_in":300}"#.utf8), receivedAt: now))
        #expect(access.value == "t2")
        #expect(access.expires == now.addingTimeInterval(270))
        let issued = try #require(BearerToken.parse(
            Array(#"{"token":"t3","expires_in":100,"issued_at":"2027-01-15T08:00:00Z"}"#.utf8), receivedAt: now))
        #expect(issued.expires.timeIntervalSince1970 == 1_800_000_000 + 90)  // issued_at is in the future: ignored
        #expect(BearerToken.parse(Array(#"{"token":""}"#.utf8)) == nil)
        #expect(BearerToken.parse(Array("not json".utf8)) == nil)
    }

    @Test("Retry-After as seconds or an HTTP date")
    func retryAfter() {
        #expect(RegistrySession.retryAfterSeconds("3") == 3)
        #expect(RegistrySession.retryAfterSeconds(" 0 ") == 0)
        let past = RegistrySession.retryAfterSeconds("Wed, 21 Oct 2015 07:28:00 GMT")
        #expect(past.map { $0 < 0 } == true)
        #expect(RegistrySession.retryAfterSeconds("soon") == nil)
    }

    @Test("retry budget: jittered exponential waits, bounded by time from the first failure, by count when set")
    func retryBudget() {
        var options = RegistryOptions()
        options.retryDelay = 0.5
        options.maxRetryDelay = 8
        options.retryMaxTime = 60
        var budget = RetryBudget(options)
        #expect(budget.deadline == nil && budget.attempts == 1)
        var waits: [Double] = []
        for _ in 0..<8 { waits.append(budget.next()!) }
        #expect(budget.attempts == 9)
        // Step n is min(0.5 · 2^n, 8); each wait lies between half the step and all of it.
        for (n, wait) in waits.enumerated() {
            let step = min(0.5 * pow(2, Double(n)), 8)
            #expect(wait >= step / 2 && wait <= step, "wait \(n): \(wait)")
        }
        let deadline = budget.deadline!
        #expect(abs(deadline.timeIntervalSinceNow - 60) < 1)

        // Retry-After is honoured as given, beyond maxRetryDelay, but not past the deadline.
        #expect(budget.next(retryAfter: "20") == 20)
        #expect(budget.next(retryAfter: "61") == nil)

        // The time bound alone, and the last wait cut to end at the deadline.
        options.retryMaxTime = 0.2
        options.retryDelay = 1
        var short = RetryBudget(options)
        let last = short.next()!
        #expect(last <= 0.201)
        Thread.sleep(forTimeInterval: 0.25)
        #expect(short.next() == nil)
        options.retryMaxTime = 0
        var none = RetryBudget(options)
        #expect(none.next() == nil)

        // A count, when set, stops first.
        options.retryMaxTime = 60
        options.retries = 2
        var counted = RetryBudget(options)
        #expect(counted.next() != nil && counted.next() != nil && counted.next() == nil)
        #expect(counted.attempts == 3)

        // A nested operation ends with the enclosing one.
        options.retries = nil
        var nested = RetryBudget(options, within: Date().addingTimeInterval(-1))
        #expect(nested.next() == nil)
    }

    @Test("MANIFEST_BLOB_UNKNOWN: the blob named in detail or message; a second refusal names it")
    func manifestBlobUnknown() throws {
        let digest = try Digest("sha256:" + String(repeating: "ab", count: 32))
        let body = Array(#"{"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry","detail":"\#(digest)"}]}"#.utf8)
        let errors = RegistryServerError.parse(body)
        #expect(errors == [RegistryServerError(code: "MANIFEST_BLOB_UNKNOWN", message: "blob unknown to registry",
                                               detail: digest.description)])
        let refused = RegistryError.http(operation: "PUT manifest r/a:1", url: "http://r/v2/a/manifests/1", status: 400,
                                         errors: errors, attempts: 1)
        #expect(RegistryClient.missingBlobs(refused) == [digest])
        // Other shapes of detail, the digest in the message, none at all.
        let object = Array(#"{"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","message":"m","detail":{"digest":"\#(digest)","n":1}}]}"#.utf8)
        #expect(RegistryServerError.parse(object).flatMap(\.digests) == [digest])
        let message = Array(#"{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown: \#(digest).","detail":[1,2]}]}"#.utf8)
        #expect(RegistryServerError.parse(message).flatMap(\.digests) == [digest])
        let bare = RegistryError.http(operation: "PUT", url: "u", status: 400,
                                      errors: [RegistryServerError(code: "MANIFEST_BLOB_UNKNOWN", message: "x")], attempts: 1)
        #expect(RegistryClient.missingBlobs(bare) == [])
        #expect(RegistryClient.missingBlobs(.http(operation: "PUT", url: "u", status: 400, errors: [], attempts: 1)) == nil)
        let again = RegistryError.manifestBlobsMissing(operation: "PUT manifest r/a:1", url: "http://r/v2/a/manifests/1",
                                                      digests: [digest])
        #expect(again.description == "PUT manifest r/a:1 http://r/v2/a/manifests/1: the registry still lacks blob "
                + "\(digest) after it was uploaded again (MANIFEST_BLOB_UNKNOWN)")
        // Attempts, and their time once it is a second or more.
        let reset = NativeError(library: .libcurl, operation: "curl_easy_perform", code: 56,
                                message: "Recv failure: Connection reset by peer")
        #expect(RegistryError.transfer(operation: "POST blob upload", url: "u", cause: reset, attempts: 9, elapsed: 6.04)
                .description == "POST blob upload u: Recv failure: Connection reset by peer (after 9 attempts in 6.0 s)")
        #expect(RegistryError.transfer(operation: "GET", url: "u", cause: reset, attempts: 3, elapsed: 0.2)
                .description == "GET u: Recv failure: Connection reset by peer (after 3 attempts)")
        // A certificate that will never verify is not retried.
        let untrusted = NativeError(library: .libcurl, operation: "curl_easy_perform", code: 60, message: "SSL peer certificate")
        #expect(!RegistryError.transfer(operation: "GET", url: "u", cause: untrusted, attempts: 1).isTransient)
        #expect(RegistryError.transfer(operation: "GET", url: "u", cause: reset, attempts: 1).isTransient)
    }

    @Test("manifest media type: Content-Type, else the body's mediaType, else guessed")
    func mediaTypes() {
        let body = Array(#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json"}"#.utf8)
        #expect(RegistryClient.manifestMediaType(contentType: "application/vnd.oci.image.index.v1+json; charset=utf-8",
                                                 body: body) == .ociIndex)
        #expect(RegistryClient.manifestMediaType(contentType: "application/json", body: body) == .dockerManifest)
        #expect(RegistryClient.manifestMediaType(contentType: nil, body: Array(#"{"manifests":[]}"#.utf8)) == .ociIndex)
        #expect(RegistryClient.manifestMediaType(contentType: nil, body: Array(#"{"config":{}}"#.utf8)) == .ociManifest)
    }

    @Test("insecure registries match HOST:PORT exactly or by HOST alone; Docker Hub's endpoint")
    func insecureMatching() throws {
        var options = RegistryOptions()
        options.insecureRegistries = ["127.0.0.1:5000", "build-host"]
        #expect(options.isInsecure("127.0.0.1:5000"))
        #expect(!options.isInsecure("127.0.0.1:5001"))
        #expect(options.isInsecure("build-host:443"))
        #expect(!options.isInsecure("quay.io"))
        #expect(options.maxConcurrentBlobs == 4 && options.retries == nil && options.retryMaxTime == 60)
        let hub = try Reference("debian")
        #expect(hub.registry == "docker.io" && hub.repository == "library/debian")
        #expect(RegistryEndpoint.authority(for: hub.registry) == "registry-1.docker.io")
        #expect(RegistryEndpoint.authority(for: "quay.io") == "quay.io")
    }

    @Test("credentials: redacted descriptions, lookup order and key forms, login file written 0600")
    func credentialFiles() throws {
        try withTemporaryDirectory { dir in
            let credentials = RegistryCredentials(username: "me", password: "hunter2")
            #expect(credentials.description == "me:<redacted>")
            #expect("\(credentials)".contains("hunter2") == false)
            #expect(String(reflecting: credentials).contains("hunter2") == false)
            #expect(RegistryCredentials(encoded: credentials.encoded) == credentials)
            #expect(RegistryCredentials(encoded: "bm9jb2xvbg==") == nil)  // "nocolon"

            func auth(_ user: String) -> String { Data("\(user):pw".utf8).base64EncodedString() }
            let home = dir.path
            let runtime = dir.appending("run").path
            try FileManager.default.createDirectory(atPath: runtime + "/containers", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: home + "/.docker", withIntermediateDirectories: true)
            try #"{"auths":{"quay.io":{"auth":"\#(auth("quay"))"},"quay.io/team":{"auth":"\#(auth("team"))"}}}"#
                .write(toFile: runtime + "/containers/auth.json", atomically: true, encoding: .utf8)
            try #"{"auths":{"https://index.docker.io/v1/":{"auth":"\#(auth("hub"))"},"quay.io":{"auth":"\#(auth("late"))"},"helper.io":{"identitytoken":"x"}},"credsStore":"pass"}"#
                .write(toFile: home + "/.docker/config.json", atomically: true, encoding: .utf8)
            let environment = ["HOME": home, "XDG_RUNTIME_DIR": runtime]

            func lookup(_ registry: String, _ repository: String?) throws -> String? {
                try AuthFile.lookup(registry: registry, repository: repository, explicit: nil,
                                    environment: environment)?.username
            }
            #expect(try lookup("quay.io", "team/app") == "team")
            #expect(try lookup("quay.io", "other/app") == "quay")
            #expect(try lookup("docker.io", "library/debian") == "hub")
            #expect(try lookup("helper.io", "x") == nil)
            #expect(try lookup("nowhere.example", "x") == nil)
            #expect(AuthFile.searchPaths(explicit: "/e.json", environment: environment + ["REGISTRY_AUTH_FILE": "/r.json"])
                    == ["/e.json", "/r.json", runtime + "/containers/auth.json", home + "/.config/containers/auth.json",
                        home + "/.docker/config.json"])
            #expect(AuthFile.searchPaths(explicit: nil, environment: ["HOME": home, "DOCKER_CONFIG": "/dc"]).last
                    == "/dc/config.json")

            try "{not json".write(toFile: dir.appending("broken.json").path, atomically: true, encoding: .utf8)
            #expect(throws: RegistryError.self) {
                try AuthFile.lookup(registry: "x.io", repository: nil, explicit: dir.appending("broken.json").path,
                                    environment: [:])
            }

            // login keeps other entries and keys; the file is 0600; logout removes aliases too.
            let file = dir.appending("login/auth.json").path
            #expect(AuthFile.loginPath(explicit: nil, environment: ["HOME": home]) == home + "/.config/containers/auth.json")
            try AuthFile.store(RegistryCredentials(username: "a", password: "b"), registry: "r.io", path: file)
            try AuthFile.store(credentials, registry: "docker.io", path: file)
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            #expect(try AuthFile.lookup(registry: "docker.io", repository: "library/x", explicit: file,
                                        environment: [:]) == credentials)
            #expect(try AuthFile.remove(registry: "index.docker.io", path: file))
            #expect(try AuthFile.remove(registry: "docker.io", path: file) == false)
            #expect(try AuthFile.lookup(registry: "r.io", repository: nil, explicit: file, environment: [:])?.username == "a")
        }
    }

    @Test("error messages name operation, URL and status, with the registry's codes")
    func errorMessages() {
        let errors = RegistryServerError.parse(Array(#"{"errors":[{"code":"DENIED","message":"no","detail":{}}]}"#.utf8))
        #expect(errors == [RegistryServerError(code: "DENIED", message: "no")])
        let http = RegistryError.http(operation: "PUT manifest r/a:1", url: "https://r/v2/a/manifests/1", status: 403,
                                      errors: errors, attempts: 1)
        #expect(http.description == "PUT manifest r/a:1 https://r/v2/a/manifests/1: HTTP 403 (DENIED: no)")
        #expect(!http.isTransient)
        #expect(RegistryError.http(operation: "x", url: "u", status: 503, errors: [], attempts: 4).description
                == "x u: HTTP 503 (after 4 attempts)")
        #expect(RegistryServerError.parse(Array("<html>".utf8)).isEmpty)
    }

    @Test("libcurl failures are typed errors naming the URL")
    func curlFailure() throws {
        let curl = try CurlEasy()
        // Port 1 on loopback: nothing listens there.
        let error = #expect(throws: NativeError.self) {
            try curl.perform(HTTPRequest(method: "GET", url: "http://127.0.0.1:1/v2/"))
        }
        #expect(error?.library == .libcurl)
        #expect(error?.code == 7)  // CURLE_COULDNT_CONNECT
        #expect(error?.path == "http://127.0.0.1:1/v2/")
        let refused = #expect(throws: NativeError.self) {
            try curl.perform(HTTPRequest(method: "GET", url: "ftp://127.0.0.1/x"))
        }
        #expect(refused?.code == 1)  // CURLE_UNSUPPORTED_PROTOCOL: only http and https
    }

    @Test("a retry on the same handle after a failed name resolution reaches the resolver again")
    func curlRetryAfterResolveFailure() throws {
        let curl = try CurlEasy()
        // `.invalid` never resolves (RFC 6761), with or without a network.
        var request = HTTPRequest(method: "GET", url: "http://kolla-oci-test.invalid/v2/")
        request.connectTimeout = 10
        for attempt in 1...3 {
            let error = #expect(throws: NativeError.self) { try curl.perform(request) }
            // CURLE_COULDNT_RESOLVE_HOST each time; before the handle was renewed, the
            // second attempt failed setting its options (CURLE_BAD_FUNCTION_ARGUMENT, 43).
            #expect(error?.code == 6, "attempt \(attempt): \(String(describing: error))")
        }
        // The handle still works for a reachable URL afterwards (port 1: refused, not 43).
        let refused = #expect(throws: NativeError.self) {
            try curl.perform(HTTPRequest(method: "GET", url: "http://127.0.0.1:1/v2/"))
        }
        #expect(refused?.code == 7)
    }

    @Test("a name that does not resolve is retried by default, and tried once when retryUnresolvedHosts is off")
    func unresolvedHostRetries() throws {
        let reference = try Reference("kolla-oci-test.invalid/kolla/base:1")
        var options = RegistryOptions()
        options.retryDelay = 0.05
        options.maxRetryDelay = 0.05
        options.retryMaxTime = 0.3
        options.environment = [:]
        for retry in [true, false] {
            options.retryUnresolvedHosts = retry
            let error = #expect(throws: RegistryError.self) {
                try RegistryClient(options: options).manifestExists(reference)
            }
            guard case .transfer(_, _, let cause, let attempts, _) = error else {
                Issue.record("not a transfer error: \(String(describing: error))")
                continue
            }
            #expect(error?.isUnresolvedHost == true)
            #expect(cause.code == 6)
            if retry { #expect(attempts > 1) } else { #expect(attempts == 1) }
        }
    }
}

extension Dictionary where Key == String, Value == String {
    fileprivate static func + (lhs: Self, rhs: Self) -> Self { lhs.merging(rhs) { $1 } }
}
