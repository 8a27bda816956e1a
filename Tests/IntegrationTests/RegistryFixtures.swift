// Loopback services for the registry tests: Debian's docker-registry (open, htpasswd Basic
// auth, TLS with a CA made here by openssl, token auth), the Python token service and the
// fault-injecting proxy of `Helpers/`, and small images to push.
//
// Every service runs under a watchdog shell that kills it when the test process's pipe
// closes, so a crashed or interrupted test run leaves no registry behind.

import Foundation
import OCIBuild
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Why the registry integration tests cannot run here, or nil when they can.
enum RegistryTestEnvironment {
    static let registryBinary = findExecutable("docker-registry")
    static let python = findExecutable("python3")
    static let openssl = findExecutable("openssl")
    static let htpasswd = findExecutable("htpasswd")
    static let skopeo = findExecutable("skopeo")

    /// Every service runs under Helpers/watchdog.py, so python3 is needed throughout.
    static var registryMissing: String? {
        if registryBinary == nil { return "docker-registry (Debian package docker-registry) is not installed; run tools/setup" }
        return python == nil ? "python3 is not installed; run tools/setup" : nil
    }
    static var basicAuthMissing: String? {
        registryMissing ?? (htpasswd == nil ? "htpasswd (apache2-utils) is not installed; run tools/setup" : nil)
    }
    static var tlsMissing: String? {
        registryMissing ?? (openssl == nil ? "openssl is not installed; run tools/setup" : nil)
    }
    static var tokenMissing: String? { tlsMissing }
    static var skopeoMissing: String? {
        registryMissing ?? (skopeo == nil ? "skopeo is not installed; run tools/setup" : nil)
    }

    /// The directory of the Python helpers.
    static let helpers = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Helpers").path
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A free TCP port on 127.0.0.1 (bound once and released; the race is acceptable in tests).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw FixtureError("socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw FixtureError("bind failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A background service that dies with the test process (or on `stop()`).
final class LoopbackService: @unchecked Sendable {
    private let process = Process()
    private let lifeline = Pipe()
    let log: String

    /// Starts `executable arguments…` with output to `log`.
    init(_ executable: String, _ arguments: [String], log: String) throws {
        self.log = log
        // Helpers/watchdog.py stops the service when the lifeline pipe closes (stop(), or
        // the test process exiting).
        process.executableURL = URL(fileURLWithPath: RegistryTestEnvironment.python ?? "/usr/bin/python3")
        process.arguments = ["\(RegistryTestEnvironment.helpers)/watchdog.py", log, executable] + arguments
        process.standardInput = lifeline
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Stops the service and waits for it.
    func stop() {
        try? lifeline.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    var isRunning: Bool { process.isRunning }

    deinit { stop() }
}

/// Polls `GET url` until it answers one of `statuses` (any answer when empty).
func waitForHTTP(_ url: String, statuses: Set<Int> = [], insecure: Bool = true, timeout: Double = 10,
                 service: LoopbackService? = nil) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if let service, !service.isRunning {
            let log = (try? String(contentsOfFile: service.log, encoding: .utf8)) ?? ""
            throw FixtureError("service exited before answering \(url): \(log.suffix(2000))")
        }
        let probe = try runProcess("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2"]
                                   + (insecure ? ["-k"] : []) + [url])
        if let code = Int(probe.stdout), code != 0, statuses.isEmpty || statuses.contains(code) { return }
        Thread.sleep(forTimeInterval: 0.03)
    }
    throw FixtureError("\(url) did not answer within \(timeout) s")
}

/// A certificate authority and a server certificate for 127.0.0.1, made with openssl.
struct TestCA {
    let caCertificate: String
    let serverCertificate: String
    let serverKey: String

    init(directory: String) throws {
        caCertificate = "\(directory)/ca.crt"
        serverCertificate = "\(directory)/server.crt"
        serverKey = "\(directory)/server.key"
        let script = """
            set -e
            cd '\(directory)'
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt \
              -days 2 -subj '/CN=kolla-oci test CA' -addext 'basicConstraints=critical,CA:TRUE' \
              -addext 'keyUsage=critical,keyCertSign,cRLSign' 2>/dev/null
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr \
              -subj '/CN=127.0.0.1' 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > ext
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 \
              -extfile ext 2>/dev/null
            """
        let result = try runProcess("/bin/sh", ["-c", script])
        guard result.status == 0 else { throw FixtureError("openssl failed: \(result.stderr)") }
    }
}

/// Debian's docker-registry on 127.0.0.1, with its storage in a scratch directory.
final class TestRegistry: @unchecked Sendable {
    enum Auth {
        case none
        case basic(user: String, password: String)
        case token(realm: String, service: String, issuer: String, certificateBundle: String)
    }

    let port: Int
    let directory: String
    let service: LoopbackService
    /// The CA the registry's TLS certificate comes from; nil for plain HTTP.
    let ca: TestCA?
    var tls: Bool { ca != nil }

    /// `127.0.0.1:PORT`.
    var address: String { "127.0.0.1:\(port)" }
    /// Where the registry keeps blobs.
    var storage: String { "\(directory)/data" }

    /// Starts a registry (on `port`, else a free one); `ca` makes it serve TLS with the
    /// CA's server certificate.
    init(directory: String, auth: Auth = .none, ca: TestCA? = nil, relativeURLs: Bool = false, port: Int? = nil) throws {
        self.directory = directory
        self.port = try port ?? freePort()
        self.ca = ca
        try FileManager.default.createDirectory(atPath: "\(directory)/data", withIntermediateDirectories: true)
        var config = """
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: \(directory)/data
              delete:
                enabled: true
              cache:
                blobdescriptor: inmemory
            http:
              addr: 127.0.0.1:\(self.port)
              secret: kolla-oci-test
              relativeurls: \(relativeURLs)

            """
        if let ca {
            config += "  tls:\n    certificate: \(ca.serverCertificate)\n    key: \(ca.serverKey)\n"
        }
        switch auth {
        case .none:
            break
        case .basic(let user, let password):
            let entry = try runProcess(RegistryTestEnvironment.htpasswd ?? "htpasswd", ["-Bbn", user, password])
            guard entry.status == 0 else { throw FixtureError("htpasswd failed: \(entry.stderr)") }
            let file = "\(directory)/htpasswd"
            try entry.stdout.trimmingCharacters(in: .whitespacesAndNewlines).appending("\n")
                .write(toFile: file, atomically: true, encoding: .utf8)
            config += "auth:\n  htpasswd:\n    realm: kolla-oci-test\n    path: \(file)\n"
        case .token(let realm, let service, let issuer, let bundle):
            config += "auth:\n  token:\n    realm: \(realm)\n    service: \(service)\n    issuer: \(issuer)\n"
                + "    rootcertbundle: \(bundle)\n"
        }
        let configFile = "\(directory)/config.yml"
        try config.write(toFile: configFile, atomically: true, encoding: .utf8)
        service = try LoopbackService(RegistryTestEnvironment.registryBinary ?? "docker-registry",
                                      ["serve", configFile], log: "\(directory)/registry.log")
        try waitForHTTP("\(tls ? "https" : "http")://\(address)/v2/", statuses: [200, 401], service: service)
    }

    func stop() { service.stop() }

    /// Every blob file the registry stores, with the digest its path names.
    func storedBlobs() throws -> [(digest: String, path: String)] {
        let root = "\(storage)/docker/registry/v2/blobs/sha256"
        guard let prefixes = try? FileManager.default.contentsOfDirectory(atPath: root) else { return [] }
        var result: [(String, String)] = []
        for prefix in prefixes {
            for hex in (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(prefix)")) ?? [] {
                result.append(("sha256:\(hex)", "\(root)/\(prefix)/\(hex)/data"))
            }
        }
        return result
    }

    /// Blobs whose content does not match the digest they are stored under (should be none).
    func corruptBlobs() throws -> [String] {
        try storedBlobs().compactMap { blob in
            guard let data = FileManager.default.contents(atPath: blob.path) else { return nil }
            let actual = try Digest.sha256(of: Array(data)).description
            return actual == blob.digest ? nil : blob.digest
        }
    }

    /// Whether the registry holds blob `digest` in any repository.
    func hasBlob(_ digest: Digest) -> Bool {
        FileManager.default.fileExists(
            atPath: "\(storage)/docker/registry/v2/blobs/sha256/\(digest.encoded.prefix(2))/\(digest.encoded)/data")
    }
}

/// The fault-injecting proxy of `Helpers/fault_proxy.py` in front of `upstream`.
final class FaultProxy: @unchecked Sendable {
    let port: Int
    let service: LoopbackService
    var address: String { "127.0.0.1:\(port)" }

    /// Starts the proxy on `port` (a free one when nil: a given one restarts a proxy
    /// stopped before, as a registry comes back on its address).
    init(upstream: String, directory: String, port: Int? = nil) throws {
        self.port = try port ?? freePort()
        service = try LoopbackService(RegistryTestEnvironment.python ?? "python3",
                                      ["\(RegistryTestEnvironment.helpers)/fault_proxy.py", "\(self.port)", upstream],
                                      log: "\(directory)/proxy-\(UUID().uuidString.prefix(8)).log")
        try waitForHTTP("http://\(address)/__stats", statuses: [200], service: service)
    }

    /// Replaces the fault rules (JSON objects as fault_proxy.py documents them).
    func setFaults(_ rules: [[String: Any]]) throws {
        let data = try JSONSerialization.data(withJSONObject: rules)
        let result = try runProcess("/usr/bin/curl", ["-s", "-f", "-X", "POST", "--data-binary", String(decoding: data, as: UTF8.self),
                                                      "http://\(address)/__faults"])
        guard result.status == 0 else { throw FixtureError("setting faults failed: \(result.stderr)") }
    }

    /// How often each rule fired, and the requests seen since the rules were set.
    func stats() throws -> (fired: [String: Int], requests: [String]) {
        let result = try runProcess("/usr/bin/curl", ["-s", "-f", "http://\(address)/__stats"])
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return ((json?["fired"] as? [String: Int]) ?? [:], (json?["requests"] as? [String]) ?? [])
    }

    func stop() { service.stop() }
}

/// Test images: one-layer images imported from generated trees, and children adding a layer.
enum TestImages {
    /// Imports a root file system of `files` (path → content) as `name` into `store`.
    @discardableResult
    static func importImage(_ files: [String: [UInt8]], name: String, into store: ImageStore,
                            scratch: String) throws -> Descriptor {
        let rootfs = "\(scratch)/rootfs-\(UUID().uuidString)"
        for (path, content) in files {
            let full = "\(rootfs)/\(path)"
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try Data(content).write(to: URL(fileURLWithPath: full))
        }
        let tarball = "\(rootfs).tar"
        let tar = try runProcess("/bin/sh", ["-c", "cd '\(rootfs)' && find . -mindepth 1 | LC_ALL=C sort | "
                                             + "tar --numeric-owner --owner=0 --group=0 --mtime=@1700000000 "
                                             + "--no-recursion -cf '\(tarball)' -T -"])
        guard tar.status == 0 else { throw FixtureError("tar failed: \(tar.stderr)") }
        var options = LayerWriteOptions()
        options.sourceDateEpoch = 1_700_000_000
        return try ImageImport(store: store, layerOptions: options).run(tarball: tarball, name: name)
    }

    /// `count` bytes that differ per `seed` and compress badly (so uploads move real bytes).
    static func noise(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        var bytes = [UInt8](repeating: 0, count: count)
        for index in 0..<count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
        }
        return bytes
    }

    /// A new image: `base`'s layers plus one more layer holding `files`, named `name`.
    @discardableResult
    static func child(of base: Descriptor, adding files: [String: [UInt8]], name: String, store: ImageStore,
                      scratch: String) throws -> Descriptor {
        let other = try ImageStore(root: "\(scratch)/child-\(UUID().uuidString)")
        let layerImage = try importImage(files, name: "layer", into: other, scratch: scratch)
        let (_, layerManifest) = try other.manifest(layerImage)
        let layerConfig = try other.readJSON(ImageConfig.self, layerManifest.config)
        let layer = layerManifest.layers[0]
        try other.copyBlob(layer, to: store)

        let (_, manifest) = try store.manifest(base)
        var config = try store.readJSON(ImageConfig.self, manifest.config)
        config.rootfs.diffIDs.append(contentsOf: layerConfig.rootfs.diffIDs)
        config.history = (config.history ?? []) + (layerConfig.history ?? [])
        let configDescriptor = try store.putJSON(config, mediaType: .ociConfig)
        let childManifest = Manifest(config: configDescriptor, layers: manifest.layers + [layer])
        let descriptor = try store.putJSON(childManifest, mediaType: .ociManifest)
        try store.tag(name, descriptor)
        return descriptor
    }
}
