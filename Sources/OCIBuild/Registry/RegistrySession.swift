// One thread's connection to registries: a libcurl handle (reused, so its connections are
// kept alive between requests) and the request loop every operation goes through —
// authorization, the answer to a 401, redirects, and retries with backoff.
//
// Rules kept here (oci-and-registries.md §5–§8):
// * `Authorization` goes only to the registry's own host: never to a redirect target or an
//   upload `Location` on another host (pitfall 9).
// * A 401 is answered once: the challenge is recorded for the registry, a new token is
//   fetched (with the challenge's extra scope, for `insufficient_scope`) and the request is
//   sent again. A second 401 is the caller's error.
// * Retries: connection trouble, 5xx and 429 are retried within a `RetryBudget` (by
//   elapsed time, `options.retryMaxTime`, and by count when `options.retries` is set),
//   waiting a jittered exponential backoff or what `Retry-After` says. Only requests that
//   are safe to repeat are retried here: GET, HEAD, manifest PUT (the same bytes to the
//   same name), the POST that opens an upload session (an abandoned session holds
//   nothing); uploads (`retry = false`) are restarted or resumed by their callers.
// * Plain HTTP only towards registries listed insecure.

import Foundation
import OCISystem
import OCIValues

/// A request as an operation states it; `RegistrySession.send` adds authorization.
struct RegistryRequest {
    /// What the client is doing, for messages: `HEAD blob sha256:…`.
    var operation: String
    /// The HTTP method.
    var method: String
    /// The absolute URL.
    var url: String
    /// The registry (`host[:port]` as in references) whose credentials apply.
    var registry: String
    /// The token scopes the request needs.
    var scopes: [AuthScope]
    /// Extra headers (`Accept`, `Content-Type`, `Content-Range`).
    var headers: [HTTPHeader] = []
    /// The body.
    var body: HTTPRequestBody = .none
    /// Retry transient failures here; false when the caller retries a larger unit (an
    /// upload, a streamed download).
    var retry = true
    /// Follow 3xx responses (blob downloads may be redirected to storage).
    var followRedirects = false
    /// Receives a 2xx body as it arrives.
    var sink: (any HTTPResponseSink)?
    /// Told how many body bytes moved.
    var progress: ((Int) -> Void)?
}

/// A response and how it was obtained.
struct RegistryResponse {
    /// The final HTTP response.
    var http: HTTPResponse
    /// The URL that gave it (after redirects).
    var url: String
    /// How many attempts it took.
    var attempts: Int
    /// Seconds from the first attempt to this response.
    var elapsed: Double = 0

    var status: Int { http.status }

    /// The registry error entries of the body.
    var errors: [RegistryServerError] { RegistryServerError.parse(http.body) }

    /// `RegistryError.http` for this response.
    func failure(_ operation: String) -> RegistryError {
        .http(operation: operation, url: RegistryURL.redacted(url), status: status, errors: errors, attempts: attempts,
              elapsed: elapsed)
    }
}

/// A registry as this client reaches it.
struct RegistryEndpoint: Sendable {
    /// The name as in references: `docker.io`, `127.0.0.1:5000`.
    var registry: String
    /// `host[:port]` requests go to (`registry-1.docker.io` for Docker Hub).
    var authority: String
    /// `https`, or `http` for an insecure registry without TLS.
    var scheme: String
    /// The authentication the registry asked for in its last 401; nil for none (yet).
    var challenge: AuthChallenge?

    /// `scheme://authority`.
    var base: String { "\(scheme)://\(authority)" }

    /// Where requests for `registry` go: Docker Hub (`docker.io`) is served by
    /// `registry-1.docker.io`; every other registry by its own name.
    static func authority(for registry: String) -> String {
        registry == Reference.dockerHub ? "registry-1.docker.io" : registry
    }

    /// `base/v2/<repository>/<path>`.
    func url(_ repository: String, _ path: String) -> String { "\(base)/v2/\(repository)/\(path)" }
}

/// One thread's transport. Not `Sendable`: it owns a libcurl handle.
final class RegistrySession {
    let client: RegistryClient
    private let curl: CurlEasy
    /// Set by a failing sibling: stop early.
    let cancellation: TransferCancellation?
    /// The deadline of the enclosing operation being retried (a blob upload restarted,
    /// a download fetched again): requests sent meanwhile retry no longer than that.
    var retryDeadline: Date?

    init(client: RegistryClient, cancellation: TransferCancellation? = nil) throws(RegistryError) {
        self.client = client
        self.cancellation = cancellation
        do {
            curl = try CurlEasy()
        } catch {
            throw .transfer(operation: "start a transfer", url: "-", cause: error, attempts: 1)
        }
    }

    private var options: RegistryOptions { client.options }

    // MARK: endpoints

    /// The endpoint of `registry`, probing `GET /v2/` on first use: it tells whether the
    /// registry needs authentication (and which), and for an insecure registry whether it
    /// speaks TLS (tried first, unverified) or plain HTTP.
    func endpoint(_ registry: String) throws(RegistryError) -> RegistryEndpoint {
        if let known = client.knownEndpoint(registry) { return known }
        let authority = RegistryEndpoint.authority(for: registry)
        let insecure = options.isInsecure(registry)
        var endpoint = RegistryEndpoint(registry: registry, authority: authority, scheme: "https")
        var response: RegistryResponse
        do {
            // An insecure registry gets one unverified TLS try before plain HTTP.
            response = try performRetrying(operation: "GET /v2/", method: "GET", url: "\(endpoint.base)/v2/",
                                           registry: registry, headers: [], retry: !insecure)
        } catch let error where insecure && error.isTransient {
            endpoint.scheme = "http"
            response = try performRetrying(operation: "GET /v2/", method: "GET", url: "\(endpoint.base)/v2/",
                                           registry: registry, headers: [], retry: true)
        }
        if response.status == 401 {
            endpoint.challenge = Self.preferredChallenge(response.http)
        } else if response.status >= 500 || response.status == 429 {
            throw response.failure("GET /v2/")
        }
        client.remember(endpoint)
        return endpoint
    }

    /// The challenge to answer among a 401's: Bearer over Basic, others ignored.
    static func preferredChallenge(_ response: HTTPResponse) -> AuthChallenge? {
        let challenges = AuthChallenge.parse(response.headerValues("WWW-Authenticate"))
        return challenges.first { $0.scheme == "bearer" } ?? challenges.first { $0.scheme == "basic" }
    }

    // MARK: sending

    /// Sends `request` with authorization, answering one 401, following redirects when
    /// asked, and retrying transient failures when `request.retry`.
    func send(_ request: RegistryRequest) throws(RegistryError) -> RegistryResponse {
        var budget = RetryBudget(options, within: retryDeadline)
        while true {
            var response: RegistryResponse
            do {
                response = try exchange(request)
            } catch let error where request.retry && retries(error) {
                guard let delay = budget.next() else { throw error.withAttempts(budget) }
                try pause(delay, operation: request.operation)
                continue
            } catch {
                throw error.withAttempts(budget)
            }
            response.attempts = budget.attempts
            response.elapsed = budget.elapsed
            if request.retry, response.status >= 500 || response.status == 429, !isCancelled,
               let delay = budget.next(retryAfter: response.http.header("Retry-After")) {
                try pause(delay, operation: request.operation)
                continue
            }
            return response
        }
    }

    /// One attempt: authorization, a 401 answered once, redirects.
    private func exchange(_ request: RegistryRequest) throws(RegistryError) -> RegistryResponse {
        var endpoint = try endpoint(request.registry)
        var url = request.url
        var redirects = 0
        var answered401 = false
        var extraScopes: [AuthScope] = []
        while true {
            let ownHost = RegistryURL.authority(url) == endpoint.authority.lowercased()
            var headers = request.headers
            if ownHost, let authorization = try authorization(endpoint, scopes: request.scopes + extraScopes,
                                                             operation: request.operation) {
                headers.append(HTTPHeader("Authorization", authorization))
            }
            let http = try perform(operation: request.operation, method: request.method, url: url,
                                   registry: request.registry, headers: headers, body: request.body,
                                   sink: request.sink, progress: request.progress)
            if http.status == 401, ownHost, !answered401, let challenge = Self.preferredChallenge(http) {
                answered401 = true
                endpoint.challenge = challenge
                client.remember(endpoint)
                extraScopes = challenge.scopes.compactMap(AuthScope.init(parsing:))
                client.forgetTokens(for: request.registry)
                continue
            }
            if http.status == 401 || http.status == 403 {
                throw unauthorized(request.operation, url: url, http: http, registry: request.registry,
                                   scopes: request.scopes)
            }
            if request.followRedirects, [301, 302, 303, 307, 308].contains(http.status),
               let location = http.header("Location") {
                redirects += 1
                guard redirects <= 5 else {
                    throw .invalidResponse(operation: request.operation, url: RegistryURL.redacted(url),
                                           reason: "more than 5 redirects")
                }
                url = RegistryURL.resolve(location, against: url)
                continue
            }
            return RegistryResponse(http: http, url: url, attempts: 1)
        }
    }

    /// The `unauthorized` error for a 401/403, with a hint on what to do.
    private func unauthorized(_ operation: String, url: String, http: HTTPResponse, registry: String,
                              scopes: [AuthScope]) -> RegistryError {
        let credentials = try? client.credentials(registry: registry, repository: scopes.first?.repository)
        let hint = credentials == nil
            ? "no credentials for \(registry) (kolla-oci login \(registry))"
            : "the credentials for \(registry) were refused or lack access"
        return .unauthorized(operation: operation, url: RegistryURL.redacted(url), status: http.status,
                             registry: registry, errors: RegistryServerError.parse(http.body), hint: hint)
    }

    /// The `Authorization` value for a request to `endpoint` needing `scopes`; nil when the
    /// registry asked for none or there are no credentials for Basic.
    private func authorization(_ endpoint: RegistryEndpoint, scopes: [AuthScope],
                               operation: String) throws(RegistryError) -> String? {
        guard let challenge = endpoint.challenge else { return nil }
        switch challenge.scheme {
        case "basic":
            return try client.credentials(registry: endpoint.registry, repository: scopes.first?.repository)?
                .basicAuthorization
        case "bearer":
            return "Bearer \(try token(endpoint, challenge: challenge, scopes: scopes, operation: operation))"
        default:
            return nil
        }
    }

    /// A bearer token for `scopes`, from the cache or the token service.
    private func token(_ endpoint: RegistryEndpoint, challenge: AuthChallenge, scopes: [AuthScope],
                       operation: String) throws(RegistryError) -> String {
        guard let realm = challenge.realm, RegistryURL.scheme(realm) != nil else {
            throw .invalidResponse(operation: operation, url: endpoint.base,
                                   reason: "bearer challenge without an absolute realm URL")
        }
        let merged = AuthScope.merged(scopes)
        let key = "\(endpoint.registry) \(realm) \(challenge.service ?? "") \(merged.map(\.description).joined(separator: " "))"
        if let cached = client.cachedToken(key) { return cached }
        var url = realm
        if let service = challenge.service { url = RegistryURL.appendingQuery(url, "service", service) }
        for scope in merged { url = RegistryURL.appendingQuery(url, "scope", scope.description) }
        let credentials = try client.credentials(registry: endpoint.registry, repository: merged.first?.repository)
        var headers: [HTTPHeader] = []
        if let credentials {
            url = RegistryURL.appendingQuery(url, "account", credentials.username)
            headers.append(HTTPHeader("Authorization", credentials.basicAuthorization))
        }
        let response = try performRetrying(operation: "GET token", method: "GET", url: url,
                                           registry: endpoint.registry, headers: headers, retry: true)
        guard response.status == 200 else {
            if response.status == 401 || response.status == 403 {
                let hint = credentials == nil
                    ? "no credentials for \(endpoint.registry) (kolla-oci login \(endpoint.registry))"
                    : "the token service refused the credentials for \(endpoint.registry)"
                throw .unauthorized(operation: "GET token", url: RegistryURL.redacted(realm), status: response.status,
                                    registry: endpoint.registry, errors: response.errors, hint: hint)
            }
            throw response.failure("GET token")
        }
        guard let token = BearerToken.parse(response.http.body) else {
            throw .invalidResponse(operation: "GET token", url: RegistryURL.redacted(realm),
                                   reason: "token response without \"token\" or \"access_token\"")
        }
        client.storeToken(token, key: key)
        return token.value
    }

    /// True when a failed attempt is worth another by `options` (the budget decides
    /// whether there is time for it).
    private func retries(_ error: RegistryError) -> Bool {
        error.isTransient && !isCancelled && (options.retryUnresolvedHosts || !error.isUnresolvedHost)
    }

    /// A request without registry authorization (the `/v2/` probe, the token service),
    /// retried on transient failures when `retry`.
    private func performRetrying(operation: String, method: String, url: String, registry: String,
                                 headers: [HTTPHeader], retry: Bool) throws(RegistryError) -> RegistryResponse {
        var budget = RetryBudget(options, within: retryDeadline)
        while true {
            do {
                let http = try perform(operation: operation, method: method, url: url, registry: registry,
                                       headers: headers, body: .none, sink: nil, progress: nil)
                if retry, http.status >= 500 || http.status == 429, !isCancelled,
                   let delay = budget.next(retryAfter: http.header("Retry-After")) {
                    try pause(delay, operation: operation)
                    continue
                }
                return RegistryResponse(http: http, url: url, attempts: budget.attempts, elapsed: budget.elapsed)
            } catch let error where retry && retries(error) {
                guard let delay = budget.next() else { throw error.withAttempts(budget) }
                try pause(delay, operation: operation)
            } catch {
                throw error.withAttempts(budget)
            }
        }
    }

    /// One HTTP exchange through libcurl, with the TLS settings and the plain-HTTP rule for
    /// `url`'s host.
    private func perform(operation: String, method: String, url: String, registry: String, headers: [HTTPHeader],
                         body: HTTPRequestBody, sink: (any HTTPResponseSink)?,
                         progress: ((Int) -> Void)?) throws(RegistryError) -> HTTPResponse {
        if isCancelled { throw .cancelled(operation: operation) }
        let authority = RegistryURL.authority(url) ?? ""
        let insecure = options.isInsecure(authority) || options.isInsecure(registry)
        switch RegistryURL.scheme(url) {
        case "https":
            break
        case "http" where insecure:
            break
        default:
            throw .insecureTransport(url: RegistryURL.redacted(url),
                                     reason: "refusing a non-HTTPS URL for \(registry) "
                                     + "(allow it with --insecure-registry \(registry))")
        }
        var request = HTTPRequest(method: method, url: url, headers: headers, body: body)
        request.tls = TLSSettings(verify: !insecure,
                                  trustedCertificates: try client.trustedCertificates(defaultBundle: curl.defaultCABundle))
        do {
            let response = try curl.perform(request, sink: sink, cancellation: cancellation, progress: progress)
            options.trace?("\(method) \(RegistryURL.redacted(url)) -> \(response.status)")
            return response
        } catch {
            options.trace?("\(method) \(RegistryURL.redacted(url)) -> \(error.message)")
            if isCancelled { throw .cancelled(operation: operation) }
            throw .transfer(operation: operation, url: RegistryURL.redacted(url), cause: error, attempts: 1)
        }
    }

    // MARK: waiting

    /// True once a sibling transfer failed for good.
    var isCancelled: Bool { cancellation?.isCancelled ?? false }

    /// Sleeps `delay` seconds (what a `RetryBudget` said) before the next attempt of
    /// `operation`. Wakes early to stop when cancelled.
    func pause(_ delay: Double, operation: String) throws(RegistryError) {
        options.trace?("retrying \(operation) in \(String(format: "%.2f", delay)) s")
        let end = Date().addingTimeInterval(delay)
        while Date() < end {
            if isCancelled { throw .cancelled(operation: operation) }
            Thread.sleep(forTimeInterval: min(0.05, max(end.timeIntervalSinceNow, 0)))
        }
    }

    /// `Retry-After` as seconds from now: a number of seconds or an HTTP date (RFC 9110 §10.2.3).
    static func retryAfterSeconds(_ value: String) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text) { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text).map { $0.timeIntervalSinceNow }
    }
}

@available(*, unavailable)
extension RegistrySession: Sendable {}

extension RegistryError {
    /// The same error with the attempt count (and time) it was given up after.
    func withAttempts(_ attempts: Int, elapsed: Double = 0) -> RegistryError {
        switch self {
        case .transfer(let operation, let url, let cause, _, _):
            return .transfer(operation: operation, url: url, cause: cause, attempts: attempts, elapsed: elapsed)
        case .http(let operation, let url, let status, let errors, _, _):
            return .http(operation: operation, url: url, status: status, errors: errors, attempts: attempts,
                         elapsed: elapsed)
        default:
            return self
        }
    }

    /// The same error with the attempts `budget` made and the time they took.
    func withAttempts(_ budget: RetryBudget) -> RegistryError {
        withAttempts(budget.attempts, elapsed: budget.elapsed)
    }
}
