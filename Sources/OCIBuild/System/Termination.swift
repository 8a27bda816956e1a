// SIGINT and SIGTERM: remove this process's scratch, then exit 130 / 143 (128 + signal),
// as a shell reports a process killed by the signal. The C handler (ko_signal.c) only
// writes the signal number to a pipe; a dedicated thread reads it and does the work, so
// no Swift code ever runs in signal context.
//
// At a signal the thread first SIGKILLs this process's direct children (the RUN
// sandbox's relay, whose pid 1 follows through PR_SET_PDEATHSIG, and with it the
// sandbox's mount namespace), so nothing writes into the scratch while it goes, then
// runs the cleanup its installer gave (the store removes this process's scratch; other
// processes' scratch in the same store is never touched) and exits without returning to
// the interrupted work.
//
// A process that only waits for a re-executed copy of itself (`kolla-oci bud` as a
// non-root user enters a user namespace that way) forwards the signal instead: the copy
// owns the scratch, cleans up and exits 130 / 143, and the waiting process passes that
// status on.

import CKollaShim
import Foundation
import Synchronization

/// Cleanup and exit status on SIGINT and SIGTERM for the kolla-oci executable.
package enum Termination {
    /// What to do before exiting: `removeScratch` returns the paths it could not remove;
    /// `release` also runs at a normal exit.
    package struct Hooks: Sendable {
        package var removeScratch: @Sendable () -> [String]
        package var release: @Sendable () -> Void

        package init(removeScratch: @escaping @Sendable () -> [String], release: @escaping @Sendable () -> Void) {
            self.removeScratch = removeScratch
            self.release = release
        }
    }

    private static let installed = Mutex<Hooks?>(nil)
    private static let forwarding = Atomic<Bool>(false)

    /// Installs the handlers and starts the thread that acts on them (once per process).
    package static func install(_ hooks: Hooks) throws(NativeError) {
        try installed.withLock { (current) throws(NativeError) in
            if current != nil { return }
            let readEnd = ko_signal_install()
            guard readEnd >= 0 else { throw .posix("ko_signal_install") }
            current = hooks
            let thread = Thread { watch(readEnd) }
            thread.name = "kolla-oci signals"
            thread.start()
            // A normal exit leaves no owner files behind either.
            atexit { Termination.installedHooks?.release() }
        }
    }

    private static var installedHooks: Hooks? { installed.withLock { $0 } }

    /// From now on, pass SIGINT and SIGTERM on to this process's children instead of
    /// exiting: for a process whose only work is waiting for a child that owns the scratch.
    package static func forwardToChildren() {
        forwarding.store(true, ordering: .sequentiallyConsistent)
    }

    /// The signal thread: one byte per delivered signal.
    private static func watch(_ readEnd: Int32) {
        var byte: UInt8 = 0
        while true {
            let n = read(readEnd, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            guard n == 1 else { return }
            let signal = Int32(byte)
            if forwarding.load(ordering: .sequentiallyConsistent) {
                for child in directChildren() { kill(child, signal) }
                continue
            }
            terminate(signal)
        }
    }

    /// Stops the children, removes this process's scratch and exits with 128 + `signal`.
    private static func terminate(_ signal: Int32) -> Never {
        for child in directChildren() { kill(child, SIGKILL) }
        let hooks = installedHooks
        let left = hooks?.removeScratch() ?? []
        let name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)"
        var message = "kolla-oci: interrupted by \(name)"
        if !left.isEmpty { message += "; could not remove \(left.joined(separator: ", "))" }
        message += "\n"
        hooks?.release()
        // Straight to the descriptor: stdio's buffers may be locked by the interrupted thread.
        _ = message.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
        _exit(128 + signal)
    }

    /// The pids of this process's children (of all its threads), from procfs.
    static func directChildren() -> [pid_t] { DetachedProcess.children(of: "self") }
}
