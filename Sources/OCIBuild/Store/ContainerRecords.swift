// Detached containers (`kolla-oci run -d`) are records in the store, not a daemon's state:
//
//     ROOT/containers/<id>/record.json   what runs: name, image, command, created, supervisor pid
//     ROOT/containers/<id>/lock          flock()ed by the supervisor for the container's life
//     ROOT/containers/<id>/log           the command's standard output and error
//     ROOT/containers/<id>/exit          its exit status once it ended ("error: …" if it never started)
//     ROOT/containers/names/<name>       a symlink to <id>: names are unique, taken atomically
//
// The supervisor is the one process a detached container has outside its sandbox: it
// holds the sandbox as `kolla-oci run` does in the foreground, writes the exit status and
// exits when the command exits. Whether it lives is read from the lock (the kernel drops
// it however the supervisor ends, SIGKILL included), never from a pid that may be reused.

import Foundation
import OCISystem

/// What a detached container runs, as saved in `record.json`.
package struct ContainerRecord: Codable, Sendable, Equatable {
    /// 32 hex digits; commands accept any unique prefix of it, or the name.
    package var id: String
    package var name: String
    package var image: String
    package var command: [String]
    /// RFC 3339, UTC.
    package var created: String
    /// The supervisor's pid, set once it started (meaningful only while the lock is held).
    package var supervisorPID: Int32?
    /// Remove the record when the container exits (`run -d --rm`).
    package var removeOnExit: Bool = false
}

/// Where a container is in its life.
package enum ContainerState: Sendable, Equatable {
    /// Recorded, supervisor not started yet (or killed before it wrote anything).
    case created
    /// The supervisor holds the lock.
    case running(supervisor: Int32)
    /// The command exited with this status (128+N for signal N).
    case exited(Int32)
    /// The sandbox could not be set up; the message says why.
    case failed(String)

    /// `Up`, `Exited (N)`, `Created`, `Failed: …` as `kolla-oci ps` prints it.
    package var summary: String {
        switch self {
        case .created: return "Created"
        case .running: return "Up"
        case .exited(let status): return "Exited (\(status))"
        case .failed(let message): return "Failed: \(message)"
        }
    }

    package var isRunning: Bool {
        if case .running = self { return true }
        return false
    }
}

/// A failure about container records: one line naming the container.
package enum ContainerError: Error, Sendable, CustomStringConvertible {
    case notFound(String)
    case ambiguous(String, candidates: [String])
    case nameInUse(String)
    case invalidName(String)
    case running(String)
    case io(String, path: String)

    package var description: String {
        switch self {
        case .notFound(let text): return "no container named \(text)"
        case .ambiguous(let text, let candidates): return "\(text) matches several containers: \(candidates.joined(separator: ", "))"
        case .nameInUse(let name): return "the container name \(name) is already in use (kolla-oci rm \(name) first)"
        case .invalidName(let name):
            return "invalid container name '\(name)': letters, digits and _ . - only, starting with a letter or digit"
        case .running(let name): return "container \(name) is running: stop it first, or rm -f"
        case .io(let message, let path): return "\(path): \(message)"
        }
    }
}

/// The container records of one store (`ROOT/containers`).
package struct ContainerRecords: Sendable {
    package let directory: String

    package init(storeRoot: String) {
        directory = storeRoot + "/containers"
    }

    package func path(_ id: String) -> String { directory + "/" + id }
    package func logPath(_ id: String) -> String { path(id) + "/log" }
    package func lockPath(_ id: String) -> String { path(id) + "/lock" }
    package func exitPath(_ id: String) -> String { path(id) + "/exit" }
    private var namesDirectory: String { directory + "/names" }

    /// Records a new container; takes `name` (or a generated one) atomically.
    package func create(name: String?, image: String, command: [String], removeOnExit: Bool) throws -> ContainerRecord {
        var generator = SystemRandomNumberGenerator()
        let id = (0..<4).map { _ in
            let word = String(UInt32.random(in: 0...UInt32.max, using: &generator), radix: 16)
            return String(repeating: "0", count: 8 - word.count) + word
        }.joined()
        let name = name ?? "kolla-oci-\(id.prefix(8))"
        guard Self.isValidName(name) else { throw ContainerError.invalidName(name) }
        do {
            try FileSystem.createDirectory(directory, mode: 0o700)
            try FileSystem.createDirectory(namesDirectory, mode: 0o700)
            try FileSystem.createDirectory(path(id), mode: 0o700)
        } catch {
            throw ContainerError.io("\(error)", path: path(id))
        }
        do {
            try FileManager.default.createSymbolicLink(atPath: namesDirectory + "/" + name, withDestinationPath: id)
        } catch {
            _ = try? FileSystem.removeTree(path(id))
            // A name left by a record removed by hand does not block it.
            if let target = try? FileSystem.linkTarget(namesDirectory + "/" + name), (try? FileSystem.status(path(target))) == nil {
                _ = try? FileSystem.removeFile(namesDirectory + "/" + name)
                return try create(name: name, image: image, command: command, removeOnExit: removeOnExit)
            }
            throw ContainerError.nameInUse(name)
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let record = ContainerRecord(
            id: id, name: name, image: image, command: command, created: formatter.string(from: Date()),
            supervisorPID: nil, removeOnExit: removeOnExit)
        try save(record)
        return record
    }

    /// Docker's rule for names: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
    package static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic || ("0"..."9").contains(first) else {
            return false
        }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0))
        } && name.count <= 128
    }

    /// Writes `record.json` atomically.
    package func save(_ record: ContainerRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        do {
            try encoder.encode(record).write(to: URL(fileURLWithPath: path(record.id) + "/record.json"), options: .atomic)
        } catch {
            throw ContainerError.io("cannot write the record: \(error)", path: path(record.id) + "/record.json")
        }
    }

    /// Every record, oldest first.
    package func all() -> [ContainerRecord] {
        let entries = (try? FileSystem.directoryEntries(directory)) ?? []
        return entries.filter { $0 != "names" }.compactMap { load($0) }.sorted { ($0.created, $0.id) < ($1.created, $1.id) }
    }

    private func load(_ id: String) -> ContainerRecord? {
        guard let data = FileManager.default.contents(atPath: path(id) + "/record.json") else { return nil }
        return try? JSONDecoder().decode(ContainerRecord.self, from: data)
    }

    /// The record named `text`, or whose id starts with `text`.
    package func find(_ text: String) throws -> ContainerRecord {
        if let id = try? FileSystem.linkTarget(namesDirectory + "/" + text), let record = load(id) { return record }
        let matches = all().filter { $0.id.hasPrefix(text) }
        guard !text.isEmpty, let first = matches.first else { throw ContainerError.notFound(text) }
        guard matches.count == 1 else { throw ContainerError.ambiguous(text, candidates: matches.map(\.name)) }
        return first
    }

    /// The container's state, read from its lock and exit files.
    package func state(_ record: ContainerRecord) -> ContainerState {
        if let lock = try? FileDescriptor(path: lockPath(record.id), flags: O_RDONLY_VALUE),
            let free = try? lock.lock(exclusive: false, wait: false), !free
        {
            return .running(supervisor: record.supervisorPID ?? 0)
        }
        guard let data = FileManager.default.contents(atPath: exitPath(record.id)) else { return .created }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if let status = Int32(text) { return .exited(status) }
        return .failed(text.hasPrefix("error: ") ? String(text.dropFirst(7)) : text)
    }

    /// Takes the container's lock for the supervisor's lifetime: the returned descriptor
    /// must stay open until the container's command has exited.
    package func holdLock(_ id: String) throws -> FileDescriptor {
        do {
            let lock = try FileDescriptor(path: lockPath(id), flags: O_RDWR_VALUE | O_CREAT_VALUE, mode: 0o600)
            try lock.lock(exclusive: true)
            return lock
        } catch {
            throw ContainerError.io("cannot lock: \(error)", path: lockPath(id))
        }
    }

    /// Writes the exit status (or `error: message`), atomically.
    package func recordExit(_ id: String, _ text: String) {
        try? Data((text + "\n").utf8).write(to: URL(fileURLWithPath: exitPath(id)), options: .atomic)
    }

    /// Removes the record, its log and its name.
    package func remove(_ record: ContainerRecord) throws {
        if let target = try? FileSystem.linkTarget(namesDirectory + "/" + record.name), target == record.id {
            _ = try? FileSystem.removeFile(namesDirectory + "/" + record.name)
        }
        do {
            try FileSystem.removeTree(path(record.id))
        } catch {
            throw ContainerError.io("cannot remove: \(error)", path: path(record.id))
        }
    }
}
