import Foundation
import OCIBuild


/// The registry subcommands: `pull`, `push`, `login` and `logout`. Progress goes to
/// standard error, one line per blob, only when it is a terminal; the manifest digest of a
/// pull or push is printed on standard output. Credentials are never printed.
struct RegistryCommand {
    /// The subcommands this type runs, with their usage lines.
    static let usages: [String: String] = [
        "pull": """
            usage: kolla-oci pull [--root DIR] [--insecure-registry HOST[:PORT]]... [--tls-ca-file FILE]
                                  [--authfile FILE] [--retry-max-time SECONDS] [--platform OS/ARCH[/VARIANT]]
                                  [--quiet] REF
            """,
        "push": """
            usage: kolla-oci push [--root DIR] [--insecure-registry HOST[:PORT]]... [--tls-ca-file FILE]
                                  [--authfile FILE] [--retry-max-time SECONDS] [--jobs N] [--retries N]
                                  [--chunk-size BYTES] [--quiet] REF [DEST]
            """,
        "login": """
            usage: kolla-oci login [--username USER] [--password-stdin] [--authfile FILE]
                                   [--insecure-registry HOST[:PORT]]... [--tls-ca-file FILE]
                                   [--retry-max-time SECONDS] REGISTRY
            """,
        "logout": "usage: kolla-oci logout [--authfile FILE] REGISTRY",
    ]

    /// The usage text of `command`, nil for commands this type does not run.
    static func usage(_ command: String) -> String? { usages[command] }

    /// The flags every registry command shares (also accepted by `bud`).
    static let connectionFlags: [ArgumentScanner.Flag] = [
        .init("--insecure-registry"), .init("--tls-ca-file"), .init("--authfile"), .init("--retry-max-time"),
        .init("--debug", value: false),
    ]

    let command: String
    let arguments: [String]

    /// Runs the subcommand; returns the exit status.
    func run() throws -> Int32 {
        switch command {
        case "pull": return try pull()
        case "push": return try push()
        case "login": return try login()
        case "logout": return try logout()
        default: throw UsageError("unknown command '\(command)'")
        }
    }

    /// Registry options from the shared flags: insecure registries, CA files, the
    /// credentials file, how long a failing operation is retried, `--debug` tracing to
    /// standard error, and per-blob progress on a terminal unless `quiet`.
    static func options(_ args: ArgumentScanner, quiet: Bool) throws -> RegistryOptions {
        var options = RegistryOptions()
        for registry in args.all("--insecure-registry") {
            let host = Self.registryName(registry)
            guard !host.isEmpty else { throw UsageError("--insecure-registry needs HOST[:PORT]") }
            options.insecureRegistries.insert(host)
        }
        options.caFiles = args.all("--tls-ca-file")
        options.authFile = args.value("--authfile")
        if let text = args.value("--retry-max-time") {
            options.retryMaxTime = try retryMaxTime(text, flag: "--retry-max-time")
        }
        if args.isSet("--debug") {
            options.trace = { line in FileHandle.standardError.write(Data("debug: \(line)\n".utf8)) }
        }
        if !quiet, Terminal.isTerminal(2) {
            options.progress = { line in FileHandle.standardError.write(Data("\(line)\n".utf8)) }
        }
        return options
    }

    /// A retry time bound in seconds: a finite number, 0 or more.
    static func retryMaxTime(_ text: String, flag: String) throws -> Double {
        guard let seconds = Double(text), seconds.isFinite, seconds >= 0 else {
            throw UsageError("\(flag) must be a number of seconds, 0 or more")
        }
        return seconds
    }

    /// `REGISTRY` as given (`https://host:5000/`, `docker://host`, `host/`) reduced to `host[:port]`.
    static func registryName(_ text: String) -> String {
        var name = text
        if let range = name.range(of: "://") { name = String(name[range.upperBound...]) }
        if let slash = name.firstIndex(of: "/") { name = String(name[..<slash]) }
        return name.lowercased()
    }

    /// A reference given on the command line, with an optional `docker://` prefix.
    static func reference(_ text: String) throws -> Reference {
        let bare = text.hasPrefix("docker://") ? String(text.dropFirst("docker://".count)) : text
        return try Reference(bare)
    }

    private func storeRoot(_ args: ArgumentScanner) -> String {
        args.value("--root") ?? StoreLocation.defaultRoot(environment: ProcessInfo.processInfo.environment)
    }

    // MARK: pull

    private func pull() throws -> Int32 {
        let args = try ArgumentScanner(arguments, flags: Self.connectionFlags + [
            .init("--root"), .init("--platform"), .init("--quiet", "-q", value: false),
        ])
        guard args.positionals.count == 1 else { throw UsageError("exactly one REF is required") }
        let reference = try Self.reference(args.positionals[0])
        var platform = Platform.host
        if let text = args.value("--platform") {
            let parts = text.split(separator: "/").map(String.init)
            guard parts.count == 2 || parts.count == 3 else {
                throw UsageError("--platform must be OS/ARCH or OS/ARCH/VARIANT")
            }
            platform = Platform(architecture: parts[1], os: parts[0], variant: parts.count == 3 ? parts[2] : nil)
        }
        let store = try ImageStore(root: storeRoot(args))
        let client = RegistryClient(options: try Self.options(args, quiet: args.isSet("--quiet")))
        let name = reference.familiarString
        let descriptor = try client.pull(reference, into: store, name: name, platform: platform)
        print(descriptor.digest.description)
        return 0
    }

    // MARK: push

    private func push() throws -> Int32 {
        let args = try ArgumentScanner(arguments, flags: Self.connectionFlags + [
            .init("--root"), .init("--jobs", "-j"), .init("--retries"), .init("--chunk-size"),
            .init("--quiet", "-q", value: false),
        ])
        guard (1...2).contains(args.positionals.count) else { throw UsageError("REF and at most one DEST are required") }
        let source = args.positionals[0]
        let store = try ImageStore(root: storeRoot(args), create: false)
        let (_, descriptor) = try store.resolve(source)
        let destination: Reference
        do {
            destination = try Self.reference(args.positionals.count == 2 ? args.positionals[1] : source)
        } catch {
            throw CommandError("\(error) (give DEST as REGISTRY/NAME[:TAG])")
        }
        let quiet = args.isSet("--quiet")
        var options = try Self.options(args, quiet: quiet)
        if let jobs = args.value("--jobs") {
            guard let n = Int(jobs), n >= 1 else { throw UsageError("--jobs must be a positive number") }
            options.maxConcurrentBlobs = n
        }
        if let retries = args.value("--retries") {
            guard let n = Int(retries), n >= 0 else { throw UsageError("--retries must be 0 or more") }
            options.retries = n
        }
        if let chunk = args.value("--chunk-size") {
            guard let n = Int64(chunk), n >= 1 else { throw UsageError("--chunk-size must be a positive byte count") }
            options.chunkSize = n
        }
        let client = RegistryClient(options: options)
        let started = Date()
        let report = try client.push(store: store, manifest: descriptor, to: destination)
        print(report.manifestDigest.description)
        if !quiet, Terminal.isTerminal(2) {
            let seconds = Date().timeIntervalSince(started)
            KollaOCI.printError(String(
                format: "pushed %@ in %.2f s: %d blob(s) uploaded (%@), %d mounted, %d already there",
                destination.description, seconds, report.blobsUploaded,
                StoreCommand.humanSize(report.bytesUploaded), report.blobsMounted, report.blobsSkipped))
        }
        return 0
    }

    // MARK: login, logout

    private func login() throws -> Int32 {
        let args = try ArgumentScanner(arguments, flags: Self.connectionFlags + [
            .init("--username", "-u"), .init("--password-stdin", value: false),
        ])
        guard args.positionals.count == 1 else { throw UsageError("exactly one REGISTRY is required") }
        let registry = try Self.canonicalRegistry(args.positionals[0])
        let interactive = Terminal.isTerminal(0)
        var username = args.value("--username")
        let password: String
        if args.isSet("--password-stdin") {
            guard username != nil else { throw UsageError("--password-stdin needs --username") }
            let data = FileHandle.standardInput.readDataToEndOfFile()
            var text = String(decoding: data, as: UTF8.self)
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            password = text
        } else {
            guard interactive else {
                throw UsageError("standard input is not a terminal: use --username and --password-stdin")
            }
            if username == nil {
                FileHandle.standardError.write(Data("Username: ".utf8))
                username = readLine(strippingNewline: true)
            }
            password = try Self.readPassword(prompt: "Password: ")
        }
        guard let username, !username.isEmpty else { throw UsageError("a user name is required") }
        guard !password.isEmpty else { throw UsageError("a password is required") }
        let credentials = RegistryCredentials(username: username, password: password)
        let options = try Self.options(args, quiet: true)
        try RegistryClient(options: options).verifyCredentials(credentials, registry: registry)
        let path = AuthFile.loginPath(explicit: options.authFile, environment: ProcessInfo.processInfo.environment)
        try AuthFile.store(credentials, registry: registry, path: path)
        print("Login Succeeded!")
        return 0
    }

    private func logout() throws -> Int32 {
        let args = try ArgumentScanner(arguments, flags: [.init("--authfile")])
        guard args.positionals.count == 1 else { throw UsageError("exactly one REGISTRY is required") }
        let registry = try Self.canonicalRegistry(args.positionals[0])
        let path = AuthFile.loginPath(explicit: args.value("--authfile"),
                                      environment: ProcessInfo.processInfo.environment)
        guard try AuthFile.remove(registry: registry, path: path) else {
            throw CommandError("not logged in to \(registry) (no entry in \(path))")
        }
        print("Removed login credentials for \(registry)")
        return 0
    }

    /// `REGISTRY` as `host[:port]`, Docker Hub's aliases as `docker.io`.
    private static func canonicalRegistry(_ text: String) throws -> String {
        let name = registryName(text)
        guard !name.isEmpty, (try? Reference("\(name)/x")) != nil || name == "docker.io" else {
            throw UsageError("\(text) is not a registry HOST[:PORT]")
        }
        if ["index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"].contains(name) { return "docker.io" }
        return name
    }

    /// Reads a line from the terminal with echo off.
    private static func readPassword(prompt: String) throws -> String {
        FileHandle.standardError.write(Data(prompt.utf8))
        guard let line = Terminal.readLineWithoutEcho() else { throw CommandError("no password given") }
        return line
    }
}
