import Foundation
import TestSupport
import Testing

/// Escapes through the kolla-oci binary, on a busybox image imported with `kolla-oci
/// import`: a build-context link to `/`, and `kolla-oci run -v` onto a path through an
/// image symlink that points out of the root. The host side (a directory in the test's
/// temporary directory) must stay untouched. Needs root (namespaces and overlayfs for
/// `run`) and /bin/busybox (busybox-static).
@Suite(.serialized) struct ConfinementTests {
    static var reason: String? {
        if getuid() != 0 { return "needs root for the sandbox of kolla-oci run" }
        return BusyboxImage.unavailableReason
    }

    /// A store holding `bb:1` (busybox), a context, and a "host" directory standing for
    /// everything outside the image.
    struct Setup {
        let dir: TemporaryDirectory
        var context: String { dir.path + "/ctx" }
        var host: String { dir.path + "/host" }

        init() throws {
            dir = try TemporaryDirectory(prefix: "kolla-oci-confine-it")
            chmod(dir.path, 0o755)
            let fm = FileManager.default
            let rootfs = dir.path + "/rootfs"
            for d in [context, host] { try fm.createDirectory(atPath: d, withIntermediateDirectories: true) }
            try BusyboxImage.write(
                root: rootfs, tar: dir.path + "/base.tar", directories: ["bin", "etc", "tmp", "proc", "dev", "sys"],
                applets: ["sh", "cat", "ls", "test"])
            try "host file\n".write(toFile: host + "/file", atomically: true, encoding: .utf8)
            let imported = try kollaOCI(["import", "base.tar", "bb:1"])
            try #require(imported.status == 0, "\(imported.stderr)")
        }

        func kollaOCI(_ args: [String]) throws -> ToolRun {
            try runTool(kollaOCIBinary(), args, environment: ["KOLLA_OCI_ROOT": dir.path + "/store"], directory: dir.path)
        }

        /// The host directory's entries with their contents.
        func hostState() -> [String: String] {
            var state: [String: String] = [:]
            for path in FileManager.default.enumerator(atPath: host)?.allObjects as? [String] ?? [] {
                state[path] = (try? String(contentsOfFile: host + "/" + path, encoding: .utf8)) ?? "(not a file)"
            }
            return state
        }
    }

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func contextLinkToRootIsTheContext() throws {
        let s = try Setup()
        defer { _ = try? runTool("/bin/rm", ["-rf", s.dir.path]) }
        try FileManager.default.createSymbolicLink(atPath: s.context + "/evil", withDestinationPath: "/")
        try "context passwd\n".write(toFile: s.context + "/passwd", atomically: true, encoding: .utf8)
        try "FROM bb:1\nCOPY evil/passwd /copied\nCOPY evil/etc/os-release /leak\n".write(
            toFile: s.context + "/Dockerfile", atomically: true, encoding: .utf8)
        // Line 2 reads the context's passwd; line 3 names a host file the context lacks.
        let failed = try s.kollaOCI(["bud", "-t", "evil:1", "ctx"])
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("ctx/Dockerfile:3: building at STEP \"COPY evil/etc/os-release /leak\": no source files"),
                "\(failed.stderr)")
        try "FROM bb:1\nCOPY evil/passwd /copied\n".write(toFile: s.context + "/Dockerfile", atomically: true, encoding: .utf8)
        let built = try s.kollaOCI(["bud", "-q", "-t", "evil:1", "ctx"])
        try #require(built.status == 0, "\(built.stderr)")
        #expect(try s.kollaOCI(["run", "evil:1", "cat", "/copied"]).stdout == "context passwd\n")
    }

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func runBindThroughImageSymlinkStaysInRootfs() throws {
        let s = try Setup()
        defer { _ = try? runTool("/bin/rm", ["-rf", s.dir.path]) }
        // /escape climbs far above / towards the host directory; it must mean /<host> in the image.
        try FileManager.default.createDirectory(atPath: s.context + "/links", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: s.context + "/links/escape", withDestinationPath: String(repeating: "/..", count: 20) + s.host)
        try "FROM bb:1\nCOPY links/ /\n".write(toFile: s.context + "/Dockerfile", atomically: true, encoding: .utf8)
        let built = try s.kollaOCI(["bud", "-q", "-t", "links:1", "ctx"])
        try #require(built.status == 0, "\(built.stderr)")
        try FileManager.default.createDirectory(atPath: s.dir.path + "/src", withIntermediateDirectories: true)
        try "bound\n".write(toFile: s.dir.path + "/src/marker", atomically: true, encoding: .utf8)
        let before = s.hostState()

        // The bind lands at /<host>/mnt inside the image, where the link leads in the container.
        let run = try s.kollaOCI(["run", "-v", "src:/escape/mnt", "links:1", "cat", "/escape/mnt/marker", s.host + "/mnt/marker"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "bound\nbound\n", "\(run.stderr)")
        let readOnly = try s.kollaOCI(["run", "-v", "src:/escape/ro:ro", "links:1", "cat", "/escape/ro/marker"])
        #expect(readOnly.stdout == "bound\n", "\(readOnly.stderr)")
        #expect(s.hostState() == before, "the host directory changed")

        // A target under a file of the image is refused before anything runs.
        let refused = try s.kollaOCI(["run", "-v", "src:/etc/passwd/x", "links:1", "true"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("bind mount target /etc/passwd/x: /etc/passwd is not a directory"), "\(refused.stderr)")
        #expect(s.hostState() == before, "the host directory changed")
    }
}
