import Foundation
import TestSupport
import Testing

@testable import OCIBuild
@testable import OCISandbox

/// The RUN sandbox on a busybox root file system: exit status, output, identity,
/// mounts, and the overlay upper directory as the record of changes.
@Suite(.serialized) struct SandboxTests {
    static let busybox = "/bin/busybox"
    static var canRun: Bool {
        FileManager.default.isExecutableFile(atPath: busybox) && getuid() == 0
    }

    /// A busybox root as the lower of an overlay at `dir/merged` (fresh upper and work
    /// directories), running `script` with `skipSync` set.
    func overlaySpec(_ dir: TemporaryDirectory, _ script: String, mapping: IDMapping) throws -> RunSpec {
        let lower = try makeRootfs(dir)
        for d in ["upper", "work", "merged"] {
            try FileManager.default.createDirectory(atPath: dir.path + "/" + d, withIntermediateDirectories: true)
        }
        var spec = RunSpec(rootfs: dir.path + "/merged", argv: ["sh", "-c", script], environment: ["PATH=/bin"], mapping: mapping)
        spec.overlay = .init(lower: [lower], upper: dir.path + "/upper", work: dir.path + "/work")
        spec.skipSync = true
        return spec
    }

    /// A minimal root file system: busybox and its applet links.
    func makeRootfs(_ dir: TemporaryDirectory) throws -> String {
        let root = dir.path + "/rootfs"
        try BusyboxImage.writeRoot(
            root: root, directories: ["bin", "etc", "proc", "dev", "sys", "tmp", "root", "var/lib"],
            applets: ["sh", "echo", "id", "ls", "cat", "rm", "mkdir", "hostname", "touch", "chown", "stat", "grep", "sync"])
        try "".write(toFile: root + "/etc/resolv.conf", atomically: true, encoding: .utf8)
        return root
    }

    func run(_ spec: RunSpec) throws -> (Int32, String) {
        let pipe = Pipe()
        let fd = pipe.fileHandleForWriting.fileDescriptor
        nonisolated(unsafe) var output = Data()
        let reader = Thread {
            output = pipe.fileHandleForReading.readDataToEndOfFile()
        }
        reader.start()
        let status = try SandboxLauncher.run(spec, stdout: fd, stderr: fd)
        try pipe.fileHandleForWriting.close()
        while !reader.isFinished { usleep(1000) }
        return (status, String(decoding: output, as: UTF8.self))
    }

    @Test(.enabled(if: canRun, "needs root and /bin/busybox (busybox-static)"))
    func exitStatusOutputAndMounts() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-sandbox")
        defer { try? dir.remove() }
        let root = try makeRootfs(dir)
        var spec = RunSpec(
            rootfs: root, argv: ["sh", "-c", "echo hi; id -u; hostname; echo $$; ls /dev/null; cat /etc/resolv.conf | wc -c >/dev/null; exit 7"],
            environment: ["PATH=/bin"], mapping: .none)
        spec.hostname = "sandboxed"
        let (status, out) = try run(spec)
        #expect(status == 7)
        // pid 1 of its own pid namespace.
        #expect(out.hasPrefix("hi\n0\nsandboxed\n1\n/dev/null\n"), "\(out)")
    }

    @Test(.enabled(if: canRun, "needs root and /bin/busybox (busybox-static)"))
    func overlayUpperRecordsChanges() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-sandbox")
        defer { try? dir.remove() }
        let lower = try makeRootfs(dir)
        let fm = FileManager.default
        for d in ["upper", "work", "merged"] { try fm.createDirectory(atPath: dir.path + "/" + d, withIntermediateDirectories: true) }
        var spec = RunSpec(
            rootfs: dir.path + "/merged", argv: ["sh", "-c", "echo data > /root/new; rm /bin/ls; mkdir -p /var/lib/x"],
            environment: ["PATH=/bin"], mapping: .none)
        spec.overlay = .init(lower: [lower], upper: dir.path + "/upper", work: dir.path + "/work")
        let (status, out) = try run(spec)
        #expect(status == 0, "\(out)")
        #expect(try String(contentsOfFile: dir.path + "/upper/root/new", encoding: .utf8) == "data\n")
        // The deleted lower file is a 0/0 character device in the upper directory.
        var st = stat()
        #expect(lstat(dir.path + "/upper/bin/ls", &st) == 0)
        #expect(st.st_mode & S_IFMT == S_IFCHR && st.st_rdev == 0)
        #expect(fm.fileExists(atPath: dir.path + "/upper/var/lib/x"))
        // The lower directory is untouched and nothing stays mounted.
        #expect(fm.fileExists(atPath: lower + "/bin/ls"))
        #expect((try? fm.contentsOfDirectory(atPath: dir.path + "/merged"))?.isEmpty == true)
    }

    @Test(.enabled(if: canRun, "needs root and /bin/busybox (busybox-static)"))
    func skipSyncMountsTheOverlayVolatile() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-sandbox")
        defer { try? dir.remove() }
        var spec = try overlaySpec(
            dir, "grep -c ' / .*volatile' /proc/self/mountinfo; echo x > /root/f && sync /root/f && sync -d /root/f && sync && echo synced",
            mapping: .none)
        let lower = spec.overlay!.lower[0]
        let (status, out) = try run(spec)
        #expect(status == 0, "\(out)")
        #expect(out == "1\nsynced\n", "\(out)")
        #expect(try String(contentsOfFile: dir.path + "/upper/root/f", encoding: .utf8) == "x\n")
        // Without it the overlay is an ordinary one.
        spec.skipSync = false
        spec.overlay = .init(lower: [lower], upper: dir.path + "/upper2", work: dir.path + "/work2")
        for d in ["upper2", "work2"] {
            try FileManager.default.createDirectory(atPath: dir.path + "/" + d, withIntermediateDirectories: true)
        }
        #expect(try run(spec).1.hasPrefix("0\n"))
    }

    @Test(.enabled(if: canRun, "needs root and /bin/busybox (busybox-static)"))
    func skipSyncOverlayInsideAUserNamespace() throws {
        // The rootless rungs mount the overlay inside a user namespace (userxattr): the
        // kernel takes volatile there too.
        let dir = try TemporaryDirectory(prefix: "kolla-oci-sandbox")
        defer { try? dir.remove() }
        let spec = try overlaySpec(
            dir, "grep -c ' / .*userxattr.*volatile\\| / .*volatile.*userxattr' /proc/self/mountinfo; echo x > /root/f && sync /root/f && echo ok",
            mapping: .single(uid: 0, gid: 0))
        let (status, out) = try run(spec)
        #expect(status == 0 && out == "1\nok\n", "\(out)")
    }

    @Test(.enabled(if: canRun, "needs root and /bin/busybox (busybox-static)"))
    func skipSyncOnTheChrootRungAnswersSyncCalls() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-sandbox")
        defer { try? dir.remove() }
        let root = try makeRootfs(dir)
        var spec = RunSpec(
            rootfs: root, argv: ["sh", "-c", "echo x > /tmp/f && sync /tmp/f && sync && sync -f /tmp/f && sync -d /tmp/f && echo ok"],
            environment: ["PATH=/bin"], mapping: .none)
        spec.isolation = .chroot
        spec.skipSync = true
        let (status, out) = try run(spec)
        #expect(status == 0 && out == "ok\n", "\(out)")
        #expect(try String(contentsOfFile: root + "/tmp/f", encoding: .utf8) == "x\n")
    }

    @Test(.enabled(if: canRun, "needs root and /bin/busybox (busybox-static)"))
    func setupFailuresAreErrorsNotStatuses() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-sandbox")
        defer { try? dir.remove() }
        let root = try makeRootfs(dir)
        #expect(throws: SandboxError.self) {
            _ = try run(RunSpec(rootfs: root, argv: ["no-such-command"], environment: ["PATH=/bin"], mapping: .none))
        }
        var bad = RunSpec(rootfs: root, argv: ["sh"], environment: [], mapping: .none)
        bad.workingDirectory = "/does/not/exist"
        #expect(throws: SandboxError.self) { _ = try run(bad) }
    }

    @Test(.enabled(if: canRun, "needs root and /bin/busybox (busybox-static)"))
    func singleIDUserNamespace() throws {
        // As root, a single-id namespace maps container 0 to host 0; chown to another id fails.
        let dir = try TemporaryDirectory(prefix: "kolla-oci-sandbox")
        defer { try? dir.remove() }
        let root = try makeRootfs(dir)
        let (status, out) = try run(
            RunSpec(rootfs: root, argv: ["sh", "-c", "id -u; touch /tmp/f; chown 42400 /tmp/f || echo refused"], environment: ["PATH=/bin"],
                    mapping: .single(uid: 0, gid: 0)))
        #expect(status == 0)
        #expect(out.contains("0\n") && out.contains("refused"), "\(out)")
    }

    @Test func subordinateRangesAreRead() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-subid")
        defer { try? dir.remove() }
        try "other:100000:65536\nkolla:165536:65536\n1001:231072:100\n".write(toFile: dir.path + "/subuid", atomically: true, encoding: .utf8)
        #expect(IDMapping.range(in: dir.path + "/subuid", user: "kolla", id: 1000)! == (165536, 65536))
        #expect(IDMapping.range(in: dir.path + "/subuid", user: "x", id: 1001)! == (231072, 100))
        #expect(IDMapping.range(in: dir.path + "/subuid", user: "nobody", id: 5) == nil)
    }
}
