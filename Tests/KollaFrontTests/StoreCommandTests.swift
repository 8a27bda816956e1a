// The store subcommands: argument parsing in-process, and whole runs of the built binary
// (import → images → inspect → export → rmi → gc → fsck) checking exit statuses and that
// every failure is one line on standard error naming the file or image.

import Foundation
import Testing
import TestSupport

@testable import KollaFront

@Suite struct StoreCommandTests {
    @Test func parsesOptions() throws {
        let c = try StoreCommand(command: "import", arguments: ["--root=/s", "--compression", "zstd", "r.tar", "x:1"])
        #expect(c.root == "/s" && c.compression == .zstd && c.positional == ["r.tar", "x:1"])
        #expect(throws: UsageError.self) { try StoreCommand(command: "import", arguments: ["r.tar"]) }
        #expect(throws: UsageError.self) { try StoreCommand(command: "inspect", arguments: ["a", "b"]) }
        #expect(throws: UsageError.self) { try StoreCommand(command: "gc", arguments: ["--compression", "lz4"]) }
        #expect(throws: UsageError.self) { try StoreCommand(command: "fsck", arguments: ["--bogus"]) }
        #expect(KollaOCI.main(programName: "kolla-oci", arguments: ["rmi"]) == 2)
    }

    static let kolla = builtKollaOCI()

    @Test(.enabled(if: kolla != nil, "needs the built kolla-oci (swift build)"))
    func endToEnd() throws {
        try withTemporaryDirectory { dir in
            let kolla = Self.kolla!
            let store = dir.appending("store").path
            let rootfs = dir.appending("rootfs").path
            try FileManager.default.createDirectory(atPath: "\(rootfs)/etc", withIntermediateDirectories: true)
            try Data("x\n".utf8).write(to: URL(fileURLWithPath: "\(rootfs)/etc/hostname"))
            let tarball = dir.appending("rootfs.tar").path
            #expect(try runProcess("/bin/tar", ["-C", rootfs, "-cf", tarball, "."]).status == 0)

            func run(_ arguments: [String]) throws -> ProcessResult {
                try runProcess(kolla, arguments, environment: ["KOLLA_OCI_ROOT": store, "PATH": "/usr/bin:/bin",
                                                               "SOURCE_DATE_EPOCH": "1700000000"])
            }
            let imported = try run(["import", tarball, "docker.io/library/base:1"])
            #expect(imported.status == 0, "\(imported.stderr)")
            #expect(imported.stdout.hasPrefix("base:1 sha256:"))
            // SOURCE_DATE_EPOCH pins every byte: importing again gives the same digest.
            let again = try run(["import", tarball, "base:2"])
            #expect(again.stdout.split(separator: " ").last == imported.stdout.split(separator: " ").last)

            let images = try run(["images"])
            #expect(images.status == 0)
            #expect(images.stdout.contains("base:1") && images.stdout.contains("2023-11-14T22:13:20Z"))
            let inspect = try run(["inspect", "base:1"])
            #expect(inspect.status == 0)
            let json = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any]
            #expect((json?["config"] as? [String: Any])?["architecture"] != nil)
            #expect((json?["manifest"] as? [String: Any])?["layers"] != nil)

            #expect(try run(["export", "base:1", dir.appending("out.tar").path]).status == 0)
            #expect(try run(["export", "base:1", dir.appending("layout").path]).status == 0)
            #expect(FileManager.default.fileExists(atPath: dir.appending("layout/index.json").path))
            #expect(try run(["unpack", "base:1", dir.appending("unpacked").path]).status == 0)
            #expect(FileManager.default.fileExists(atPath: dir.appending("unpacked/etc/hostname").path))

            #expect(try run(["rmi", "base:1", "base:2"]).status == 0)
            let gc = try run(["gc"])
            #expect(gc.stdout.contains("removed 3 blob(s)"), "\(gc.stdout)")
            #expect(try run(["fsck"]).status == 0)

            // Failures: exit 1, one line naming the image or file.
            let missing = try run(["inspect", "nope:1"])
            #expect(missing.status == 1)
            #expect(missing.stderr == "kolla-oci: no image named nope:1 in the store\n")
            let noTar = try run(["import", dir.appending("absent.tar").path, "x:1"])
            #expect(noTar.status == 1 && noTar.stderr.contains("absent.tar") && noTar.stderr.split(separator: "\n").count == 1)
            let notTar = try run(["import", "/etc/hostname", "x:1"])
            #expect(notTar.status == 1 && notTar.stderr.contains("/etc/hostname"), "\(notTar.stderr)")
            #expect(notTar.stderr.split(separator: "\n").count == 1)
            let badName = try run(["import", tarball, "Bad Name"])
            #expect(badName.status == 1 && badName.stderr.contains("invalid reference"))
            #expect(try run(["fsck", "--root", dir.appending("nothing").path]).status == 1)
        }
    }
}
