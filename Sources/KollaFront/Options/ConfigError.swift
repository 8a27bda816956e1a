/// Errors of the configuration layer: CLI, config files, data files. Each names the
/// argument or `file:line` so the one-line message is enough to fix it.
enum ConfigError: Error, CustomStringConvertible, Equatable {
    case unreadable(String)
    case syntax(String, Int, String)
    case unknownOption(file: String?, line: Int?, name: String)
    case badValue(source: String, option: String, value: String, reason: String)
    case missingValue(String)
    case unknownProfile(String)
    case dataFile(String, String)

    var description: String {
        switch self {
        case .unreadable(let path): return "\(path): cannot read file"
        case .syntax(let path, let line, let msg): return "\(path):\(line): \(msg)"
        case .unknownOption(let file?, let line?, let name): return "\(file):\(line): unknown option '\(name)'"
        case .unknownOption(_, _, let name): return "unknown option '\(name)'"
        case .badValue(let source, let option, let value, let reason):
            return "\(source): invalid value '\(value)' for option '\(option)': \(reason)"
        case .missingValue(let arg): return "option \(arg) needs a value"
        case .unknownProfile(let name): return "Profile: \(name) does not exist"
        case .dataFile(let path, let msg): return "\(path): \(msg)"
        }
    }
}
