import Foundation

/// A minimal image root made from the host's static busybox, for tests that run commands
/// in the sandbox without a Debian mirror: directories, busybox with applet links, a
/// passwd/group with root and `kolla` (42400), tarred with numeric owners.
package struct BusyboxImage {
    /// The static busybox the image is made from (Debian's busybox-static).
    package static let busybox = "/bin/busybox"

    /// Why such an image cannot be made or run here; nil when it can.
    package static var unavailableReason: String? {
        if getuid() != 0 { return "needs root (namespaces and overlay mounts)" }
        if !FileManager.default.isExecutableFile(atPath: busybox) { return "needs /bin/busybox (busybox-static)" }
        return nil
    }

    /// Writes the root at `root`: `directories`, busybox with a link per applet, and a
    /// passwd/group with root and `kolla` (42400). Tests add what their case needs on top.
    package static func writeRoot(
        root: String, directories: [String] = ["bin", "etc", "proc", "dev", "sys", "tmp", "root"],
        applets: [String]
    ) throws {
        let fm = FileManager.default
        for d in Set(directories + ["bin", "etc"]).sorted() {
            try fm.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true)
        }
        try fm.copyItem(atPath: busybox, toPath: root + "/bin/busybox")
        for applet in applets {
            try fm.createSymbolicLink(atPath: root + "/bin/" + applet, withDestinationPath: "busybox")
        }
        try "root:x:0:0:root:/root:/bin/sh\nkolla:x:42400:42400::/:/bin/sh\n".write(
            toFile: root + "/etc/passwd", atomically: true, encoding: .utf8)
        try "root:x:0:\nkolla:x:42400:\n".write(toFile: root + "/etc/group", atomically: true, encoding: .utf8)
    }

    /// Tars the root at `root` to `tar`, with numeric owners (what `kolla-oci import` takes).
    package static func tar(root: String, to tar: String) throws {
        let run = try runTool("/bin/tar", ["--numeric-owner", "-C", root, "-cf", tar, "."])
        guard run.status == 0 else { throw BusyboxImageError(message: "tar: \(run.stderr)") }
    }

    /// Writes the root at `root` with `directories` and `applets`, then tars it to `tar`.
    package static func write(
        root: String, tar: String, directories: [String] = ["bin", "etc", "proc", "dev", "sys", "tmp", "root"],
        applets: [String]
    ) throws {
        try writeRoot(root: root, directories: directories, applets: applets)
        try self.tar(root: root, to: tar)
    }
}

/// Making the busybox image failed.
package struct BusyboxImageError: Error, CustomStringConvertible {
    package let message: String
    package var description: String { message }
}
