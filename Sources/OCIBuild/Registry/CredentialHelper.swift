// Docker credential helpers (the protocol of docker-credential-helpers, used by docker and
// podman): a program `docker-credential-NAME` on PATH, run as `docker-credential-NAME get`
// with the server URL on standard input, answers
//
//     {"ServerURL": "<url>", "Username": "<user>", "Secret": "<password or token>"}
//
// or exits non-zero, printing "credentials not found in native keychain" when it has none.
// A config file names helpers per registry (`"credHelpers": {"<host[:port]>": "NAME"}`) or
// one for every registry (`"credsStore": "NAME"`); a `credHelpers` entry wins. A helper
// that has no credentials leaves the file's `auths` to be tried; so does a `credsStore`
// program that is not installed (a desktop keychain named in a file copied to a CI
// machine), while a missing `credHelpers` program is an error.
//
// Each helper is asked only for the registry being contacted, under that registry's own
// name, so credentials are never handed to another host. Its output is parsed and never
// printed; an error quotes at most the first line of a failing helper's message (helpers
// print no credentials when they fail). An identity token (`Username` "<token>", an
// OAuth2 refresh token) is not supported and counts as no credentials.

import Foundation

/// Running one credential helper program.
package enum CredentialHelper {
    /// What helper `name` has for `serverURL`: credentials, or nil when it has none.
    ///
    /// - Throws: `RegistryError.configuration` when the program is missing or fails
    ///   otherwise than by having no credentials, or answers something that is not the
    ///   protocol's JSON.
    /// A missing program is an error unless `optional` (a `credsStore` meant for another
    /// machine, e.g. a desktop keychain, leaves the file's `auths` usable).
    package static func get(_ name: String, serverURL: String, configFile: String, optional: Bool = false,
                            environment: [String: String]) throws(RegistryError) -> RegistryCredentials? {
        let program = "docker-credential-\(name)"
        guard !name.isEmpty, !name.contains("/"), let executable = find(program, environment: environment) else {
            if optional { return nil }
            throw .configuration(path: configFile, reason: "credential helper \(program) is not on PATH")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["get"]
        process.environment = environment
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            input.fileHandleForWriting.write(Data(serverURL.utf8))
            try input.fileHandleForWriting.close()
        } catch {
            throw .configuration(path: configFile, reason: "cannot run \(program): \(error.localizedDescription)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            if text.lowercased().contains("credentials not found") { return nil }
            let first = text.split(separator: "\n").first.map { String($0.prefix(200)) } ?? ""
            throw .configuration(
                path: configFile,
                reason: "\(program) get failed for \(serverURL) (exit status \(process.terminationStatus))\(first.isEmpty ? "" : ": " + first)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let username = object["Username"] as? String, let secret = object["Secret"] as? String else {
            throw .configuration(path: configFile, reason: "\(program) get answered something other than {\"Username\", \"Secret\"} JSON")
        }
        if username.isEmpty || username == "<token>" || secret.isEmpty { return nil }
        return RegistryCredentials(username: username, password: secret)
    }

    /// `program` in the directories of the environment's PATH.
    static func find(_ program: String, environment: [String: String]) -> String? {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The helper a config document names for `registry`, and the server URL to ask it
    /// with: the matching `credHelpers` key as written, else `credsStore` with the
    /// registry's name (Docker Hub as `https://index.docker.io/v1/`, as docker asks).
    /// `store` tells a `credsStore` helper from a registry's own `credHelpers` entry.
    package static func helper(in document: [String: Any], registry: String) -> (name: String, serverURL: String, store: Bool)? {
        let hosts = AuthFile.aliases(of: registry)
        if let helpers = document["credHelpers"] as? [String: Any] {
            for host in hosts {
                for (key, value) in helpers.sorted(by: { $0.key < $1.key })
                where AuthFile.normalizedKey(key) == host {
                    if let name = value as? String, !name.isEmpty { return (name, key, false) }
                }
            }
        }
        if let store = document["credsStore"] as? String, !store.isEmpty {
            let isHub = hosts.contains("docker.io")
            return (store, isHub ? "https://index.docker.io/v1/" : registry.lowercased(), true)
        }
        return nil
    }
}
