// The registry client through a fault-injecting proxy (Helpers/fault_proxy.py) in front of
// a real registry: 500s, 429 with Retry-After, connections reset in the middle of a blob,
// truncated bodies, corrupted content both ways, a manifest PUT that keeps failing, a
// registry restarting (every connection reset for seconds) mid-push and mid-pull or down
// for longer than the retry bound, a blob HEAD answering 200 for a blob the registry lacks,
// a mount refused with BLOB_UNKNOWN. Each is survived by a retry or fails with a clear
// error — and afterwards the store passes fsck with no temporary file left, and every
// blob the registry holds has its digest.

import Foundation
import OCIBuild
import Synchronization
import Testing
import TestSupport

/// A scenario store, a registry and the proxy in front of it.
struct FaultScenario {
    let s: RegistryScenario
    let registry: TestRegistry
    let proxy: FaultProxy

    init(auth: TestRegistry.Auth = .none) throws {
        s = try RegistryScenario()
        registry = try TestRegistry(directory: s.dir.path + "/registry", auth: auth)
        proxy = try FaultProxy(upstream: registry.address, directory: s.dir.path)
    }

    func stop() {
        proxy.stop()
        registry.stop()
        try? s.dir.remove()
    }

    /// A client talking to the proxy, with quick retries; `chunkSize` for chunked uploads;
    /// `retries: nil` bounds retries by `retryMaxTime` alone.
    func client(retries: Int? = 3, retryMaxTime: Double = 60, chunkSize: Int64? = nil,
                credentials: RegistryCredentials? = nil) -> RegistryClient {
        RegistryClient(options: testOptions(insecure: [proxy.address]) {
            $0.retries = retries
            $0.retryMaxTime = retryMaxTime
            $0.chunkSize = chunkSize
            $0.rememberBlobLocations = false
            $0.credentials[proxy.address] = credentials
        })
    }

    func reference(_ path: String) throws -> Reference { try Reference("\(proxy.address)/\(path)") }

    /// The base image's big layer (the blob faults aim at).
    func bigLayer() throws -> Digest {
        let (_, manifest) = try s.store.manifest(s.base)
        return manifest.layers[0].digest
    }

    /// The invariants after any fault: the store is clean with no temporary files, and
    /// the registry holds no blob whose content differs from its digest.
    func checkNothingCorrupt(_ stores: [ImageStore]) throws {
        for store in stores {
            let report = try store.fsck()
            #expect(report.isClean, "\(report.problems)")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: store.ingestDirectory)
                .filter { $0.hasPrefix("tmp-") }
            #expect(leftovers.isEmpty, "temporary files left in \(store.ingestDirectory): \(leftovers)")
        }
        #expect(try registry.corruptBlobs().isEmpty)
    }
}

@Suite("Registry: faults between client and registry", .serialized)
struct RegistryFaultTests {
    static let reason = RegistryTestEnvironment.registryMissing

    @Test("pull survives a reset mid-blob, a truncated body, corrupt content and a 500",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func pullRecovers() throws {
        let f = try FaultScenario()
        defer { f.stop() }
        let target = try f.reference("kolla/base:1")
        _ = try f.client().push(store: f.s.store, manifest: f.s.base, to: target)
        let layer = try f.bigLayer()
        try f.proxy.setFaults([
            ["method": "GET", "path": "/blobs/\(layer)", "action": "reset", "count": 1],
            ["method": "GET", "path": "/blobs/\(layer)", "action": "truncate", "count": 1],
            ["method": "GET", "path": "/blobs/\(layer)", "action": "corrupt", "count": 1],
            ["method": "GET", "path": "/blobs/\(layer)", "action": "status", "status": 500, "count": 1],
        ])
        let store = try f.s.emptyStore("pulled")
        // Four faults in a row: the fifth attempt succeeds.
        let pulled = try f.client(retries: 4).pull(target, into: store, name: "b:1")
        #expect(pulled.digest == f.s.base.digest)
        let fired = try f.proxy.stats().fired
        #expect(fired == ["0": 1, "1": 1, "2": 1, "3": 1], "\(fired)")
        #expect(try store.readBlob(layer) == (try f.s.store.readBlob(layer)))
        try f.checkNothingCorrupt([store])
    }

    @Test("pull of content that stays corrupt fails with a digest error and stores nothing",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func pullCorruptFails() throws {
        let f = try FaultScenario()
        defer { f.stop() }
        let target = try f.reference("kolla/base:1")
        _ = try f.client().push(store: f.s.store, manifest: f.s.base, to: target)
        let layer = try f.bigLayer()
        try f.proxy.setFaults([["method": "GET", "path": "/blobs/\(layer)", "action": "corrupt", "count": -1]])
        let store = try f.s.emptyStore("pulled")
        let error = #expect(throws: RegistryError.self) { try f.client(retries: 2).pull(target, into: store, name: "b:1") }
        guard case .digestMismatch(let operation, _, let expected, _) = error else {
            Issue.record("expected a digest mismatch, got \(String(describing: error))")
            return
        }
        #expect(operation == "GET blob \(layer)")
        #expect(expected == layer)
        #expect(error?.description.contains("content digest is") == true)
        #expect(try f.proxy.stats().fired["0"] == 3)
        #expect(!store.hasBlob(layer))
        #expect(throws: StoreError.self) { try store.resolve("b:1") }
        try f.checkNothingCorrupt([store])
    }

    @Test("push survives 500s on blob uploads and a 429 with Retry-After (which it honours)",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func pushRetries() throws {
        let f = try FaultScenario()
        defer { f.stop() }
        try f.proxy.setFaults([
            ["method": "PUT", "path": "/blobs/uploads/", "action": "status", "status": 500, "count": 2],
            ["method": "HEAD", "path": "/blobs/", "action": "status", "status": 429,
             "headers": ["Retry-After": "1"], "count": 1],
        ])
        let started = Date()
        let report = try f.client().push(store: f.s.store, manifest: f.s.child, to: try f.reference("kolla/child:1"))
        #expect(Date().timeIntervalSince(started) >= 1.0)
        #expect(report.blobsUploaded == 3)
        #expect(try f.proxy.stats().fired == ["0": 2, "1": 1])
        let pulled = try f.client().pull(try f.reference("kolla/child:1"), into: try f.s.emptyStore("pulled"), name: "c:1")
        #expect(pulled.digest == f.s.child.digest)
        try f.checkNothingCorrupt([])
    }

    @Test("push restarts an upload cut mid-body and one the registry rejects as corrupt",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func pushRestarts() throws {
        let f = try FaultScenario()
        defer { f.stop() }
        let layer = try f.bigLayer()
        try f.proxy.setFaults([
            ["method": "PUT", "path": "/blobs/uploads/", "action": "reset_request", "count": 1],
            ["method": "PUT", "path": "/blobs/uploads/", "action": "corrupt_request", "count": 1],
        ])
        let report = try f.client(retries: 3).push(store: f.s.store, manifest: f.s.base, to: try f.reference("kolla/base:1"))
        #expect(report.blobsUploaded == 2)
        let (fired, requests) = try f.proxy.stats()
        #expect(fired == ["0": 1, "1": 1])
        // Every restart began with a fresh upload session.
        #expect(requests.filter { $0.hasPrefix("POST ") }.count == 4, "\(requests)")
        #expect(f.registry.hasBlob(layer))
        try f.checkNothingCorrupt([])
    }

    @Test("chunked push resumes after a PATCH is cut, from the offset the registry reports",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func chunkedResume() throws {
        let f = try FaultScenario()
        defer { f.stop() }
        try f.proxy.setFaults([
            ["method": "PATCH", "path": "/blobs/uploads/", "action": "reset_request", "count": 1],
            ["method": "PATCH", "path": "/blobs/uploads/", "action": "status", "status": 503, "count": 1],
        ])
        let report = try f.client(chunkSize: 256 << 10)
            .push(store: f.s.store, manifest: f.s.base, to: try f.reference("kolla/base:1"))
        #expect(report.blobsUploaded == 2)
        let (fired, requests) = try f.proxy.stats()
        #expect(fired == ["0": 1, "1": 1])
        #expect(requests.contains { $0.hasPrefix("GET ") && $0.contains("/blobs/uploads/") }, "\(requests)")
        #expect(requests.filter { $0.hasPrefix("POST ") }.count == 2)
        let pulled = try f.client().pull(try f.reference("kolla/base:1"), into: try f.s.emptyStore("pulled"), name: "b:1")
        #expect(pulled.digest == f.s.base.digest)
        try f.checkNothingCorrupt([])
    }

    @Test("push whose uploads stay corrupt fails clearly; the registry keeps neither blob nor manifest",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func pushCorruptFails() throws {
        let f = try FaultScenario()
        defer { f.stop() }
        let layer = try f.bigLayer()
        try f.proxy.setFaults([["method": "PUT", "path": "/blobs/uploads/", "action": "corrupt_request", "count": -1]])
        let target = try f.reference("kolla/base:1")
        let error = #expect(throws: RegistryError.self) {
            try f.client(retries: 1).push(store: f.s.store, manifest: f.s.base, to: target)
        }
        #expect(error?.description.contains("DIGEST_INVALID") == true, "\(String(describing: error))")
        #expect(error?.description.contains("after 2 attempts") == true, "\(String(describing: error))")
        #expect(!f.registry.hasBlob(layer))
        #expect(try f.proxy.stats().requests.allSatisfy { !$0.hasPrefix("PUT ") || !$0.contains("/manifests/") })
        try f.proxy.setFaults([])
        #expect(try f.client().manifestExists(target) == nil)
        try f.checkNothingCorrupt([])
    }

    @Test("a manifest PUT that keeps failing leaves no manifest, after bounded retries",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func manifestFails() throws {
        let f = try FaultScenario()
        defer { f.stop() }
        try f.proxy.setFaults([["method": "PUT", "path": "/manifests/", "action": "status", "status": 500, "count": -1]])
        let target = try f.reference("kolla/base:1")
        let error = #expect(throws: RegistryError.self) {
            try f.client(retries: 2).push(store: f.s.store, manifest: f.s.base, to: target)
        }
        #expect(error?.description == "PUT manifest \(f.proxy.address)/kolla/base:1 "
                + "http://\(f.proxy.address)/v2/kolla/base/manifests/1: HTTP 500 (INJECTED: injected 500) "
                + "(after 3 attempts)")
        #expect(try f.proxy.stats().fired["0"] == 3)
        try f.proxy.setFaults([])
        #expect(try f.client().manifestExists(target) == nil)
        try f.checkNothingCorrupt([])
    }

    @Test("blob downloads follow redirects to another host without sending it the credentials",
          .enabled(if: BasicAuthRegistryTests.reason == nil, "\(BasicAuthRegistryTests.reason ?? "")"))
    func redirectDropsAuthorization() throws {
        let credentials = RegistryCredentials(username: "kolla", password: "redirect-pw")
        let f = try FaultScenario(auth: .basic(user: credentials.username, password: credentials.password))
        defer { f.stop() }
        let target = try f.reference("kolla/base:1")
        _ = try f.client(credentials: credentials).push(store: f.s.store, manifest: f.s.base, to: target)
        // "localhost:PORT" is the proxy under another name: a different host to the client.
        try f.proxy.setFaults([["method": "GET", "path": "/blobs/sha256:", "action": "redirect", "count": -1,
                                "host": "localhost:\(f.proxy.port)",
                                "upstream_auth": "Basic \(credentials.encoded)"]])
        let store = try f.s.emptyStore("pulled")
        let pulled = try f.client(credentials: credentials).pull(target, into: store, name: "b:1")
        #expect(pulled.digest == f.s.base.digest)
        let stats = try runProcess("/usr/bin/curl", ["-s", "http://\(f.proxy.address)/__stats"])
        let json = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any]
        #expect(json?["redirected_without_auth"] as? Int == 2, "\(stats.stdout)")
        #expect(json?["redirected_with_auth"] as? Int == 0)
        try f.checkNothingCorrupt([store])
    }

    // MARK: a registry restarting, a blob vanishing

    @Test("push outlasts a registry restart: every connection reset for 5 s mid-push",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func pushOutlastsRestart() throws {
        let f = try FaultScenario()
        defer { f.stop() }
        // GET /v2/ and the three blob HEADs pass; then the registry "restarts".
        try f.proxy.setFaults([["action": "outage", "after": 4, "seconds": 5, "mode": "reset"]])
        let target = try f.reference("kolla/child:1")
        let started = Date()
        let report = try f.client(retries: nil, retryMaxTime: 20).push(store: f.s.store, manifest: f.s.child, to: target)
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= 5 && elapsed < 20, "\(elapsed)")
        #expect(report.blobsUploaded == 3)
        let (fired, requests) = try f.proxy.stats()
        #expect((fired["0"] ?? 0) >= 3, "\(fired)")
        // Sessions lost to the restart were opened again.
        #expect(requests.filter { $0.hasPrefix("POST ") }.count > 3, "\(requests)")
        try f.proxy.setFaults([])
        #expect(try f.client().manifestExists(target) == f.s.child.digest)
        let pulled = try f.client().pull(target, into: try f.s.emptyStore("pulled"), name: "c:1")
        #expect(pulled.digest == f.s.child.digest)
        try f.checkNothingCorrupt([])
    }

    @Test("pull outlasts a registry restart: every connection reset for 5 s mid-pull",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func pullOutlastsRestart() throws {
        let f = try FaultScenario()
        defer { f.stop() }
        let target = try f.reference("kolla/child:1")
        _ = try f.client().push(store: f.s.store, manifest: f.s.child, to: target)
        // GET /v2/ and the manifest pass; the blob downloads meet the restart.
        try f.proxy.setFaults([["action": "outage", "after": 2, "seconds": 5, "mode": "reset"]])
        let store = try f.s.emptyStore("pulled")
        let started = Date()
        let pulled = try f.client(retries: nil, retryMaxTime: 20).pull(target, into: store, name: "c:1")
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= 5 && elapsed < 20, "\(elapsed)")
        #expect(pulled.digest == f.s.child.digest)
        let fired = try f.proxy.stats().fired
        #expect((fired["0"] ?? 0) >= 3, "\(fired)")
        let layer = try f.bigLayer()
        #expect(try store.readBlob(layer) == (try f.s.store.readBlob(layer)))
        try f.checkNothingCorrupt([store])
    }

    @Test("pull outlasts a registry refusing connections for 3 s (stopped, then started again on its port)",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func pullOutlastsRefusal() throws {
        let f = try FaultScenario()
        defer { f.stop() }
        let target = try f.reference("kolla/base:1")
        _ = try f.client().push(store: f.s.store, manifest: f.s.base, to: target)
        let client = f.client(retries: nil, retryMaxTime: 20)
        // The endpoint is known from here on: the pull starts with its manifest GET.
        #expect(try client.manifestExists(target) == f.s.base.digest)
        f.proxy.stop()
        let restarted = Mutex<FaultProxy?>(nil)
        let back = Thread {
            Thread.sleep(forTimeInterval: 3)
            restarted.withLock { $0 = try? FaultProxy(upstream: f.registry.address, directory: f.s.dir.path,
                                                      port: f.proxy.port) }
        }
        back.start()
        defer { restarted.withLock { $0?.stop() } }
        let store = try f.s.emptyStore("pulled")
        let started = Date()
        let pulled = try client.pull(target, into: store, name: "b:1")
        #expect(Date().timeIntervalSince(started) >= 3)
        #expect(pulled.digest == f.s.base.digest)
        #expect(restarted.withLock { $0 != nil })
        try f.checkNothingCorrupt([store])
    }

    @Test("content that stays corrupt gets a few tries (3 retries), not the whole time budget",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func corruptionNotRetriedByTime() throws {
        let f = try FaultScenario()
        defer { f.stop() }
        let target = try f.reference("kolla/base:1")
        _ = try f.client().push(store: f.s.store, manifest: f.s.base, to: target)
        let layer = try f.bigLayer()
        let started = Date()
        try f.proxy.setFaults([["method": "GET", "path": "/blobs/\(layer)", "action": "corrupt", "count": -1]])
        let store = try f.s.emptyStore("pulled")
        let pullError = #expect(throws: RegistryError.self) {
            try f.client(retries: nil, retryMaxTime: 60).pull(target, into: store, name: "b:1")
        }
        #expect(pullError?.description.contains("content digest is") == true, "\(String(describing: pullError))")
        #expect(try f.proxy.stats().fired["0"] == 4)

        try f.proxy.setFaults([["method": "PUT", "path": "/blobs/uploads/", "action": "corrupt_request", "count": -1]])
        let pushError = #expect(throws: RegistryError.self) {
            try f.client(retries: nil, retryMaxTime: 60).push(store: f.s.store, manifest: f.s.child,
                                                               to: try f.reference("kolla/child:1"))
        }
        #expect(pushError?.description.contains("DIGEST_INVALID") == true, "\(String(describing: pushError))")
        #expect(pushError?.description.contains("after 4 attempts") == true, "\(String(describing: pushError))")
        #expect(Date().timeIntervalSince(started) < 20)
        try f.proxy.setFaults([])
        try f.checkNothingCorrupt([store])
    }

    @Test("a registry down for longer than the bound fails push and pull within it, leaving nothing corrupt",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func downLongerThanBound() throws {
        let f = try FaultScenario()
        defer { f.stop() }
        let pushed = try f.reference("kolla/base:1")
        _ = try f.client().push(store: f.s.store, manifest: f.s.base, to: pushed)
        let bound = 6.0

        // Push: down from its fourth request on, for good.
        try f.proxy.setFaults([["action": "outage", "after": 3, "seconds": -1]])
        let target = try f.reference("kolla/child:1")
        var started = Date()
        let pushError = #expect(throws: RegistryError.self) {
            try f.client(retries: nil, retryMaxTime: bound).push(store: f.s.store, manifest: f.s.child, to: target)
        }
        var elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= bound - 1 && elapsed < bound + 3, "\(elapsed)")
        #expect(pushError?.description.contains("reset") == true, "\(String(describing: pushError))")
        #expect(pushError?.description.contains("attempts in") == true, "\(String(describing: pushError))")
        #expect(try f.proxy.stats().requests.allSatisfy { !$0.hasPrefix("PUT ") || !$0.contains("/manifests/") })

        // Pull: down from the first blob on.
        try f.proxy.setFaults([["action": "outage", "after": 2, "seconds": -1, "mode": "close"]])
        let store = try f.s.emptyStore("pulled")
        started = Date()
        let pullError = #expect(throws: RegistryError.self) {
            try f.client(retries: nil, retryMaxTime: bound).pull(pushed, into: store, name: "b:1")
        }
        elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= bound - 1 && elapsed < bound + 3, "\(elapsed)")
        #expect(pullError?.description.contains("GET blob") == true, "\(String(describing: pullError))")
        #expect(pullError?.description.contains("attempts in") == true, "\(String(describing: pullError))")
        #expect(throws: StoreError.self) { try store.resolve("b:1") }

        try f.proxy.setFaults([])
        #expect(try f.client().manifestExists(target) == nil)
        try f.checkNothingCorrupt([store])
    }

    @Test("a blob HEAD answering 200 for a blob the registry lacks: uploaded after MANIFEST_BLOB_UNKNOWN",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func lyingHead() throws {
        let f = try FaultScenario()
        defer { f.stop() }
        let layer = try f.bigLayer()
        try f.proxy.setFaults([["method": "HEAD", "path": "/blobs/\(layer)", "action": "fake_ok", "count": 1]])
        let target = try f.reference("kolla/base:1")
        let report = try f.client().push(store: f.s.store, manifest: f.s.base, to: target)
        #expect(report.blobsUploaded == 2 && report.blobsSkipped == 0, "\(report)")
        let (fired, requests) = try f.proxy.stats()
        #expect(fired == ["0": 1])
        #expect(requests.filter { $0.hasPrefix("PUT ") && $0.contains("/manifests/") }.count == 2, "\(requests)")
        // The lacking blob was uploaded without asking HEAD again.
        #expect(requests.filter { $0.hasPrefix("HEAD ") && $0.contains("/blobs/\(layer)") }.count == 1, "\(requests)")
        #expect(f.registry.hasBlob(layer))
        let store = try f.s.emptyStore("pulled")
        let pulled = try f.client().pull(target, into: store, name: "b:1")
        #expect(pulled.digest == f.s.base.digest)
        try f.checkNothingCorrupt([store])
    }

    @Test("a manifest refused twice for a missing blob fails naming the blob, after one repair",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func missingBlobTwice() throws {
        let f = try FaultScenario()
        defer { f.stop() }
        let layer = try f.bigLayer()
        try f.proxy.setFaults([
            ["method": "HEAD", "path": "/blobs/\(layer)", "action": "fake_ok", "count": -1],
            ["method": "PUT", "path": "/manifests/", "action": "status", "status": 400, "count": -1,
             "errors": [["code": "MANIFEST_BLOB_UNKNOWN", "message": "blob unknown to registry",
                         "detail": layer.description]]],
        ])
        let target = try f.reference("kolla/base:1")
        let error = #expect(throws: RegistryError.self) {
            try f.client().push(store: f.s.store, manifest: f.s.base, to: target)
        }
        guard case .manifestBlobsMissing(_, _, let digests) = error else {
            Issue.record("expected manifestBlobsMissing, got \(String(describing: error))")
            return
        }
        #expect(digests == [layer])
        #expect(error?.description.contains("still lacks blob \(layer)") == true, "\(String(describing: error))")
        #expect(try f.proxy.stats().fired["1"] == 2)
        try f.proxy.setFaults([])
        #expect(try f.client().manifestExists(target) == nil)
        try f.checkNothingCorrupt([])
    }

    @Test("a mount refused with 404 BLOB_UNKNOWN falls back to an upload",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func mountRefused() throws {
        let f = try FaultScenario()
        defer { f.stop() }
        let client = f.client()
        _ = try client.push(store: f.s.store, manifest: f.s.base, to: try f.reference("kolla/base:1"))
        try f.proxy.setFaults([["method": "POST", "path": "mount=", "action": "status", "status": 404, "count": -1,
                                "errors": [["code": "BLOB_UNKNOWN", "message": "blob unknown to registry"]]]])
        let target = try f.reference("kolla/child:1")
        let report = try client.push(store: f.s.store, manifest: f.s.child, to: target)
        #expect(report.blobsMounted == 0 && report.blobsUploaded == 3, "\(report)")
        #expect((try f.proxy.stats().fired["0"] ?? 0) >= 1)
        let pulled = try f.client().pull(target, into: try f.s.emptyStore("pulled"), name: "c:1")
        #expect(pulled.digest == f.s.child.digest)
        try f.checkNothingCorrupt([])
    }
}
