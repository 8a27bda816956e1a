import Foundation
import TestSupport

/// A debootstrapped Debian bookworm (minbase) root file system as a sorted tarball,
/// made once and cached (debootstrap needs root and the Debian mirror; ~40 s).
enum DebianBase {
    static let cacheDir: String = {
        if let d = ProcessInfo.processInfo.environment["KOLLA_OCI_TEST_CACHE"] { return d }
        return FileManager.default.homeDirectoryForCurrentUser.path + "/.cache/kolla-oci-tests"
    }()

    /// Why the base cannot be made here, or nil when it can.
    static var unavailableReason: String? {
        if tarballIfPresent() != nil { return nil }
        if getuid() != 0 { return "the Debian base is not cached and debootstrap needs root" }
        if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/debootstrap") { return "debootstrap is not installed (tools/setup)" }
        return nil
    }

    static func tarballIfPresent() -> String? {
        let candidates = [
            cacheDir + "/bookworm-minbase.tar",
            FileManager.default.homeDirectoryForCurrentUser.path + "/.cache/kolla-oci-bench/bookworm-minbase.tar",
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    private static let lock = NSLock()

    /// The tarball, creating it when missing.
    static func tarball() throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let t = tarballIfPresent() { return t }
        try FileManager.default.createDirectory(atPath: cacheDir, withIntermediateDirectories: true)
        let rootfs = cacheDir + "/bookworm-minbase.partial"
        try? FileManager.default.removeItem(atPath: rootfs)
        let boot = try runTool("/usr/sbin/debootstrap", ["--variant=minbase", "bookworm", rootfs, "http://deb.debian.org/debian"])
        guard boot.status == 0 else { throw TestSetupError("debootstrap failed: \(boot.stderr.suffix(500))") }
        // As the official image does: no device nodes (rootless extraction), empty caches
        // (debootstrap leaves the .debs it installed in apt's archive cache).
        let clean = try runTool("/bin/sh", ["-c", "rm -rf \(rootfs)/dev/* \(rootfs)/var/lib/apt/lists/* \(rootfs)/var/cache/apt/*.bin \(rootfs)/var/cache/apt/archives/*.deb \(rootfs)/var/cache/apt/archives/partial/* \(rootfs)/var/log/*.log; : > \(rootfs)/etc/resolv.conf"])
        guard clean.status == 0 else { throw TestSetupError("cleaning the rootfs failed: \(clean.stderr)") }
        let tar = cacheDir + "/bookworm-minbase.tar"
        let pack = try runTool("/bin/sh", ["-c", "cd \(rootfs) && find . -mindepth 1 | LC_ALL=C sort | tar --numeric-owner --no-recursion -cf \(tar).tmp -T - && mv \(tar).tmp \(tar)"])
        guard pack.status == 0 else { throw TestSetupError("tar failed: \(pack.stderr)") }
        _ = try? runTool("/bin/rm", ["-rf", rootfs])
        return tar
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
