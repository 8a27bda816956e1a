import Foundation
import TestSupport
import Testing

/// The escape corpus: RUN and `kolla-oci run` as a boundary. Each case tries a known way
/// out of a container — chroot walk-out, /proc/PID/root, signals to everything, leaked
/// descriptors, device nodes, remounting /sys, writing /proc/sys, a working directory
/// through /proc/self/fd, hostile symlinks at the sandbox's mount points — and asserts
/// that the host is untouched (a canary directory outside the store) and that kolla-oci
/// survived to report. Run as root (RUN in root's own id range) and as an unprivileged
/// user with subordinate ids; both made here and removed afterwards.
@Suite(.serialized) struct EscapeTests {
    static let user = "kolla-oci-esc"
    static var reason: String? {
        if getuid() != 0 { return "needs root to create the unprivileged test user and its subordinate ids" }
        if !FileManager.default.isExecutableFile(atPath: "/bin/busybox") { return "needs /bin/busybox (busybox-static)" }
        return DebianBase.unavailableReason
    }

    /// A temporary host directory with a canary file, the store, and the runner.
    struct Host {
        let dir: TemporaryDirectory
        let user: TestUser?
        var canary: String { dir.path + "/host/canary" }
        var outside: String { dir.path + "/host/outside" }
        var hostDir: String { dir.path + "/host" }

        func kollaOCI(_ args: [String]) throws -> ToolRun {
            let bin = kollaOCIBinary()
            if let user {
                return try runTool(
                    "/usr/sbin/runuser", ["-u", user.name, "--", "/usr/bin/env", "KOLLA_OCI_ROOT=\(dir.path)/store", "HOME=\(dir.path)", bin] + args,
                    directory: dir.path)
            }
            return try runTool(bin, args, environment: ["KOLLA_OCI_ROOT": dir.path + "/store"], directory: dir.path)
        }

        /// `kolla-oci run --rm IMAGE sh -c SCRIPT` (the same sandbox as RUN).
        func run(_ script: String, image: String = "debian:bookworm") throws -> ToolRun {
            try kollaOCI(["run", "--rm", image, "/bin/sh", "-c", script])
        }

        /// The host directory is as it was made: only the canary, with its content.
        func expectUntouched(_ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: hostDir)) ?? []
            #expect(names == ["canary"], "\(context): host directory now holds \(names)", sourceLocation: sourceLocation)
            #expect((try? String(contentsOfFile: canary, encoding: .utf8)) == "host-secret\n", "\(context): canary changed",
                    sourceLocation: sourceLocation)
        }

        func remove() {
            _ = try? runTool("/bin/rm", ["-rf", dir.path])
            user?.remove()
        }
    }

    func prepare(rootless: Bool) throws -> Host {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-escape")
        var user: TestUser?
        do {
            chmod(dir.path, 0o755)
            try FileManager.default.createDirectory(atPath: dir.path + "/host", withIntermediateDirectories: true)
            try "host-secret\n".write(toFile: dir.path + "/host/canary", atomically: false, encoding: .utf8)
            try FileManager.default.copyItem(atPath: try DebianBase.tarball(), toPath: dir.path + "/base.tar")
            try makeHostileImages(dir.path)
            if rootless {
                user = try TestUser.create(Self.user, subordinateIDs: (400000, 65536))
                // The user owns its store and contexts; the host directory stays root's.
                for p in ["base.tar", "hostile"] { _ = try runTool("/bin/chown", ["-R", Self.user, dir.path + "/" + p]) }
                _ = try runTool("/bin/chown", [Self.user, dir.path])
            }
            let host = Host(dir: dir, user: user)
            let imported = try host.kollaOCI(["import", "base.tar", "debian:bookworm"])
            try #require(imported.status == 0, "\(imported.stderr)")
            for name in ["proc-root", "dev-host", "resolv-host", "sys-host"] {
                let r = try host.kollaOCI(["import", "hostile/\(name).tar", "hostile:\(name)"])
                try #require(r.status == 0, "\(r.stderr)")
            }
            return host
        } catch {
            user?.remove()
            try? dir.remove()
            throw error
        }
    }

    /// Busybox images whose /proc, /dev, /sys or /etc/resolv.conf are symlinks to the host.
    func makeHostileImages(_ dir: String) throws {
        let fm = FileManager.default
        let cases = [
            ("proc-root", "proc", "/"), ("dev-host", "dev", dir + "/host"), ("sys-host", "sys", dir + "/host"),
            ("resolv-host", "etc/resolv.conf", dir + "/host/canary"),
        ]
        for (name, path, target) in cases {
            let root = "\(dir)/hostile/\(name)"
            let directories = ["bin", "etc", "proc", "dev", "sys", "tmp"].filter { !path.hasPrefix($0) || path.contains("/") }
            try BusyboxImage.writeRoot(root: root, directories: directories, applets: ["sh", "cat", "echo", "ls", "touch"])
            try fm.createSymbolicLink(atPath: root + "/" + path, withDestinationPath: target)
            try BusyboxImage.tar(root: root, to: "\(dir)/hostile/\(name).tar")
        }
    }

    func corpus(rootless: Bool) throws {
        let host = try prepare(rootless: rootless)
        defer { host.remove() }
        let mode = rootless ? "rootless" : "root"

        // 1. chroot() into a subdirectory, climb with "..", chroot("."): the old root is
        //    detached (pivot_root), so there is nothing to climb to.
        let walk = try host.run("""
            perl -e 'mkdir "/x"; chroot "/x" or die "chroot: $!\\n"; chdir ".." for 1..64; chroot "." or die "chroot .: $!\\n";
            print((-e "\(host.canary)") ? "ESCAPED\\n" : "contained\\n");
            print "WROTE\\n" if open(my $f, ">", "\(host.outside)");'
            """)
        #expect(walk.status == 0 && walk.stdout == "contained\n", "\(mode) chroot walk-out: \(walk.stdout) \(walk.stderr)")
        host.expectUntouched("\(mode) chroot walk-out")

        // 2. Another process's root through /proc/PID/root: only the sandbox's processes are visible.
        let procRoot = try host.run("for p in /proc/[0-9]*; do test -e $p/root\(host.canary) && echo ESCAPED; done; echo checked")
        #expect(procRoot.stdout == "checked\n", "\(mode) /proc/PID/root: \(procRoot.stdout) \(procRoot.stderr)")

        // 3. Descriptors: nothing of kolla-oci is open in the command (3 is ls's own).
        let fds = try host.run("ls /proc/self/fd | tr '\\n' ' '")
        #expect(fds.stdout == "0 1 2 3 ", "\(mode) leaked descriptors: \(fds.stdout)")

        // 4. Device nodes: no mknod of a disk, no host disk in /dev.
        let dev = try host.run("mknod /tmp/disk b 8 0 2>/dev/null && echo MKNOD; ls /dev | tr '\\n' ' '")
        #expect(!dev.stdout.contains("MKNOD"), "\(mode) mknod: \(dev.stdout)")
        #expect(!dev.stdout.contains("sda") && !dev.stdout.contains("vda") && !dev.stdout.contains("nvme"), "\(mode) /dev: \(dev.stdout)")

        // 5. /sys read-only all the way down, no remount; /proc/sys and sysrq not writable;
        //    masked /proc files empty.
        let sysrq = (try? String(contentsOfFile: "/proc/sys/kernel/sysrq", encoding: .utf8)) ?? ""
        let kernel = try host.run("""
            mount -o remount,rw /sys 2>/dev/null && echo REMOUNTED
            mount -t tmpfs none /mnt 2>/dev/null && echo MOUNTED
            echo x 2>/dev/null > /sys/kernel/uevent_helper && echo WROTE_SYS
            for d in /sys/fs/cgroup/*; do touch $d/x 2>/dev/null && echo WROTE_CGROUP; done
            echo 0 2>/dev/null > /proc/sys/kernel/sysrq && echo WROTE_PROC_SYS
            echo h 2>/dev/null > /proc/sysrq-trigger && echo WROTE_SYSRQ
            echo kcore=$(head -c 16 /proc/kcore 2>/dev/null | wc -c)
            """)
        #expect(kernel.stdout == "kcore=0\n", "\(mode) kernel settings: \(kernel.stdout) \(kernel.stderr)")
        #expect(((try? String(contentsOfFile: "/proc/sys/kernel/sysrq", encoding: .utf8)) ?? "") == sysrq)

        // 6. Signals to everything: the command's pid namespace only; kolla-oci reports.
        let kill = try host.run("kill -9 -1; kill -9 0; echo survived")
        #expect(kill.status == 0 && kill.stdout == "survived\n", "\(mode) kill: \(kill.stdout) \(kill.stderr)")
        try writeContext(host, "kill", "FROM debian:bookworm\nRUN kill -9 -1; kill -9 0; exit 3\n")
        let killBuild = try host.kollaOCI(["bud", "-q", "-t", "k:1", "kill"])
        #expect(killBuild.status == 1 && killBuild.stderr.contains("exit status 3"), "\(mode) RUN kill: \(killBuild.stderr)")

        // 7. A working directory through /proc/self/fd: never a descriptor of kolla-oci.
        for fd in [3, 5, 7, 9] {
            try writeContext(host, "wd\(fd)", "FROM debian:bookworm\nWORKDIR /proc/self/fd/\(fd)\nRUN ls -a . ; pwd\n")
            let wd = try host.kollaOCI(["bud", "-t", "wd:\(fd)", "wd\(fd)"])
            #expect(!wd.stdout.contains("canary") && !wd.stdout.contains("store"), "\(mode) WORKDIR fd \(fd): \(wd.stdout)")
            host.expectUntouched("\(mode) WORKDIR /proc/self/fd/\(fd)")
        }

        // 8. Hostile symlinks at the sandbox's mount points: refused or resolved inside.
        for image in ["proc-root", "dev-host", "sys-host"] {
            let r = try host.run("echo ran > /tmp/ran; ls /dev /proc /sys > /dev/null 2>&1; echo ok", image: "hostile:\(image)")
            #expect(r.status != 0 || r.stdout == "ok\n", "\(mode) \(image): \(r.stdout) \(r.stderr)")
            #expect(!r.stderr.isEmpty || r.status == 0)
            host.expectUntouched("\(mode) \(image)")
        }
        let resolv = try host.run("cat /etc/resolv.conf 2>/dev/null; echo nameserver 6.6.6.6 > /etc/resolv.conf 2>/dev/null; echo ok", image: "hostile:resolv-host")
        #expect(!resolv.stdout.contains("host-secret"), "\(mode) resolv.conf link: \(resolv.stdout)")
        host.expectUntouched("\(mode) resolv.conf link")

        // kolla-oci is alive and its store consistent after all of it.
        let fsck = try host.kollaOCI(["fsck"])
        #expect(fsck.status == 0, "\(mode) fsck: \(fsck.stdout) \(fsck.stderr)")
    }

    func writeContext(_ host: Host, _ name: String, _ dockerfile: String) throws {
        let ctx = host.dir.path + "/" + name
        try FileManager.default.createDirectory(atPath: ctx, withIntermediateDirectories: true)
        try dockerfile.write(toFile: ctx + "/Dockerfile", atomically: false, encoding: .utf8)
        if let user = host.user { _ = try runTool("/bin/chown", ["-R", user.name, ctx]) }
    }

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func escapesAsRoot() throws { try corpus(rootless: false) }

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func escapesRootless() throws { try corpus(rootless: true) }
}
