import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real `kolla-oci bud` interrupted by SIGINT/SIGTERM, and one racing `kolla-oci gc`,
/// FROM a tiny image of the host's static busybox (imported with `kolla-oci import`), in a
/// temporary store. Needs root (overlay mounts and namespaces without a user mapping)
/// and busybox-static.
@Suite(.serialized) struct StoreLifecycleTests {
    static let busybox = "/bin/busybox"
    static var reason: String? {
        if getuid() != 0 { return "needs root for the RUN sandbox without subordinate ids" }
        guard let info = try? FileManager.default.attributesOfItem(atPath: busybox),
              (info[.size] as? Int ?? 0) > 0 else { return "needs \(busybox) (busybox-static)" }
        return nil
    }

    /// A temporary directory with a store holding `bb:1` and a `ctx/` with `dockerfile`.
    struct Workspace {
        let dir: TemporaryDirectory
        var store: String { dir.path + "/store" }

        init(dockerfile: String) throws {
            dir = try TemporaryDirectory(prefix: "kolla-oci-lifecycle")
            let rootfs = dir.path + "/rootfs"
            try BusyboxImage.write(
                root: rootfs, tar: dir.path + "/base.tar", directories: ["bin", "etc"],
                applets: ["sh", "sleep", "touch", "cat", "echo"])
            try FileManager.default.createDirectory(atPath: dir.path + "/ctx", withIntermediateDirectories: true)
            try dockerfile.write(toFile: dir.path + "/ctx/Dockerfile", atomically: true, encoding: .utf8)
            let imported = try kollaOCI(["import", dir.path + "/base.tar", "bb:1"])
            try #require(imported.status == 0, "\(imported.stderr)")
        }

        func kollaOCI(_ args: [String]) throws -> ToolRun {
            // `--root` right after the command: `run` takes everything after REF as CMD.
            try runTool(kollaOCIBinary(), [args[0], "--root", store] + args.dropFirst(), directory: dir.path)
        }

        /// Starts `kolla-oci bud` in the background, output to files in the workspace.
        func startBud(_ args: [String]) throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: kollaOCIBinary())
            process.arguments = ["bud", "--root", store] + args + [dir.path + "/ctx"]
            process.currentDirectoryURL = dir.url
            _ = FileManager.default.createFile(atPath: dir.path + "/bud.out", contents: nil)
            _ = FileManager.default.createFile(atPath: dir.path + "/bud.err", contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: dir.appending("bud.out"))
            process.standardError = try FileHandle(forWritingTo: dir.appending("bud.err"))
            process.standardInput = FileHandle.nullDevice
            try process.run()
            return process
        }

        var budOutput: String {
            ((try? String(contentsOfFile: dir.path + "/bud.out", encoding: .utf8)) ?? "")
                + ((try? String(contentsOfFile: dir.path + "/bud.err", encoding: .utf8)) ?? "")
        }

        /// Waits until the RUN step has created `/started` in its upper directory.
        func waitForRunStart(_ process: Process) throws {
            let build = store + "/ingest/build"
            for _ in 0..<300 {
                let steps = (try? FileManager.default.contentsOfDirectory(atPath: build)) ?? []
                if steps.contains(where: { FileManager.default.fileExists(atPath: "\(build)/\($0)/upper/started") }) { return }
                try #require(process.isRunning, "bud ended before its RUN started: \(budOutput)")
                usleep(100_000)
            }
            Issue.record("the RUN step did not start within 30 s: \(budOutput)")
        }

        /// Pids of processes whose root directory is inside the workspace (RUN commands).
        var processesInside: [String] {
            let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { Int($0) != nil }
            return pids.filter { pid in
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/root"))?.hasPrefix(dir.path) == true
            }
        }

        func remove() { _ = try? runTool("/bin/rm", ["-rf", dir.path]) }
    }

    @Test("SIGINT and SIGTERM during RUN remove the build's scratch, stop RUN, exit 128+N",
          .enabled(if: reason == nil, "\(reason ?? "")"), arguments: [SIGINT, SIGTERM])
    func interruptedBuildCleansUp(signal: Int32) throws {
        let w = try Workspace(dockerfile: "FROM bb:1\nRUN echo a > /a\nRUN touch /started && sleep 30\n")
        defer { w.remove() }
        let bud = try w.startBud(["-t", "never:1"])
        try w.waitForRunStart(bud)
        kill(bud.processIdentifier, signal)
        bud.waitUntilExit()
        #expect(bud.terminationReason == .exit)
        #expect(bud.terminationStatus == 128 + signal, "\(w.budOutput)")

        // No scratch: step directories (with their mode-000 overlay work dirs), unfinished
        // extractions, ingest files, the build's lease.
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.store + "/ingest/build") == [])
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.store + "/ingest/leases") == [])
        let ingest = try FileManager.default.contentsOfDirectory(atPath: w.store + "/ingest")
        #expect(!ingest.contains { $0.hasPrefix("tmp-") }, "\(ingest)")
        let layers = try FileManager.default.contentsOfDirectory(atPath: w.store + "/layers/sha256")
        #expect(!layers.contains { $0.hasPrefix("tmp-") }, "\(layers)")
        // No mounts and no RUN process survive (the sandbox dies with its parent).
        let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        #expect(!mounts.contains(w.dir.path))
        var inside = w.processesInside
        for _ in 0..<50 where !inside.isEmpty {
            usleep(100_000)
            inside = w.processesInside
        }
        #expect(inside.isEmpty, "RUN processes left: \(inside)")
        // The store is consistent and a new build works.
        let fsck = try w.kollaOCI(["fsck"])
        #expect(fsck.status == 0, "\(fsck.stdout)\(fsck.stderr)")
    }

    @Test("gc during a build keeps the build's layers; the build succeeds; gc collects afterwards",
          .enabled(if: reason == nil, "\(reason ?? "")"))
    func gcDuringBuild() throws {
        let w = try Workspace(dockerfile: "FROM bb:1\nRUN echo layer-one > /a\nRUN touch /started && sleep 3 && cat /a\n")
        defer { w.remove() }
        let bud = try w.startBud(["-t", "built:1"])
        try w.waitForRunStart(bud)
        // While the second RUN runs on the first RUN's layer: drop the base image's name,
        // so only the build still needs the base and the first layer, and collect.
        #expect(try w.kollaOCI(["rmi", "bb:1"]).status == 0)
        let gc = try w.kollaOCI(["gc"])
        #expect(gc.status == 0, "\(gc.stderr)")
        #expect(gc.stdout.contains("removed 0 blob(s)") && gc.stdout.contains("kept 4 blob(s)"), "\(gc.stdout)")
        bud.waitUntilExit()
        #expect(bud.terminationStatus == 0, "\(w.budOutput)")
        #expect(w.budOutput.contains("layer-one"))

        // The image is complete and runs.
        let fsck = try w.kollaOCI(["fsck"])
        #expect(fsck.status == 0, "\(fsck.stdout)\(fsck.stderr)")
        let run = try w.kollaOCI(["run", "built:1", "cat", "/a"])
        #expect(run.stdout == "layer-one\n", "\(run.stderr)")
        // Nothing runs now: the base image's manifest and config, no longer named, go.
        let after = try w.kollaOCI(["gc"])
        #expect(after.stdout.contains("removed 2 blob(s)"), "\(after.stdout)")
        #expect(try w.kollaOCI(["fsck"]).status == 0)
    }
}
