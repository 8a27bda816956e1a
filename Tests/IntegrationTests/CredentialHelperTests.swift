import Foundation
import OCIBuild
import TestSupport
import Testing

/// Registry credentials from docker's credential helpers (`credHelpers`, `credsStore` in
/// `$DOCKER_CONFIG/config.json`): a helper script answering the helper protocol for one
/// registry only, a loopback registry with Bearer token auth (port 5174, token service on
/// 5176) and an open one (5175). The helper is asked only about the registry contacted,
/// its credentials reach only that registry's token service, and they are never printed.
@Suite(.serialized) struct CredentialHelperTests {
    static var reason: String? { RegistryTestEnvironment.tokenMissing }

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func credHelpersAndCredsStore() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-credhelper")
        defer { try? dir.remove() }
        let fm = FileManager.default

        // The token service and the two registries.
        let keys = dir.path + "/token"
        try fm.createDirectory(atPath: keys, withIntermediateDirectories: true)
        let made = try runProcess("/bin/sh", ["-c", "cd '\(keys)' && openssl req -x509 -newkey rsa:2048 -nodes "
                                              + "-keyout token.key -out token.crt -days 2 -subj '/CN=token' 2>/dev/null"])
        try #require(made.status == 0, "\(made.stderr)")
        let tokenLog = keys + "/requests.log"
        let tokenService = try LoopbackService(
            RegistryTestEnvironment.python ?? "python3",
            ["\(RegistryTestEnvironment.helpers)/token_server.py", "5176", keys + "/token.key", keys + "/token.crt",
             "test-issuer", "test-registry", "helper-user", "helper-secret-pw", "300", tokenLog],
            log: keys + "/token-server.log")
        defer { tokenService.stop() }
        try waitForHTTP("http://127.0.0.1:5176/token", statuses: [200], service: tokenService)
        let secured = try TestRegistry(
            directory: dir.path + "/secured",
            auth: .token(realm: "http://127.0.0.1:5176/token", service: "test-registry", issuer: "test-issuer",
                         certificateBundle: keys + "/token.crt"),
            port: 5174)
        defer { secured.stop() }
        let open = try TestRegistry(directory: dir.path + "/open", port: 5175)
        defer { open.stop() }

        // The helper: credentials for the secured registry only; every question logged.
        let bin = dir.path + "/bin"
        try fm.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let asked = dir.path + "/asked.log"
        try """
        #!/bin/sh
        [ "$1" = get ] || { echo "unsupported action $1"; exit 1; }
        read -r server
        echo "$server" >> '\(asked)'
        if [ "$server" = "\(secured.address)" ]; then
            printf '{"ServerURL":"%s","Username":"helper-user","Secret":"helper-secret-pw"}\\n' "$server"
        else
            echo "credentials not found in native keychain"
            exit 1
        fi
        """.write(toFile: bin + "/docker-credential-kollatest", atomically: true, encoding: .utf8)
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin + "/docker-credential-kollatest")
        let dockerConfig = dir.path + "/docker"
        try fm.createDirectory(atPath: dockerConfig, withIntermediateDirectories: true)
        func config(_ json: String) throws { try json.write(toFile: dockerConfig + "/config.json", atomically: true, encoding: .utf8) }
        func askedServers() -> [String] {
            ((try? String(contentsOfFile: asked, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        try? fm.removeItem(atPath: asked)

        let env = [
            "HOME": dir.path, "XDG_RUNTIME_DIR": dir.path + "/run", "XDG_CONFIG_HOME": dir.path + "/config",
            "DOCKER_CONFIG": dockerConfig, "PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
        ]
        let tool = kollaOCIBinary()
        let store = try ImageStore(root: dir.path + "/store")
        try TestImages.importImage(["etc/hello": Array("hello\n".utf8)], name: "img:1", into: store, scratch: dir.path)
        func push(_ registry: TestRegistry, _ repository: String) throws -> ToolRun {
            try runTool(tool, ["push", "--root", dir.path + "/store", "--insecure-registry", registry.address, "--debug", "img:1",
                               "\(registry.address)/\(repository):1"], environment: env)
        }
        let secrets = ["helper-secret-pw", Data("helper-user:helper-secret-pw".utf8).base64EncodedString()]
        func expectNoSecrets(_ run: ToolRun) {
            for secret in secrets { #expect(!run.stdout.contains(secret) && !run.stderr.contains(secret), "credentials printed") }
        }

        // Without a helper the secured registry refuses.
        try config(#"{"auths": {}}"#)
        let anonymous = try push(secured, "a/img")
        #expect(anonymous.status != 0)
        #expect(anonymous.stderr.contains("authentication required"), "\(anonymous.stderr)")

        // credHelpers: the helper for the secured registry only.
        try config(#"{"credHelpers": {"\#(secured.address)": "kollatest"}}"#)
        let helped = try push(secured, "a/img")
        #expect(helped.status == 0, "\(helped.stderr)")
        expectNoSecrets(helped)
        let toOpen = try push(open, "b/img")
        #expect(toOpen.status == 0, "\(toOpen.stderr)")
        expectNoSecrets(toOpen)
        #expect(Set(askedServers()) == [secured.address], "\(askedServers())")
        let pulled = try runTool(tool, ["pull", "--root", dir.path + "/pulled", "--insecure-registry", secured.address,
                                        "\(secured.address)/a/img:1"], environment: env)
        #expect(pulled.status == 0, "\(pulled.stderr)")

        // credsStore: the helper for every registry, asked under the registry's own name and
        // only when that registry asks for authentication (the open one never does).
        try? fm.removeItem(atPath: asked)
        try config(#"{"credsStore": "kollatest", "auths": {"\#(secured.address)": {}}}"#)
        let stored = try push(secured, "c/img")
        #expect(stored.status == 0, "\(stored.stderr)")
        expectNoSecrets(stored)
        let storedOpen = try push(open, "d/img")
        #expect(storedOpen.status == 0, "\(storedOpen.stderr)")
        #expect(Set(askedServers()) == [secured.address], "\(askedServers())")

        // Only the secured registry's token service ever saw the credentials.
        let requests = ((try? String(contentsOfFile: tokenLog, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(requests.contains { $0["account"] as? String == "helper-user" && $0["authorized"] as? Bool == true })

        // A helper that is not installed is a one-line error naming the config file.
        try config(#"{"credHelpers": {"\#(secured.address)": "missing"}}"#)
        let missing = try push(secured, "e/img")
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("\(dockerConfig)/config.json: credential helper docker-credential-missing is not on PATH"), "\(missing.stderr)")
    }
}
