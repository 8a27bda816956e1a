import Foundation
import TestSupport
import Testing

/// `RUN --mount` and `RUN --network` end to end through `kolla-oci bud`, as root, on a
/// busybox image made here and imported with `kolla-oci import` (no mirror needed). Each
/// test checks that what the command saw through a mount is right and that neither the
/// mount's contents nor its mount point reached the layer. tmpfs and `--network=none`
/// need the sandbox's support for `RunSpec.tmpfs` and `RunSpec.network`.
@Suite(.serialized) struct RunMountTests {
    static var reason: String? { BusyboxImage.unavailableReason }

    /// A store, a context and a busybox image `bb:1` in the store.
    struct Workspace {
        let dir: TemporaryDirectory
        var store: String { dir.path + "/store" }
        var context: String { dir.path + "/ctx" }

        init() throws {
            dir = try TemporaryDirectory(prefix: "kolla-oci-mounts")
            let fm = FileManager.default
            // No /run: secrets' mount points are made below a directory the image lacks.
            try BusyboxImage.write(
                root: dir.path + "/rootfs", tar: dir.path + "/bb.tar",
                applets: ["sh", "cat", "echo", "ls", "wc", "grep", "test", "stat", "id", "mkdir", "true"])
            try fm.createDirectory(atPath: context + "/x", withIntermediateDirectories: true)
            try "from the context\n".write(toFile: context + "/x/file", atomically: true, encoding: .utf8)
            let imported = try kollaOCI(["import", dir.path + "/bb.tar", "bb:1"])
            guard imported.status == 0 else { throw TestSetupError("import: \(imported.stderr)") }
        }

        func kollaOCI(_ args: [String]) throws -> ToolRun {
            try runTool(kollaOCIBinary(), args, environment: ["KOLLA_OCI_ROOT": store], directory: dir.path)
        }

        /// Builds `dockerfile` from the context as `name`.
        func bud(_ dockerfile: String, _ name: String, _ extra: [String] = []) throws -> ToolRun {
            try dockerfile.write(toFile: context + "/Dockerfile", atomically: true, encoding: .utf8)
            return try kollaOCI(["bud", "-t", name] + extra + ["ctx"])
        }

        /// The members of each layer the build added on top of `bb:1`.
        func addedLayers(_ name: String) throws -> [[String]] {
            let inspect = try kollaOCI(["inspect", name])
            let json = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any]
            let layers = (json?["manifest"] as? [String: Any])?["layers"] as? [[String: Any]] ?? []
            return try layers.dropFirst().map { layer in
                let digest = (layer["digest"] as? String ?? "").replacingOccurrences(of: "sha256:", with: "")
                let list = try runTool("/usr/bin/bsdtar", ["-tf", store + "/blobs/sha256/" + digest])
                return list.stdout.split(separator: "\n").map(String.init)
            }
        }


        /// The image's history `created_by` lines.
        func history(_ name: String) throws -> String {
            try kollaOCI(["inspect", name]).stdout
        }

        func remove() { _ = try? runTool("/bin/rm", ["-rf", dir.path]) }
    }

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func bindSeesTheContextAndLeavesNothing() throws {
        let w = try Workspace()
        defer { w.remove() }
        let built = try w.bud(
            """
            FROM bb:1
            RUN --mount=type=bind,source=x,target=/x cat /x/file
            RUN --mount=type=bind,source=x,target=/srv/rw,rw sh -c 'echo scribble > /srv/rw/new; cat /srv/rw/new'
            RUN --mount=target=/ro,source=x sh -c 'echo no > /ro/new' || echo refused
            """, "bind:1")
        try #require(built.status == 0, "\(built.stderr)")
        #expect(built.stdout.contains("from the context"), "\(built.stdout)")
        #expect(built.stdout.contains("scribble") && built.stdout.contains("refused"), "\(built.stdout)")
        // Writes to a read-write bind are discarded: the context is untouched.
        #expect(!FileManager.default.fileExists(atPath: w.context + "/x/new"))
        let test = try w.kollaOCI(["run", "bind:1", "sh", "-c", "test -e /x || test -e /srv || test -e /ro || echo none"])
        #expect(test.stdout == "none\n", "\(test.stdout)\(test.stderr)")
        let added = try w.addedLayers("bind:1")
        #expect(added.count == 3 && added.allSatisfy(\.isEmpty), "\(added)")
    }

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func cachePersistsBetweenBuilds() throws {
        let w = try Workspace()
        defer { w.remove() }
        let dockerfile = """
            FROM bb:1
            RUN --mount=type=cache,target=/var/cache/t,id=counter,uid=42400,mode=0750 \\
                sh -c 'echo run >> /var/cache/t/log; stat -c "%u %a" /var/cache/t; wc -l < /var/cache/t/log'
            """
        let first = try w.bud(dockerfile, "cache:1")
        try #require(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("42400 750\n1\n"), "\(first.stdout)")
        let second = try w.bud(dockerfile, "cache:2", ["--no-cache"])
        try #require(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("42400 750\n2\n"), "\(second.stdout)")
        let log = try String(contentsOfFile: w.store + "/cache-mounts/counter/log", encoding: .utf8)
        #expect(log == "run\nrun\n")
        // Neither the cache's content nor /var/cache (missing in the image) is in the layer.
        let added = try w.addedLayers("cache:2")
        #expect(!added.isEmpty && added.allSatisfy(\.isEmpty), "\(added)")
        // Without --no-cache the step is reused: a cache mount's content is not in the key.
        let third = try w.bud(dockerfile, "cache:3")
        #expect(third.stderr.contains("0 step(s) run, 1 from cache"), "\(third.stderr)")
    }

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func secretIsReadableButNowhereInTheImage() throws {
        let w = try Workspace()
        defer { w.remove() }
        try "hunter2-\(UUID().uuidString)".write(toFile: w.dir.path + "/token", atomically: true, encoding: .utf8)
        let value = try String(contentsOfFile: w.dir.path + "/token", encoding: .utf8)
        let built = try w.bud(
            """
            FROM bb:1
            USER kolla
            RUN --mount=type=secret,id=tok,uid=42400,mode=0400 sh -c 'stat -c "%u %a" /run/secrets/tok; cat /run/secrets/tok; echo'
            RUN --mount=type=secret,id=tok,env=TOK,target=/etc/tok,uid=42400 sh -c 'test "$TOK" = "$(cat /etc/tok)" && echo same'
            """, "secret:1", ["--secret", "id=tok,src=\(w.dir.path)/token"])
        try #require(built.status == 0, "\(built.stderr)")
        #expect(built.stdout.contains("42400 400\n" + value), "\(built.stdout)")
        #expect(built.stdout.contains("same"))
        let added = try w.addedLayers("secret:1")
        #expect(!added.isEmpty && added.allSatisfy(\.isEmpty), "\(added)")
        #expect(!(try w.history("secret:1")).contains(value))
        // Unpacked, the image holds neither /run nor /etc/tok nor the value anywhere.
        let unpacked = w.dir.path + "/unpacked"
        #expect(try w.kollaOCI(["unpack", "secret:1", unpacked]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: unpacked + "/run"))
        #expect(!FileManager.default.fileExists(atPath: unpacked + "/etc/tok"))
        #expect(try runTool("/bin/grep", ["-r", "-F", "-l", value, unpacked, w.store]).stdout.isEmpty)
        // A required secret that is not given stops the build at its line.
        let missing = try w.bud("FROM bb:1\nRUN --mount=type=secret,id=nope,required true\n", "secret:2")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("ctx/Dockerfile:2: building at STEP") && missing.stderr.contains("secret nope is required"), "\(missing.stderr)")
    }

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func sshAndUnknownOptionsAreRefused() throws {
        let w = try Workspace()
        defer { w.remove() }
        let ssh = try w.bud("FROM bb:1\n\nRUN --mount=type=ssh true\n", "ssh:1")
        #expect(ssh.status == 1)
        #expect(ssh.stderr.contains("ctx/Dockerfile:3: RUN --mount=type=ssh is not supported"), "\(ssh.stderr)")
        let unknown = try w.bud("FROM bb:1\nRUN --mount=type=bind,target=/x,propagation=shared true\n", "bad:1")
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("ctx/Dockerfile:2: RUN --mount: unexpected key 'propagation'"), "\(unknown.stderr)")
        let network = try w.bud("FROM bb:1\nRUN true\nRUN --network=bridge true\n", "bad:2")
        #expect(network.stderr.contains("ctx/Dockerfile:3: unsupported network mode \"bridge\""), "\(network.stderr)")
        let cli = try w.kollaOCI(["bud", "--network", "bridge", "ctx"])
        #expect(cli.status == 2 && cli.stderr.contains("--network must be host or none"), "\(cli.stderr)")
    }

    // MARK: - needing the sandbox's tmpfs and network namespace

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func tmpfsIsEmptyAndNotInTheLayer() throws {
        let w = try Workspace()
        defer { w.remove() }
        let built = try w.bud(
            """
            FROM bb:1
            RUN --mount=type=tmpfs,target=/scratch/t sh -c 'ls -A /scratch/t | wc -l; grep -c " /scratch/t tmpfs " /proc/mounts; echo x > /scratch/t/f'
            """, "tmpfs:1")
        try #require(built.status == 0, "\(built.stderr)")
        #expect(built.stdout.contains("0\n1\n"), "\(built.stdout)")
        let added = try w.addedLayers("tmpfs:1")
        #expect(!added.isEmpty && added.allSatisfy(\.isEmpty), "\(added)")
    }

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func networkNoneSeesOnlyLoopback() throws {
        let w = try Workspace()
        defer { w.remove() }
        let interfaces = "grep : /proc/net/dev | while read name rest; do echo \"if=$name\"; done"
        /// The interface lines of a build's output (step headers start with STEP).
        func seen(_ output: Substring) -> [Substring] { output.split(separator: "\n").filter { $0.hasPrefix("if=") } }
        let built = try w.bud("FROM bb:1\nRUN --network=none sh -c '\(interfaces)'\n", "net:1")
        try #require(built.status == 0, "\(built.stderr)")
        #expect(seen(Substring(built.stdout)) == ["if=lo:"], "\(built.stdout)")
        // The build's mode (bud --network none) applies to every RUN; `--network=host` overrides it.
        let all = try w.bud("FROM bb:1\nRUN sh -c '\(interfaces)'\nRUN --network=host sh -c '\(interfaces)'\n", "net:2", ["--network", "none"])
        try #require(all.status == 0, "\(all.stderr)")
        let steps = all.stdout.components(separatedBy: "STEP 3/3")
        #expect(steps.count == 2 && seen(Substring(steps[0])) == ["if=lo:"], "\(all.stdout)")
        #expect(seen(Substring(steps.last ?? "")).contains("if=lo:"))
        let run = try w.kollaOCI(["run", "--network", "none", "bb:1", "sh", "-c", interfaces])
        #expect(run.stdout == "if=lo:\n", "\(run.stdout)\(run.stderr)")
    }
}
