// The registry client against Debian's docker-registry (distribution 2.8) on loopback:
// an open registry (push, pull back, re-push uploads nothing, mounts, chunked uploads with
// relative Locations, indexes with platform selection, skopeo both ways), one with htpasswd
// Basic auth (credentials files, kolla-oci login/logout), one behind TLS with a CA made by
// openssl, and one with token auth against a small token service (Helpers/token_server.py).

import Foundation
import OCIBuild
import Synchronization
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Options for tests: the loopback registries allowed over plain HTTP, quick retries.
func testOptions(insecure: [String] = [], configure: (inout RegistryOptions) -> Void = { _ in }) -> RegistryOptions {
    var options = RegistryOptions()
    options.insecureRegistries = Set(insecure)
    options.retryDelay = 0.05
    options.maxRetryDelay = 2
    // A count too, so tests of errors (TLS refused, a manifest PUT failing for good) fail
    // after a few quick attempts instead of retrying for the whole time bound; the tests of
    // the time bound clear it.
    options.retries = 3
    // No credentials from the machine running the tests.
    options.environment = ["HOME": "/nonexistent-kolla-oci-home"]
    configure(&options)
    return options
}

/// A scratch directory with a store holding a base image and a child sharing its layer.
struct RegistryScenario {
    let dir: TemporaryDirectory
    let store: ImageStore
    let base: Descriptor
    let child: Descriptor

    init() throws {
        dir = try TemporaryDirectory(prefix: "kolla-oci-registry")
        store = try ImageStore(root: dir.path + "/store")
        base = try TestImages.importImage([
            "etc/os-release": Array("ID=test\n".utf8),
            "usr/lib/big.bin": TestImages.noise(1 << 20, seed: 1),
        ], name: "base:1", into: store, scratch: dir.path)
        child = try TestImages.child(of: base, adding: ["srv/app.bin": TestImages.noise(300_000, seed: 2)],
                                     name: "child:1", store: store, scratch: dir.path)
    }

    /// A new empty store in the scratch directory.
    func emptyStore(_ name: String) throws -> ImageStore { try ImageStore(root: "\(dir.path)/\(name)") }

    /// Runs `body` with a fresh scenario and a registry (see `TestRegistry.init`), both
    /// removed afterwards.
    /// With `tls`, the registry serves TLS with a CA made in `<scratch>/ca` (`registry.ca`).
    static func withRegistry(auth: TestRegistry.Auth = .none, tls: Bool = false, relativeURLs: Bool = false,
                             _ body: (RegistryScenario, TestRegistry) throws -> Void) throws {
        let s = try RegistryScenario()
        defer { try? s.dir.remove() }
        var ca: TestCA?
        if tls {
            try FileManager.default.createDirectory(atPath: s.dir.path + "/ca", withIntermediateDirectories: true)
            ca = try TestCA(directory: s.dir.path + "/ca")
        }
        let registry = try TestRegistry(directory: s.dir.path + "/registry", auth: auth, ca: ca,
                                        relativeURLs: relativeURLs)
        defer { registry.stop() }
        try body(s, registry)
    }

    /// Blobs an image references (without the manifest).
    func blobs(_ descriptor: Descriptor) throws -> [Digest] {
        let (_, manifest) = try store.manifest(descriptor)
        return [manifest.config.digest] + manifest.layers.map(\.digest)
    }
}

@Suite("Registry: open registry")
struct OpenRegistryTests {
    static let reason = RegistryTestEnvironment.registryMissing

    @Test("push, pull back with equal digests, re-push uploads nothing, a second image mounts shared blobs",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func pushPullMount() throws {
        try RegistryScenario.withRegistry { s, registry in
            let client = RegistryClient(options: testOptions(insecure: [registry.address]))
            let target = try Reference("\(registry.address)/kolla/base:1")

            let first = try client.push(store: s.store, manifest: s.base, to: target)
            #expect(first.manifestDigest == s.base.digest)
            #expect(first.blobsUploaded == 2 && first.blobsSkipped == 0 && first.blobsMounted == 0)
            #expect(first.bytesUploaded > 1 << 20)

            // Pull back into an empty store: same digest, same bytes, a clean store.
            let other = try s.emptyStore("pulled")
            let pulled = try client.pull(target, into: other, name: "base:pulled")
            #expect(pulled.digest == s.base.digest)
            #expect(pulled.mediaType == .ociManifest)
            #expect(try other.resolve("base:pulled").descriptor.digest == s.base.digest)
            for digest in try s.blobs(s.base) {
                #expect(try other.readBlob(digest) == (try s.store.readBlob(digest)))
            }
            #expect(try other.fsck().isClean)

            // The same push again, from a fresh client: every blob is there already.
            let again = try RegistryClient(options: testOptions(insecure: [registry.address]))
                .push(store: s.store, manifest: s.base, to: target)
            #expect(again.blobsUploaded == 0 && again.blobsSkipped == 2 && again.bytesUploaded == 0)

            // The child, to another repository: its base layer is mounted (location remembered
            // in the store), only its own layer and config are uploaded.
            let childTarget = try Reference("\(registry.address)/kolla/child:1")
            let child = try RegistryClient(options: testOptions(insecure: [registry.address]))
                .push(store: s.store, manifest: s.child, to: childTarget)
            #expect(child.blobsMounted == 1)
            #expect(child.blobsUploaded == 2)
            #expect(child.bytesUploaded < 400_000)

            #expect(try client.manifestExists(childTarget) == s.child.digest)
            #expect(try client.manifestExists(try Reference("\(registry.address)/kolla/child:nope")) == nil)
            #expect(try client.manifestExists(try Reference("\(registry.address)/kolla/child@\(s.child.digest)"))
                    == s.child.digest)
            #expect(try registry.corruptBlobs().isEmpty)
        }
    }

    @Test("one client pushes several images from several threads at once",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func concurrentPushes() throws {
        try RegistryScenario.withRegistry { s, registry in
            let client = RegistryClient(options: testOptions(insecure: [registry.address]) { $0.maxConcurrentBlobs = 2 })
            let images = [s.base, s.child, s.base, s.child]
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: images.count) { index in
                do {
                    let target = try Reference("\(registry.address)/parallel/image\(index):1")
                    let report = try client.push(store: s.store, manifest: images[index], to: target)
                    if report.manifestDigest != images[index].digest { failures.withLock { $0.append("digest \(index)") } }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
            for index in images.indices {
                let digest = try client.manifestExists(try Reference("\(registry.address)/parallel/image\(index):1"))
                #expect(digest == images[index].digest)
            }
            let corrupt = try registry.corruptBlobs()
            #expect(corrupt.isEmpty)
        }
    }

    @Test("a missing image is reported as manifest unknown",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func missingImage() throws {
        try RegistryScenario.withRegistry { s, registry in
            let client = RegistryClient(options: testOptions(insecure: [registry.address]))
            let error = #expect(throws: RegistryError.self) {
                try client.pull(try Reference("\(registry.address)/no/such:1"), into: s.store, name: "x:1")
            }
            #expect(error?.description.contains("manifest unknown") == true, "\(String(describing: error))")
            if case .manifestNotFound = error {} else { Issue.record("expected manifestNotFound, got \(String(describing: error))") }
        }
    }

    @Test("chunked uploads (PATCH + PUT) against relative Location headers",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func chunkedRelative() throws {
        try RegistryScenario.withRegistry(relativeURLs: true) { s, registry in
            let patches = Mutex(0)
            let client = RegistryClient(options: testOptions(insecure: [registry.address]) {
                $0.chunkSize = 256 << 10
                $0.trace = { line in if line.hasPrefix("PATCH") && line.hasSuffix("-> 202") { patches.withLock { $0 += 1 } } }
            })
            let target = try Reference("\(registry.address)/chunked/child:1")
            let report = try client.push(store: s.store, manifest: s.child, to: target)
            #expect(report.blobsUploaded == 3)
            // 1 MiB base layer in 256 KiB chunks, plus the child layer's two.
            #expect(patches.withLock { $0 } >= 5)
            let pulled = try client.pull(target, into: try s.emptyStore("pulled"), name: "c:1")
            #expect(pulled.digest == s.child.digest)
            #expect(try registry.corruptBlobs().isEmpty)
        }
    }

    @Test("an index is pushed children first; pull selects the platform",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func indexPlatforms() throws {
        try RegistryScenario.withRegistry { s, registry in
            // A second "platform": the same layers with an arm64 config.
            let (_, manifest) = try s.store.manifest(s.base)
            var armConfig = try s.store.readJSON(ImageConfig.self, manifest.config)
            armConfig.architecture = "arm64"
            armConfig.variant = "v8"
            let armManifest = Manifest(config: try s.store.putJSON(armConfig, mediaType: .ociConfig), layers: manifest.layers)
            let arm = try s.store.putJSON(armManifest, mediaType: .ociManifest)
            var hostEntry = s.base
            hostEntry.platform = .host
            hostEntry.annotations = nil
            var armEntry = arm
            armEntry.platform = Platform(architecture: "arm64", os: "linux", variant: "v8")
            let index = try s.store.putJSON(Index(manifests: [hostEntry, armEntry]), mediaType: .ociIndex)
            try s.store.tag("multi:1", index)

            let client = RegistryClient(options: testOptions(insecure: [registry.address]))
            let target = try Reference("\(registry.address)/kolla/multi:1")
            let report = try client.push(store: s.store, manifest: index, to: target)
            #expect(report.manifestDigest == index.digest)
            #expect(try client.manifestExists(target) == index.digest)

            let host = try client.pull(target, into: try s.emptyStore("host"), name: "m:1")
            #expect(host.digest == s.base.digest)
            let pulledArm = try client.pull(target, into: try s.emptyStore("arm"), name: "m:1",
                                            platform: Platform(architecture: "arm64", os: "linux", variant: "v8"))
            #expect(pulledArm.digest == arm.digest)
            let error = #expect(throws: RegistryError.self) {
                try client.pull(target, into: try s.emptyStore("s390x"), name: "m:1",
                                platform: Platform(architecture: "s390x", os: "linux"))
            }
            #expect(error?.description.contains("no manifest for linux/s390x") == true, "\(String(describing: error))")
            #expect(error?.description.contains("linux/arm64/v8") == true)
        }
    }

    @Test("TLS is verified by default: plain HTTP is refused unless the registry is listed insecure",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func plainHTTPRefused() throws {
        try RegistryScenario.withRegistry { s, registry in
            let client = RegistryClient(options: testOptions())
            let error = #expect(throws: RegistryError.self) {
                try client.push(store: s.store, manifest: s.base, to: try Reference("\(registry.address)/kolla/base:1"))
            }
            // The TLS handshake with a plain-HTTP server fails; nothing falls back to http.
            if case .transfer(_, let url, _, _, _) = error {
                #expect(url.hasPrefix("https://"))
            } else {
                Issue.record("expected a transfer error, got \(String(describing: error))")
            }
            let stored = try registry.storedBlobs()
            #expect(stored.isEmpty)
        }
    }
}

@Suite("Registry: htpasswd Basic auth")
struct BasicAuthRegistryTests {
    static let reason = RegistryTestEnvironment.basicAuthMissing
    static let user = "kolla"
    static let password = "s3cr3t-Pa55"

    @Test("credentials from auth.json; none or wrong ones give a clear error",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func authFileCredentials() throws {
        try RegistryScenario.withRegistry(auth: .basic(user: Self.user, password: Self.password)) { s, registry in
            let target = try Reference("\(registry.address)/kolla/base:1")

            let anonymous = RegistryClient(options: testOptions(insecure: [registry.address]))
            let denied = #expect(throws: RegistryError.self) { try anonymous.push(store: s.store, manifest: s.base, to: target) }
            #expect(denied?.description.contains("authentication required") == true, "\(String(describing: denied))")
            #expect(denied?.description.contains("kolla-oci login \(registry.address)") == true)

            let wrong = RegistryClient(options: testOptions(insecure: [registry.address]) {
                $0.credentials[registry.address] = RegistryCredentials(username: Self.user, password: "wrong-password")
            })
            let refused = #expect(throws: RegistryError.self) { try wrong.push(store: s.store, manifest: s.base, to: target) }
            #expect(refused?.description.contains("refused") == true, "\(String(describing: refused))")
            #expect(refused?.description.contains("wrong-password") == false)

            // A containers auth.json found through $REGISTRY_AUTH_FILE.
            let authFile = s.dir.path + "/auth.json"
            let auth = Data("\(Self.user):\(Self.password)".utf8).base64EncodedString()
            try #"{"auths": {"\#(registry.address)": {"auth": "\#(auth)"}}}"#.write(toFile: authFile, atomically: true,
                                                                                   encoding: .utf8)
            let client = RegistryClient(options: testOptions(insecure: [registry.address]) {
                $0.environment["REGISTRY_AUTH_FILE"] = authFile
            })
            let report = try client.push(store: s.store, manifest: s.base, to: target)
            #expect(report.blobsUploaded == 2)
            // Docker's config.json with a legacy URL key, found through $DOCKER_CONFIG.
            let dockerConfig = s.dir.path + "/docker"
            try FileManager.default.createDirectory(atPath: dockerConfig, withIntermediateDirectories: true)
            try #"{"auths": {"http://\#(registry.address)/v1/": {"auth": "\#(auth)"}}}"#
                .write(toFile: dockerConfig + "/config.json", atomically: true, encoding: .utf8)
            let docker = RegistryClient(options: testOptions(insecure: [registry.address]) {
                $0.environment["DOCKER_CONFIG"] = dockerConfig
            })
            let pulled = try docker.pull(target, into: try s.emptyStore("pulled"), name: "b:1")
            #expect(pulled.digest == s.base.digest)
        }
    }

    @Test("kolla-oci login writes a 0600 auth.json, push/pull use it, logout removes it; no password in output",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func loginLogoutCLI() throws {
        try RegistryScenario.withRegistry(auth: .basic(user: Self.user, password: Self.password)) { s, registry in
            let bin = kollaOCIBinary()
            let authFile = s.dir.path + "/config/auth.json"
            let environment = ["HOME": s.dir.path, "REGISTRY_AUTH_FILE": "", "XDG_RUNTIME_DIR": "", "DOCKER_CONFIG": ""]
            func login(_ password: String) throws -> ToolRun {
                try runTool("/bin/sh", ["-c", "printf '%s\\n' \"$PW\" | \"$BIN\" login --debug --username \(Self.user) "
                                        + "--password-stdin --authfile '\(authFile)' --insecure-registry \(registry.address) "
                                        + "http://\(registry.address)/"],
                            environment: environment.merging(["PW": password, "BIN": bin]) { $1 })
            }
            let bad = try login("not-the-password")
            #expect(bad.status == 1)
            #expect(bad.stderr.contains("refused"), "\(bad.stderr)")
            #expect(!bad.stderr.contains("not-the-password") && !bad.stdout.contains("not-the-password"))
            let badEncoded = Data("\(Self.user):not-the-password".utf8).base64EncodedString()
            #expect(!bad.stderr.contains(badEncoded))
            #expect(!FileManager.default.fileExists(atPath: authFile))

            let good = try login(Self.password)
            #expect(good.status == 0, "\(good.stderr)")
            #expect(good.stdout == "Login Succeeded!\n")
            #expect(!good.stderr.contains(Self.password))
            let attributes = try FileManager.default.attributesOfItem(atPath: authFile)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: authFile))) as? [String: Any]
            let entry = (saved?["auths"] as? [String: Any])?[registry.address] as? [String: Any]
            #expect(entry?["auth"] as? String == Data("\(Self.user):\(Self.password)".utf8).base64EncodedString())

            let push = try runTool(bin, ["push", "--root", s.store.root, "--debug", "--authfile", authFile,
                                         "--insecure-registry", registry.address, "base:1",
                                         "\(registry.address)/kolla/base:1"], environment: environment)
            #expect(push.status == 0, "\(push.stderr)")
            #expect(push.stdout == "\(s.base.digest)\n")
            #expect(!push.stderr.contains(Self.password) && !push.stderr.contains("Authorization"))
            let pull = try runTool(bin, ["pull", "--root", s.dir.path + "/pulled", "--authfile", authFile,
                                         "--insecure-registry", registry.address, "\(registry.address)/kolla/base:1"],
                                   environment: environment)
            #expect(pull.status == 0, "\(pull.stderr)")
            #expect(pull.stdout == "\(s.base.digest)\n")
            // Not a terminal: no progress lines.
            #expect(pull.stderr.isEmpty, "\(pull.stderr)")

            let logout = try runTool(bin, ["logout", "--authfile", authFile, registry.address], environment: environment)
            #expect(logout.status == 0, "\(logout.stderr)")
            let after = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: authFile))) as? [String: Any]
            #expect((after?["auths"] as? [String: Any])?.isEmpty == true)
            let again = try runTool(bin, ["logout", "--authfile", authFile, registry.address], environment: environment)
            #expect(again.status == 1)
            #expect(again.stderr.contains("not logged in"))
        }
    }
}

@Suite("Registry: TLS with a private CA")
struct TLSRegistryTests {
    static let reason = RegistryTestEnvironment.tlsMissing

    @Test("verified against --tls-ca-file; refused without it; unverified when listed insecure",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func privateCA() throws {
        try RegistryScenario.withRegistry(tls: true) { s, registry in
            let ca = try #require(registry.ca)
            let target = try Reference("\(registry.address)/kolla/base:1")

            let untrusted = RegistryClient(options: testOptions())
            let error = #expect(throws: RegistryError.self) { try untrusted.push(store: s.store, manifest: s.base, to: target) }
            #expect(error?.description.lowercased().contains("certificate") == true, "\(String(describing: error))")

            let trusted = RegistryClient(options: testOptions { $0.caFiles = [ca.caCertificate] })
            #expect(try trusted.push(store: s.store, manifest: s.base, to: target).blobsUploaded == 2)

            let schemes = Mutex<Set<String>>([])
            let insecure = RegistryClient(options: testOptions(insecure: [registry.address]) {
                $0.trace = { line in
                    if let scheme = line.split(separator: " ").dropFirst().first?.split(separator: ":").first {
                        schemes.withLock { _ = $0.insert(String(scheme)) }
                    }
                }
            })
            let pulled = try insecure.pull(target, into: try s.emptyStore("pulled"), name: "b:1")
            #expect(pulled.digest == s.base.digest)
            #expect(schemes.withLock { $0 } == ["https"])

            // The command line, with the CA from the environment variable.
            let pull = try runTool(kollaOCIBinary(), ["pull", "--root", s.dir.path + "/cli", "\(registry.address)/kolla/base:1"],
                                   environment: ["KOLLA_OCI_TLS_CA_FILE": ca.caCertificate])
            #expect(pull.status == 0, "\(pull.stderr)")
            #expect(pull.stdout == "\(s.base.digest)\n")
        }
    }
}

@Suite("Registry: Bearer token auth")
struct TokenRegistryTests {
    @Test("tokens with pull+push scopes (and pull on the mount source), expiry and refresh, anonymous refused",
          .enabled(if: RegistryTestEnvironment.tokenMissing == nil, "\(RegistryTestEnvironment.tokenMissing ?? "")"))
    func bearerFlow() throws {
        let s = try RegistryScenario()
        defer { try? s.dir.remove() }
        let keys = s.dir.path + "/token"
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        let made = try runProcess("/bin/sh", ["-c", "cd '\(keys)' && openssl req -x509 -newkey rsa:2048 -nodes "
                                              + "-keyout token.key -out token.crt -days 2 -subj '/CN=token' 2>/dev/null"])
        try #require(made.status == 0, "\(made.stderr)")
        let tokenPort = try freePort()
        let tokenLog = keys + "/requests.log"
        let lifetime = 3
        let tokenService = try LoopbackService(
            RegistryTestEnvironment.python ?? "python3",
            ["\(RegistryTestEnvironment.helpers)/token_server.py", "\(tokenPort)", keys + "/token.key", keys + "/token.crt",
             "test-issuer", "test-registry", "tok-user", "tok-pass", "\(lifetime)", tokenLog],
            log: keys + "/token-server.log")
        defer { tokenService.stop() }
        try waitForHTTP("http://127.0.0.1:\(tokenPort)/token", statuses: [200], service: tokenService)
        let registry = try TestRegistry(
            directory: s.dir.path + "/registry",
            auth: .token(realm: "http://127.0.0.1:\(tokenPort)/token", service: "test-registry", issuer: "test-issuer",
                         certificateBundle: keys + "/token.crt"))
        defer { registry.stop() }
        func tokenRequests() -> [[String: Any]] {
            ((try? String(contentsOfFile: tokenLog, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }

        let anonymous = RegistryClient(options: testOptions(insecure: [registry.address]))
        let denied = #expect(throws: RegistryError.self) {
            try anonymous.push(store: s.store, manifest: s.base, to: try Reference("\(registry.address)/a/base:1"))
        }
        #expect(denied?.description.contains("authentication required") == true, "\(String(describing: denied))")

        let client = RegistryClient(options: testOptions(insecure: [registry.address]) {
            $0.credentials[registry.address] = RegistryCredentials(username: "tok-user", password: "tok-pass")
            $0.rememberBlobLocations = false
        })
        let base = try client.push(store: s.store, manifest: s.base, to: try Reference("\(registry.address)/a/base:1"))
        #expect(base.blobsUploaded == 2)
        let child = try client.push(store: s.store, manifest: s.child, to: try Reference("\(registry.address)/b/child:1"))
        #expect(child.blobsMounted == 1, "mounted \(child.blobsMounted), uploaded \(child.blobsUploaded)")
        let scopes = tokenRequests().filter { $0["authorized"] as? Bool == true }.map { ($0["scopes"] as? [String]) ?? [] }
        #expect(scopes.contains(["repository:a/base:pull,push"]), "\(scopes)")
        #expect(scopes.contains(["repository:a/base:pull", "repository:b/child:pull,push"]), "\(scopes)")
        #expect(tokenRequests().allSatisfy { $0["account"] as? String == "tok-user" || $0["authorized"] as? Bool == false })

        // Cached tokens are reused until they expire, then fetched again.
        let before = tokenRequests().count
        #expect(try client.manifestExists(try Reference("\(registry.address)/b/child:1")) == s.child.digest)
        #expect(try client.manifestExists(try Reference("\(registry.address)/b/child:1")) == s.child.digest)
        let cached = tokenRequests().count
        #expect(cached <= before + 1)
        Thread.sleep(forTimeInterval: Double(lifetime))
        let pulled = try client.pull(try Reference("\(registry.address)/b/child:1"), into: try s.emptyStore("pulled"),
                                     name: "c:1")
        #expect(pulled.digest == s.child.digest)
        #expect(tokenRequests().count > cached)
    }
}

@Suite("Registry: interop with skopeo")
struct SkopeoRegistryTests {
    static let reason = RegistryTestEnvironment.skopeoMissing

    @Test("skopeo reads what we push; we pull what skopeo pushes (OCI and Docker schema 2)",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func skopeoBothWays() throws {
        try RegistryScenario.withRegistry { s, registry in
            let skopeo = RegistryTestEnvironment.skopeo!
            let client = RegistryClient(options: testOptions(insecure: [registry.address]))
            _ = try client.push(store: s.store, manifest: s.child, to: try Reference("\(registry.address)/ours/child:1"))
            let inspect = try runProcess(skopeo, ["inspect", "--tls-verify=false", "docker://\(registry.address)/ours/child:1"])
            #expect(inspect.status == 0, "\(inspect.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any]
            #expect(json?["Digest"] as? String == s.child.digest.description)
            let (_, manifest) = try s.store.manifest(s.child)
            #expect(json?["Layers"] as? [String] == manifest.layers.map(\.digest.description))

            // skopeo pushes from our store (an OCI layout), once as is and once as Docker schema 2.
            for (format, mediaType) in [("oci", MediaType.ociManifest), ("v2s2", MediaType.dockerManifest)] {
                let destination = "\(registry.address)/skopeo/\(format):1"
                let copy = try runProcess(skopeo, ["copy", "--dest-tls-verify=false", "--format", format,
                                                   "oci:\(s.store.root):child:1", "docker://\(destination)"])
                #expect(copy.status == 0, "\(copy.stderr)")
                let theirs = try runProcess(skopeo, ["inspect", "--raw", "--tls-verify=false", "docker://\(destination)"])
                let theirDigest = try Digest.sha256(of: Array(theirs.stdout.utf8))
                let store = try s.emptyStore("from-skopeo-\(format)")
                let pulled = try client.pull(try Reference(destination), into: store, name: "s:1")
                #expect(pulled.digest == theirDigest)
                #expect(pulled.mediaType == mediaType)
                let (_, pulledManifest) = try store.manifest(pulled)
                #expect(pulledManifest.layers.map(\.digest) == manifest.layers.map(\.digest))
                _ = try store.readJSON(ImageConfig.self, pulledManifest.config)
                #expect(try store.fsck().isClean)
            }
        }
    }
}

@Suite("Registry: bud pulls FROM")
struct BudPullTests {
    static var reason: String? {
        if let missing = RegistryTestEnvironment.registryMissing { return missing }
        return getuid() == 0 ? nil : "kolla-oci bud re-executes in a user namespace as non-root; the test runs as root"
    }

    @Test("kolla-oci bud pulls a FROM image missing in the store from the registry",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func budPullsBase() throws {
        try RegistryScenario.withRegistry { s, registry in
            let client = RegistryClient(options: testOptions(insecure: [registry.address]))
            _ = try client.push(store: s.store, manifest: s.base, to: try Reference("\(registry.address)/kolla/base:1"))
            let context = s.dir.path + "/context"
            try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
            try "FROM \(registry.address)/kolla/base:1\nLABEL built=yes\n".write(toFile: context + "/Dockerfile",
                                                                               atomically: true, encoding: .utf8)
            let root = s.dir.path + "/bud-store"
            let bud = try runTool(kollaOCIBinary(), ["bud", "-q", "--root", root, "--insecure-registry", registry.address,
                                                     "-t", "built:1", context])
            #expect(bud.status == 0, "\(bud.stderr)")
            let store = try ImageStore(root: root, create: false)
            #expect(try store.resolve("\(registry.address)/kolla/base:1").descriptor.digest == s.base.digest)
            _ = try store.resolve("built:1")

            // A FROM image the registry lacks either: the step names it.
            let other = s.dir.path + "/other"
            try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
            try "FROM \(registry.address)/kolla/nothing:1\n".write(toFile: other + "/Dockerfile", atomically: true,
                                                                   encoding: .utf8)
            let missing = try runTool(kollaOCIBinary(), ["bud", "-q", "--root", root, "--insecure-registry", registry.address,
                                                         "-t", "x:1", other])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("kolla/nothing:1 is not in the store"), "\(missing.stderr)")
        }
    }
}
