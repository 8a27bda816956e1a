import Foundation
import OCIBuild

/// `ps`, `logs`, `stop`, `rm`: the detached containers of a store (`run -d`). There is no
/// daemon: each command reads the records under `STORE/containers` and signals the
/// container's supervisor or command directly.
struct ContainerCommand {
    static let usages: [String: String] = [
        "ps": "usage: kolla-oci ps [--root DIR] [-a|--all] [-q|--quiet]",
        "logs": "usage: kolla-oci logs [--root DIR] [-f|--follow] CONTAINER",
        "stop": "usage: kolla-oci stop [--root DIR] [-t|--time SECONDS] CONTAINER...",
        "rm": "usage: kolla-oci rm [--root DIR] [-f|--force] CONTAINER...",
    ]

    static func usage(_ command: String) -> String? { usages[command] }

    let command: String
    let arguments: [String]

    func run() throws -> Int32 {
        let args = try ArgumentScanner(arguments, flags: [
            .init("--root"), .init("--all", "-a", value: false), .init("--quiet", "-q", value: false),
            .init("--follow", "-f", value: false), .init("--time", "-t"), .init("--force"),
        ])
        let store = try ImageStore(root: UserNamespace.storeRoot(args.value("--root")))
        let records = ContainerRecords(storeRoot: store.root)
        switch command {
        case "ps":
            guard args.positionals.isEmpty else { throw UsageError("ps takes no arguments") }
            return ps(records, all: args.isSet("--all"), quiet: args.isSet("--quiet"))
        case "logs":
            guard args.positionals.count == 1 else { throw UsageError("logs takes one CONTAINER") }
            return try logs(records, try records.find(args.positionals[0]), follow: args.isSet("--follow"))
        case "stop":
            guard !args.positionals.isEmpty else { throw UsageError("stop needs a CONTAINER") }
            let text = args.value("--time") ?? "10"
            guard let seconds = Double(text), seconds >= 0 else { throw UsageError("--time needs seconds, not '\(text)'") }
            for name in args.positionals {
                let record = try records.find(name)
                Self.stop(records, record, grace: seconds)
                print(name)
            }
            return 0
        case "rm":
            guard !args.positionals.isEmpty else { throw UsageError("rm needs a CONTAINER") }
            // `-f` here means force (docker's rm), not follow.
            let force = args.isSet("--follow") || args.isSet("--force")
            for name in args.positionals {
                let record = try records.find(name)
                if records.state(record).isRunning {
                    guard force else { throw ContainerError.running(record.name) }
                    Self.stop(records, record, grace: 0)
                }
                try records.remove(record)
                print(name)
            }
            return 0
        default:
            throw UsageError("unknown command '\(command)'")
        }
    }

    private func ps(_ records: ContainerRecords, all: Bool, quiet: Bool) -> Int32 {
        var rows: [[String]] = []
        for record in records.all() {
            let state = records.state(record)
            guard all || state.isRunning else { continue }
            if quiet {
                print(record.id.prefix(12))
                continue
            }
            var pid = "-"
            if case .running(let supervisor) = state, supervisor > 0 { pid = "\(supervisor)" }
            let command = record.command.isEmpty ? "(image default)" : record.command.joined(separator: " ")
            rows.append([
                record.name, String(record.id.prefix(12)), record.image, state.summary, pid, record.created,
                command.count > 40 ? String(command.prefix(37)) + "..." : command,
            ])
        }
        if quiet { return 0 }
        let header = ["NAME", "ID", "IMAGE", "STATUS", "PID", "CREATED", "COMMAND"]
        let table = [header] + rows
        let widths = header.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        for row in table {
            let cells = row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }
            print(cells.joined(separator: "   "))
        }
        return 0
    }

    private func logs(_ records: ContainerRecords, _ record: ContainerRecord, follow: Bool) throws -> Int32 {
        guard let handle = FileHandle(forReadingAtPath: records.logPath(record.id)) else {
            throw ContainerError.io("no log", path: records.logPath(record.id))
        }
        defer { try? handle.close() }
        while true {
            let running = records.state(record).isRunning
            let data = handle.readDataToEndOfFile()
            if !data.isEmpty { FileHandle.standardOutput.write(data) }
            if !follow || !running { return 0 }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    /// Stops a running container as docker does: SIGTERM to its command (pid 1 of its pid
    /// namespace), SIGKILL to it after `grace` seconds; SIGTERM to the supervisor (which
    /// kills the sandbox and removes its scratch) only if that does not end it, SIGKILL
    /// only if that hangs. Returns when nothing of the container runs any more.
    static func stop(_ records: ContainerRecords, _ record: ContainerRecord, grace: Double) {
        guard case .running(let supervisor) = records.state(record) else { return }
        let current = (try? records.find(record.id)) ?? record
        let pid = supervisor > 0 ? supervisor : current.supervisorPID ?? 0
        func waitStopped(_ seconds: Double) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            repeat {
                if !records.state(record).isRunning { return true }
                Thread.sleep(forTimeInterval: 0.05)
            } while Date() < deadline
            return !records.state(record).isRunning
        }
        guard pid > 0 else { return }
        // Everything the supervisor started: waited for below, so `stop` returns only when
        // none of it runs (a killed sandbox's pid 1 dies a moment after its relay).
        let processes = DetachedProcess.descendants(of: pid)
        defer {
            let deadline = Date().addingTimeInterval(10)
            while processes.contains(where: DetachedProcess.isAlive) && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.02)
            }
            for p in processes.reversed() where DetachedProcess.isAlive(p) { DetachedProcess.signal(p, DetachedProcess.forceKill) }
        }
        if let initPID = DetachedProcess.containerInit(under: pid) {
            DetachedProcess.signal(initPID, DetachedProcess.terminate)
            if waitStopped(grace) { return }
            // SIGKILL to pid 1 ends its whole pid namespace; the supervisor then records
            // 137 and removes the sandbox's scratch as after any exit.
            DetachedProcess.signal(initPID, DetachedProcess.forceKill)
            if waitStopped(10) { return }
        }
        DetachedProcess.signal(pid, DetachedProcess.terminate)
        if !waitStopped(10) {
            for child in DetachedProcess.descendants(of: pid).reversed() { DetachedProcess.signal(child, DetachedProcess.forceKill) }
            DetachedProcess.signal(pid, DetachedProcess.forceKill)
            _ = waitStopped(10)
        }
        // The supervisor ended by the signal: it had no exit status to write.
        if case .created = records.state(record) { records.recordExit(record.id, "137") }
    }
}
