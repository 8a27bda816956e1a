import Foundation
import TestSupport
import Testing

/// `kolla-oci run -d`, `ps`, `logs`, `stop` and `rm` end to end through the binary, as
/// root, on a busybox image made here and imported (no mirror needed). Every test checks
/// the teardown: after `stop` no process of the container is in the process table, no
/// mount of the store is in this process's mount table, and no scratch is left in the store.
@Suite(.serialized) struct DetachedRunTests {
    static var reason: String? { BusyboxImage.unavailableReason }

    /// A store with a busybox image `bb:1`, and a directory to bind in.
    struct Workspace {
        let dir: TemporaryDirectory
        var store: String { dir.path + "/store" }
        var shared: String { dir.path + "/shared" }

        init() throws {
            dir = try TemporaryDirectory(prefix: "kolla-oci-detached")
            let fm = FileManager.default
            try BusyboxImage.write(
                root: dir.path + "/rootfs", tar: dir.path + "/bb.tar",
                directories: ["bin", "etc", "proc", "dev", "sys", "tmp", "root", "var/lib/kolla"],
                applets: ["sh", "cat", "echo", "sleep", "id", "trap", "true"])
            try fm.createDirectory(atPath: shared, withIntermediateDirectories: true)
            try "from the host\n".write(toFile: shared + "/config.txt", atomically: true, encoding: .utf8)
            let imported = try kollaOCI(["import", dir.path + "/bb.tar", "bb:1"])
            guard imported.status == 0 else { throw TestSetupError("import: \(imported.stderr)") }
        }

        func kollaOCI(_ args: [String]) throws -> ToolRun {
            try runTool(kollaOCIBinary(), args, environment: ["KOLLA_OCI_ROOT": store], directory: dir.path)
        }

        /// `ps -a` as rows of NAME → (STATUS, PID).
        func ps() throws -> [String: (status: String, pid: Int32?)] {
            let out = try kollaOCI(["ps", "-a"]).stdout
            var rows: [String: (String, Int32?)] = [:]
            for line in out.split(separator: "\n").dropFirst() {
                let cells = line.components(separatedBy: "   ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                guard cells.count >= 5 else { continue }
                rows[cells[0]] = (cells[3], Int32(cells[4]))
            }
            return rows
        }

        /// Waits until `logs NAME` contains `text`.
        func waitForLog(_ name: String, _ text: String) throws -> String {
            var log = ""
            for _ in 0..<200 {
                log = try kollaOCI(["logs", name]).stdout
                if log.contains(text) { return log }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return log
        }

        /// Processes whose command line contains `marker`.
        func processes(containing marker: String) -> [String] {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return entries.filter { Int($0) != nil }.compactMap { pid in
                guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
                let cmdline = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
                return cmdline.contains(marker) ? "\(pid): \(cmdline)" : nil
            }
        }

        /// Whether `pid` runs (a zombie its new parent has not reaped yet does not).
        func isAlive(_ pid: Int32) -> Bool {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first != "Z"
        }

        /// Lines of this process's mount table that mention the workspace.
        func mounts() -> [String] {
            let table = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
            return table.split(separator: "\n").map(String.init).filter { $0.contains(dir.path) }
        }

        /// Scratch directories of builds and runs left in the store.
        func scratch() -> [String] {
            (try? FileManager.default.contentsOfDirectory(atPath: store + "/ingest/build")) ?? []
        }

        func remove() { _ = try? runTool("/bin/rm", ["-rf", dir.path]) }
    }

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func runPsLogsStopRemove() throws {
        let w = try Workspace()
        defer { w.remove() }
        let marker = "marker-\(UInt32.random(in: 0...UInt32.max))"
        let script = "echo \"user $(id -u) $GREETING\"; cat /etc/kolla/config.txt; trap 'echo stopping; exit 7' TERM; "
            + "while true; do sleep 0.1; done; : \(marker)"
        let run = try w.kollaOCI([
            "run", "-d", "--name", "svc", "--user", "kolla", "-e", "GREETING=hello", "-v", w.shared + ":/etc/kolla:ro",
            "bb:1", "sh", "-c", script,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines).count == 32)
        let log = try w.waitForLog("svc", "from the host")
        #expect(log.contains("user 42400 hello"))
        #expect(log.contains("from the host"))

        let rows = try w.ps()
        #expect(rows["svc"]?.status == "Up")
        let supervisor = try #require(rows["svc"]?.pid)
        #expect(w.isAlive(supervisor))
        #expect(!w.processes(containing: marker).isEmpty)
        // The sandbox's mounts live in its own mount namespace, never in the host's.
        #expect(w.mounts().isEmpty)
        // Names are unique while the record exists.
        let again = try w.kollaOCI(["run", "-d", "--name", "svc", "bb:1", "true"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already in use"))
        // A running container is not removed without -f.
        let rm = try w.kollaOCI(["rm", "svc"])
        #expect(rm.status == 1)
        #expect(rm.stderr.contains("is running"))

        let stop = try w.kollaOCI(["stop", "svc"])
        #expect(stop.status == 0, "\(stop.stderr)")
        #expect(try w.ps()["svc"]?.status == "Exited (7)")
        #expect(try w.kollaOCI(["logs", "svc"]).stdout.contains("stopping"))
        #expect(w.processes(containing: marker).isEmpty)
        #expect(!w.isAlive(supervisor))
        #expect(w.mounts().isEmpty)
        #expect(w.scratch().isEmpty)
        // ps without -a lists running containers only.
        #expect(!(try w.kollaOCI(["ps"]).stdout.contains("svc")))

        let removed = try w.kollaOCI(["rm", "svc"])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(try w.ps().isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.store + "/containers").filter { $0 != "names" }.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.store + "/containers/names").isEmpty)
        #expect(try w.kollaOCI(["logs", "svc"]).status == 1)
    }

    /// A command that ignores SIGTERM (pid 1 of its namespace without a handler) is killed
    /// after the grace period, and the supervisor still removes everything.
    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func stopKillsACommandThatIgnoresSigterm() throws {
        let w = try Workspace()
        defer { w.remove() }
        let marker = "\(100_000 + Int.random(in: 0..<800_000))"
        let run = try w.kollaOCI(["run", "-d", "--name", "stubborn", "bb:1", "sleep", marker])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try w.ps()["stubborn"]?.status == "Up")
        #expect(!w.processes(containing: "sleep \(marker)").isEmpty)
        let started = Date()
        let stop = try w.kollaOCI(["stop", "-t", "1", "stubborn"])
        #expect(stop.status == 0, "\(stop.stderr)")
        #expect(Date().timeIntervalSince(started) >= 1)
        #expect(try w.ps()["stubborn"]?.status == "Exited (137)")
        #expect(w.processes(containing: "sleep \(marker)").isEmpty)
        #expect(w.mounts().isEmpty)
        #expect(w.scratch().isEmpty)
        let rm = try w.kollaOCI(["rm", "stubborn"])
        #expect(rm.status == 0)
    }

    /// `run -d --rm` leaves no record once the command exits; `rm -f` stops and removes a
    /// running one; a sandbox that cannot start fails `run -d` with the reason.
    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func removeOnExitForceRemoveAndStartFailure() throws {
        let w = try Workspace()
        defer { w.remove() }
        let once = try w.kollaOCI(["run", "-d", "--rm", "--name", "once", "bb:1", "echo", "done"])
        #expect(once.status == 0, "\(once.stderr)")
        for _ in 0..<200 where try w.ps()["once"] != nil { Thread.sleep(forTimeInterval: 0.05) }
        #expect(try w.ps()["once"] == nil)

        let marker = "\(100_000 + Int.random(in: 0..<800_000))"
        #expect(try w.kollaOCI(["run", "-d", "--name", "long", "bb:1", "sleep", marker]).status == 0)
        let rm = try w.kollaOCI(["rm", "-f", "long"])
        #expect(rm.status == 0, "\(rm.stderr)")
        #expect(try w.ps().isEmpty)
        #expect(w.processes(containing: "sleep \(marker)").isEmpty)
        #expect(w.scratch().isEmpty)

        let bad = try w.kollaOCI(["run", "-d", "--name", "bad", "--user", "nobody-here", "bb:1", "true"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("bad:"))
        #expect(bad.stderr.contains("nobody-here"))
        #expect(try w.ps()["bad"]?.status.hasPrefix("Failed") == true)
        let noImage = try w.kollaOCI(["run", "-d", "nope:1"])
        #expect(noImage.status == 1)
        #expect(noImage.stderr.contains("no image named nope:1"))
        #expect(try w.kollaOCI(["run", "-d", "-t", "bb:1"]).status == 2)
        #expect(try w.kollaOCI(["run", "-d", "--name", "a/b", "bb:1", "true"]).stderr.contains("invalid container name"))
    }

    /// A container runs as under Docker's defaults, without no_new_privs (kolla_start's
    /// `sudo kolla_set_configs` needs it) and with the host's name on the host network; a
    /// RUN step of a build keeps no_new_privs.
    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func containersMayGainPrivilegesRunStepsMayNot() throws {
        let w = try Workspace()
        defer { w.remove() }
        let run = try w.kollaOCI(["run", "bb:1", "sh", "-c", "cat /proc/self/status; cat /proc/sys/kernel/hostname"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("NoNewPrivs:\t0"))
        #expect(run.stdout.contains(ProcessInfo.processInfo.hostName))
        try FileManager.default.createDirectory(atPath: w.dir.path + "/ctx", withIntermediateDirectories: true)
        try "FROM bb:1\nRUN cat /proc/self/status > /status\n".write(toFile: w.dir.path + "/ctx/Dockerfile", atomically: true, encoding: .utf8)
        let bud = try w.kollaOCI(["bud", "-t", "nnp:1", "ctx"])
        #expect(bud.status == 0, "\(bud.stderr)")
        let status = try w.kollaOCI(["run", "nnp:1", "cat", "/status"])
        #expect(status.stdout.contains("NoNewPrivs:\t1"))
    }
}
