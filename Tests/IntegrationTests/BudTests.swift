import Foundation
import TestSupport
import Testing

/// `kolla-oci bud` and `kolla-oci run` end to end, as root and as an unprivileged user
/// with subordinate ids (created here), FROM a debootstrapped Debian bookworm imported
/// with `kolla-oci import`. Needs root (to create the test user), user namespaces,
/// overlayfs and the Debian mirror (apt-get).
@Suite(.serialized) struct BudTests {
    static let user = "kolla-oci-it"
    static var reason: String? {
        if getuid() != 0 { return "needs root to create the unprivileged test user and its subordinate ids" }
        return DebianBase.unavailableReason
    }

    static let dockerfile = """
        FROM debian:bookworm
        RUN apt-get update && apt-get install -y --no-install-recommends python3 && rm -rf /var/lib/apt/lists/* \\
            && groupadd --gid 42400 kolla && useradd -l -M --shell /usr/sbin/nologin --uid 42400 --gid 42400 kolla
        COPY --chown=kolla:kolla --chmod=0640 config.json /var/lib/kolla/config_files/
        RUN rm /etc/debian_version
        ENV KOLLA_SERVICE=test
        USER kolla
        WORKDIR /var/lib/kolla
        CMD ["python3", "-c", "import os; print(os.getuid(), os.getcwd(), os.environ['KOLLA_SERVICE'])"]

        """

    /// A store, a context and the command runner for root or the test user.
    struct Sandbox {
        let dir: TemporaryDirectory
        let asUser: String?
        /// The test user made for this sandbox, removed with it.
        var user: TestUser?
        var store: String { dir.path + "/store" }

        /// Removes the directory and the test user.
        func remove() {
            _ = try? runTool("/bin/rm", ["-rf", dir.path])
            user?.remove()
        }

        func kollaOCI(_ args: [String]) throws -> ToolRun {
            let bin = kollaOCIBinary()
            if let asUser {
                return try runTool("/usr/sbin/runuser", ["-u", asUser, "--", "/usr/bin/env", "KOLLA_OCI_ROOT=\(store)", "HOME=\(dir.path)", bin] + args, directory: dir.path)
            }
            return try runTool(bin, args, environment: ["KOLLA_OCI_ROOT": store], directory: dir.path)
        }
    }

    func prepare(rootless: Bool) throws -> Sandbox {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-it")
        var made: TestUser?
        do {
        chmod(dir.path, 0o755)
        let user = rootless ? try TestUser.create(Self.user, subordinateIDs: (300000, 65536)) : nil
        made = user
        let ctx = dir.path + "/ctx"
        try FileManager.default.createDirectory(atPath: ctx, withIntermediateDirectories: true)
        try Self.dockerfile.write(toFile: ctx + "/Dockerfile", atomically: true, encoding: .utf8)
        try "{\"command\": \"true\"}\n".write(toFile: ctx + "/config.json", atomically: true, encoding: .utf8)
        let base = dir.path + "/base.tar"
        try FileManager.default.copyItem(atPath: try DebianBase.tarball(), toPath: base)
        if rootless { _ = try runTool("/bin/chown", ["-R", Self.user, dir.path]) }
        return Sandbox(dir: dir, asUser: user?.name, user: user)
        } catch {
            made?.remove()
            try? dir.remove()
            throw error
        }
    }

    func buildAndCheck(rootless: Bool) throws {
        let s = try prepare(rootless: rootless)
        defer { s.remove() }
        let imported = try s.kollaOCI(["import", "base.tar", "debian:bookworm"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let built = try s.kollaOCI(["bud", "-q", "-t", "svc:1", "ctx"])
        try #require(built.status == 0, "\(built.stderr)")

        // The image config.
        let inspect = try s.kollaOCI(["inspect", "svc:1"])
        let json = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any]
        let config = (json?["config"] as? [String: Any])?["config"] as? [String: Any]
        #expect(config?["User"] as? String == "kolla")
        #expect(config?["WorkingDir"] as? String == "/var/lib/kolla")
        #expect((config?["Env"] as? [String])?.contains("KOLLA_SERVICE=test") == true)
        #expect((config?["Cmd"] as? [String])?.first == "python3")
        let diffIDs = (((json?["config"] as? [String: Any])?["rootfs"] as? [String: Any])?["diff_ids"] as? [String]) ?? []
        #expect(diffIDs.count == 4)  // base, RUN, COPY, RUN rm

        // The layers hold exactly the changes: the COPY layer one owned file, the last RUN a whiteout.
        let manifest = (json?["manifest"] as? [String: Any])?["layers"] as? [[String: Any]] ?? []
        func members(_ i: Int) throws -> String {
            let digest = (manifest[i]["digest"] as? String ?? "").replacingOccurrences(of: "sha256:", with: "")
            return try runTool("/usr/bin/bsdtar", ["-tvf", s.store + "/blobs/sha256/" + digest]).stdout
        }
        let copyLayer = try members(2)
        #expect(copyLayer.contains("config_files/config.json"))
        #expect(copyLayer.contains("-rw-r-----") && copyLayer.contains("42400"), "\(copyLayer)")
        let rmLayer = try members(3)
        #expect(rmLayer.contains("etc/.wh.debian_version"), "\(rmLayer)")
        #expect(rmLayer.split(separator: "\n").count <= 2, "\(rmLayer)")

        // Run shows the user, working directory and environment.
        let run = try s.kollaOCI(["run", "--rm", "svc:1"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "42400 /var/lib/kolla test\n")
        let files = try s.kollaOCI(["run", "svc:1", "sh", "-c", "stat -c '%u:%g %a' config_files/config.json; test -e /etc/debian_version || echo gone"])
        #expect(files.stdout == "42400:42400 640\ngone\n", "\(files.stderr)")

        // A rebuild with no change reuses every step and gives the same digest.
        let again = try s.kollaOCI(["bud", "-t", "svc:1", "ctx"])
        #expect(again.status == 0)
        #expect(again.stderr.contains("0 step(s) run, 3 from cache"), "\(again.stderr)")
        #expect(again.stdout.split(separator: "\n").last == built.stdout.split(separator: "\n").last)
    }

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func buildAsRoot() throws { try buildAndCheck(rootless: false) }

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func buildRootlessWithSubordinateIDs() throws { try buildAndCheck(rootless: true) }

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func multiStageAndFailures() throws {
        let s = try prepare(rootless: false)
        defer { s.remove() }
        _ = try s.kollaOCI(["import", "base.tar", "debian:bookworm"])
        try """
        ARG BASE=debian:bookworm
        FROM ${BASE} AS build
        ARG GREETING=hi
        RUN mkdir /out && echo "$GREETING from build" > /out/msg
        FROM ${BASE}
        COPY --from=build /out/msg /msg
        CMD ["cat", "/msg"]
        """.write(toFile: s.dir.path + "/ctx/Dockerfile.multi", atomically: true, encoding: .utf8)
        let built = try s.kollaOCI(["bud", "-q", "-f", "ctx/Dockerfile.multi", "--build-arg", "GREETING=hello", "-t", "multi:1", "ctx"])
        try #require(built.status == 0, "\(built.stderr)")
        #expect(try s.kollaOCI(["run", "multi:1"]).stdout == "hello from build\n")

        try "FROM debian:bookworm\nRUN echo ok\nRUN echo failing >&2; exit 3\n".write(
            toFile: s.dir.path + "/ctx/Dockerfile.fail", atomically: true, encoding: .utf8)
        let failed = try s.kollaOCI(["bud", "-f", "ctx/Dockerfile.fail", "-t", "fail:1", "ctx"])
        #expect(failed.status == 1)
        #expect(failed.stdout.contains("failing") || failed.stderr.contains("failing"))
        #expect(failed.stderr.contains("ctx/Dockerfile.fail:3: building at STEP \"RUN echo failing >&2; exit 3\": exit status 3"), "\(failed.stderr)")
        // The store stays consistent.
        #expect(try s.kollaOCI(["fsck"]).status == 0)
    }
}
