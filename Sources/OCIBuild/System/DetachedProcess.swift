// Processes of detached containers (`kolla-oci run -d`): starting the supervisor in its
// own session, signalling it and the container's pid 1, and finding that pid 1 among the
// supervisor's descendants in procfs. No daemon keeps track of them: the container's
// record in the store holds the supervisor's pid, and its lock file says whether it lives.

import CKollaShim
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Starting and signalling the processes of a detached container.
package enum DetachedProcess {
    /// Starts `executable` with `arguments` (argv[0] included) and `environment` in a new
    /// session, standard input from /dev/null, standard output and error appended to
    /// `logPath`; returns its pid. The caller does not wait for it: when the caller exits
    /// first, init reaps it.
    package static func spawn(
        executable: String, arguments: [String], environment: [String], logPath: String
    ) throws(NativeError) -> Int32 {
        let log = try FileDescriptor(path: logPath, flags: O_WRONLY | O_CREAT | O_APPEND, mode: 0o600)
        var strings: [UnsafeMutablePointer<CChar>] = []
        defer { strings.forEach { free($0) } }
        func c(_ s: String) -> UnsafePointer<CChar>? {
            let p = strdup(s)!
            strings.append(p)
            return UnsafePointer(p)
        }
        let argv = arguments.map(c) + [nil]
        let envp = environment.map(c) + [nil]
        let pid = argv.withUnsafeBufferPointer { a in
            envp.withUnsafeBufferPointer { e in ko_spawn_detached(executable, a.baseAddress, e.baseAddress, log.raw) }
        }
        guard pid > 0 else { throw .posix("fork", path: executable) }
        return pid
    }

    /// Sends `signal` to `pid`; false when there is no such process.
    @discardableResult
    package static func signal(_ pid: Int32, _ signal: Int32) -> Bool {
        kill(pid, signal) == 0
    }

    /// SIGTERM, SIGKILL and SIGHUP as numbers, for callers without Glibc.
    package static let terminate = SIGTERM
    package static let forceKill = SIGKILL

    /// For a child of this process: true once it has exited (it is reaped then).
    package static func childHasExited(_ pid: Int32) -> Bool {
        var status: Int32 = 0
        let rc = waitpid(pid, &status, WNOHANG)
        return rc == pid || (rc < 0 && errno == ECHILD)
    }

    /// Whether process `pid` is alive: it exists and is not a zombie waiting to be reaped.
    package static func isAlive(_ pid: Int32) -> Bool {
        guard let bytes = try? FileSystem.readFile("/proc/\(pid)/stat") else { return false }
        // "pid (comm) S ...": the state follows the last ')'.
        let text = String(decoding: bytes, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return false }
        let state = text[text.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }

    /// Whether `pid` has called execve since it was forked by kolla-oci (its command name
    /// is no longer kolla-oci's): the container's command is running.
    package static func hasExecuted(_ pid: Int32) -> Bool {
        guard let bytes = try? FileSystem.readFile("/proc/\(pid)/comm") else { return false }
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) != "kolla-oci"
    }

    /// Every descendant of `pid` (children of all its threads, recursively), parents first.
    package static func descendants(of pid: Int32) -> [Int32] {
        var found: [Int32] = []
        var queue = [pid]
        while let next = queue.first {
            queue.removeFirst()
            let children = self.children(of: String(next))
            found += children
            queue += children
        }
        return found
    }

    /// The children of process `pid` ("self" for this one) and of all its threads, from
    /// procfs; empty when the process is gone.
    static func children(of pid: String) -> [Int32] {
        guard let tasks = try? FileSystem.directoryEntries("/proc/\(pid)/task") else { return [] }
        var children: [Int32] = []
        for task in tasks {
            guard let bytes = try? FileSystem.readFile("/proc/\(pid)/task/\(task)/children")
            else { continue }
            children += String(decoding: bytes, as: UTF8.self).split(separator: " ").compactMap {
                Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        return children
    }

    /// The first descendant of `pid` that is pid 1 of its own pid namespace: the
    /// container's command (the `NSpid:` line of its status ends in 1).
    package static func containerInit(under pid: Int32) -> Int32? {
        descendants(of: pid).first { child in
            guard let bytes = try? FileSystem.readFile("/proc/\(child)/status") else { return false }
            let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("NSpid:") }
            let ids = line?.dropFirst("NSpid:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }) ?? []
            return ids.count > 1 && ids.last == "1"
        }
    }
}
