import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// This process: its ids, environment and waiting, without callers touching libc.
package enum ProcessIdentity {
    /// The real user id.
    package static var userID: UInt32 { getuid() }
    /// The real group id.
    package static var groupID: UInt32 { getgid() }
    /// The process id.
    package static var processID: Int32 { getpid() }

    /// The running executable's path (for re-executing this program), argv[0] where
    /// /proc does not say.
    package static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Sets an environment variable of this process (inherited by children started later).
    package static func setEnvironment(_ name: String, _ value: String) {
        setenv(name, value, 1)
    }

    /// Sleeps the calling thread for `milliseconds`.
    package static func sleep(milliseconds: Int) {
        usleep(useconds_t(max(0, milliseconds)) * 1000)
    }

    /// Parks the calling thread for good: the process is about to exit from elsewhere.
    package static func parkForever() -> Never {
        while true { pause() }
    }

    /// Writes out what stdio buffers for this process (before a child writes to the same
    /// descriptors directly).
    package static func flushStandardStreams() {
        fflush(nil)
    }

    /// Seconds since the epoch, now.
    package static var now: Int { time(nil) }
}

/// The controlling terminal, for interactive prompts and progress output.
package enum Terminal {
    /// True when descriptor `fd` (0, 1 or 2) is a terminal.
    package static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// Reads one line from standard input with echo turned off when it is a terminal
    /// (password prompts); nil at end of input.
    package static func readLineWithoutEcho() -> String? {
        var saved = termios()
        let haveTerminal = tcgetattr(STDIN_FILENO, &saved) == 0
        if haveTerminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        }
        defer {
            if haveTerminal {
                tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
                FileHandle.standardError.write(Data("\n".utf8))
            }
        }
        return readLine(strippingNewline: true)
    }
}

extension FileDescriptor {
    /// A pipe whose two ends are closed on exec.
    package static func pipe() throws(NativeError) -> (read: FileDescriptor, write: FileDescriptor) {
        var fds: [Int32] = [0, 0]
        guard Glibc.pipe(&fds) == 0 else { throw .posix("pipe") }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return (FileDescriptor(owning: fds[0], path: "pipe"), FileDescriptor(owning: fds[1], path: "pipe"))
    }
}
