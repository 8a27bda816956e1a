import Foundation
import OCIBuild

/// The live multi-line status of a build on a terminal: one line per image being built
/// or pushed (`keystone-base  building step 7/12`, `base  pushing`), redrawn in place
/// below the log lines that still scroll (state changes, errors). Off the terminal (CI,
/// pipes, `--debug`, `--quiet`) it does nothing and the plain log is the output.
final class StatusBoard: @unchecked Sendable {
    private let enabled: Bool
    private let lock = NSLock()
    private var active: [(name: String, text: String)] = []
    private var drawn = 0

    init(enabled: Bool) { self.enabled = enabled }

    /// True when stderr is a terminal (and the caller did not ask for plain output).
    static func terminal() -> Bool { Terminal.isTerminal(2) && ProcessInfo.processInfo.environment["TERM"] != "dumb" }

    var isEnabled: Bool { enabled }

    /// Sets (or with nil, removes) an image's status line.
    func set(_ name: String, _ text: String?) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        if let text {
            if let i = active.firstIndex(where: { $0.name == name }) { active[i].text = text } else { active.append((name, text)) }
        } else {
            active.removeAll { $0.name == name }
        }
        redraw(above: nil)
    }

    /// Prints a scrolling line above the board.
    func print(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        redraw(above: line)
    }

    private func redraw(above line: String?) {
        var out = ""
        // Move to the board's first line and clear everything below it.
        if drawn > 0 { out += "\u{1B}[\(drawn)A" }
        out += "\r\u{1B}[J"
        if let line { out += line + "\n" }
        let width = 78
        for (name, text) in active {
            let row = name.padding(toLength: max(name.count, 28), withPad: " ", startingAt: 0) + " " + text
            out += String(row.prefix(width)) + "\n"
        }
        drawn = active.count
        FileHandle.standardError.write(Data(out.utf8))
    }

    /// Clears the board (end of the build).
    func finish() {
        guard enabled else { return }
        lock.lock()
        active = []
        redraw(above: nil)
        lock.unlock()
    }
}
