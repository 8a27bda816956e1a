import Foundation

/// kolla-build's console logging: Python's `BASIC_FORMAT` (`LEVEL:logger:message`) on
/// stderr, INFO by default, DEBUG with `--debug`, only CRITICAL with `--quiet`, and
/// optional per-image files under `--logs-dir`.
final class Log: @unchecked Sendable {
    enum Level: Int, Comparable {
        case debug = 10, info = 20, warning = 30, error = 40, critical = 50
        static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        var name: String {
            switch self {
            case .debug: return "DEBUG"
            case .info: return "INFO"
            case .warning: return "WARNING"
            case .error: return "ERROR"
            case .critical: return "CRITICAL"
            }
        }
    }

    static let logger = "kolla.common.utils"
    let level: Level
    let consoleLevel: Level
    private let lock = NSLock()
    /// The live status board, when lines must scroll above it.
    var board: StatusBoard?

    init(debug: Bool, quiet: Bool) {
        level = debug ? .debug : .info
        consoleLevel = quiet ? .critical : level
    }

    func log(_ l: Level, _ message: String, image: String? = nil) {
        guard l >= consoleLevel else { return }
        let name = image.map { "\(Log.logger).\($0)" } ?? Log.logger
        let text = message.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map {
            $0.offset == 0 ? "\(l.name):\(name):\($0.element)" : String($0.element)
        }.joined(separator: "\n")
        if let board, board.isEnabled {
            board.print(text)
            return
        }
        lock.lock()
        FileHandle.standardError.write(Data((text + "\n").utf8))
        lock.unlock()
    }

    func debug(_ m: String) { log(.debug, m) }
    func info(_ m: String) { log(.info, m) }
    func warning(_ m: String) { log(.warning, m) }
    func error(_ m: String) { log(.error, m) }
}
