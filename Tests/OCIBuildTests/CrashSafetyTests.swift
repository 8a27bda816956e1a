// Crash safety: a writer (the built kolla-oci, importing a large tarball) is killed with
// SIGKILL in the middle of writing a blob; the store must stay consistent: fsck clean
// (the temporary file is only a note), no half image named, gc removes the leftover, and
// the next import works.

import Foundation
import Testing
import TestSupport
import OCIBuild

#if canImport(Glibc)
import Glibc
import OCISystem
#endif

@Suite("Crash safety")
struct CrashSafetyTests {
    static let kolla = builtKollaOCI()

    @Test("SIGKILL mid-blob leaves fsck clean", .enabled(if: kolla != nil, "needs the built kolla-oci (swift build)"))
    func killedWriter() throws {
        try withTemporaryDirectory { dir in
            // 48 MiB of incompressible data: gzip needs well over a second for it.
            let tarball = dir.appending("big.tar").path
            var generator = SystemRandomNumberGenerator()
            var data = [UInt8](repeating: 0, count: 48 << 20)
            data.withUnsafeMutableBytes { raw in
                let words = raw.bindMemory(to: UInt64.self)
                for i in words.indices { words[i] = generator.next() }
            }
            let member = Fixture.Member(entry: TarEntry(path: "blob.bin", kind: .regular, permissions: 0o644,
                                                        size: Int64(data.count)), data: data)
            try Fixture.layer([member], at: tarball, compression: .none)

            let root = dir.appending("store").path
            let store = try ImageStore(root: root)
            _ = try ImageStoreTests.storeImage(store, name: "existing:1", text: "before the crash")

            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.kolla!)
            process.arguments = ["import", "--root", root, tarball, "big:1"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Wait until the writer has put at least 1 MiB into a temporary blob file.
            let deadline = Date().addingTimeInterval(20)
            var killedMidBlob = false
            while Date() < deadline && process.isRunning {
                let temporary = try FileSystem.directoryEntries(store.ingestDirectory).filter { $0.hasPrefix("tmp-") }
                if try temporary.contains(where: { try FileSystem.status("\(store.ingestDirectory)/\($0)")?.size ?? 0 > 1 << 20 }) {
                    kill(process.processIdentifier, SIGKILL)
                    killedMidBlob = true
                    break
                }
                usleep(2_000)
            }
            process.waitUntilExit()
            #expect(killedMidBlob, "the writer finished before it could be killed mid-blob")
            #expect(process.terminationReason == .uncaughtSignal)

            let report = try store.fsck()
            #expect(report.isClean, "\(report.problems)")
            #expect(report.notes.contains { $0.contains("interrupted writes") })
            #expect(try store.images().compactMap(\.name) == ["existing:1"])

            let collected = try store.gc()
            #expect(collected.removedTemporaryFiles >= 1)
            let after = try store.fsck()
            #expect(after.isClean && after.notes.isEmpty)

            // The store still works: the same import now completes.
            let rerun = try runProcess(Self.kolla!, ["import", "--root", root, "--compression", "zstd", tarball, "big:1"])
            #expect(rerun.status == 0, "\(rerun.stderr)")
            let fsck = try runProcess(Self.kolla!, ["fsck", "--root", root])
            #expect(fsck.status == 0 && fsck.stdout.contains("clean"), "\(fsck.stdout)\(fsck.stderr)")
        }
    }
}
