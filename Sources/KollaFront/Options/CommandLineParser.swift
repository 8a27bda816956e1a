/// kolla-build's command line as oslo.config/argparse parse it: `--name value`,
/// `--name=value`, short flags (`-b debian`, `-bdebian`), `--noX` for booleans,
/// repeatable multi options, the positional regexes, and oslo's own
/// `--config-file`, `--config-dir`, `--help`, `--version`.
struct ParsedCommandLine: Sendable {
    /// One option set on the command line, with its argv position (for precedence
    /// against `--config-file`s that follow it).
    struct Setting: Sendable {
        let dest: String
        let value: OptionValue
        let position: Int
    }

    var settings: [Setting] = []
    var regexes: [String] = []
    var configFiles: [(path: String, position: Int)] = []
    var configDirs: [(path: String, position: Int)] = []
    var help = false
    var version = false

    /// The last CLI value of `dest` (multi options: all values, in order).
    func values(_ dest: String) -> [Setting] {
        settings.filter { $0.dest == dest }
    }
}

enum CommandLineParser {
    static func parse(_ args: [String]) throws -> ParsedCommandLine {
        var result = ParsedCommandLine()
        var i = 0
        var onlyPositional = false
        func take(_ flag: String) throws -> String {
            i += 1
            guard i < args.count else { throw ConfigError.missingValue(flag) }
            return args[i]
        }
        func set(_ spec: OptionSpec, _ text: String, _ flag: String, at pos: Int) throws {
            result.settings.append(.init(dest: spec.dest, value: try spec.parse(text, source: "command line \(flag)"), position: pos))
        }
        while i < args.count {
            let arg = args[i]
            let pos = i
            defer { i += 1 }
            if onlyPositional || arg == "-" || !arg.hasPrefix("-") {
                result.regexes.append(arg)
                continue
            }
            if arg == "--" {
                onlyPositional = true
                continue
            }
            if arg.hasPrefix("--") {
                var name = String(arg.dropFirst(2))
                var inline: String?
                if let eq = name.firstIndex(of: "=") {
                    inline = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                switch name {
                case "help":
                    result.help = true
                    continue
                case "version":
                    result.version = true
                    continue
                case "config-file":
                    result.configFiles.append((try inline ?? take(arg), pos))
                    continue
                case "config-dir":
                    result.configDirs.append((try inline ?? take(arg), pos))
                    continue
                default: break
                }
                if let spec = OptionRegistry.lookupCLI(name) {
                    if case .bool = spec.kind {
                        if let inline {
                            try set(spec, inline, arg, at: pos)
                        } else {
                            result.settings.append(.init(dest: spec.dest, value: .bool(true), position: pos))
                        }
                    } else {
                        try set(spec, try inline ?? take(arg), arg, at: pos)
                    }
                    continue
                }
                if name.hasPrefix("no"), let spec = OptionRegistry.lookupCLI(String(name.dropFirst(2))), case .bool = spec.kind,
                    inline == nil
                {
                    result.settings.append(.init(dest: spec.dest, value: .bool(false), position: pos))
                    continue
                }
                throw ConfigError.unknownOption(file: nil, line: nil, name: arg)
            }
            // Short options: -h, -b VALUE, -bVALUE, -dq (bool clusters).
            var chars = Array(arg.dropFirst())
            while !chars.isEmpty {
                let c = chars.removeFirst()
                if c == "h" {
                    result.help = true
                    continue
                }
                guard let spec = OptionRegistry.byShort[c] else {
                    throw ConfigError.unknownOption(file: nil, line: nil, name: "-\(c)")
                }
                if case .bool = spec.kind {
                    result.settings.append(.init(dest: spec.dest, value: .bool(true), position: pos))
                    continue
                }
                let value = chars.isEmpty ? try take("-\(c)") : String(chars)
                chars.removeAll()
                try set(spec, value, "-\(c)", at: pos)
            }
        }
        return result
    }
}

extension CommandLineParser {
    /// `args` without the options whose destinations are in `dests` (and their values),
    /// everything else as written: a command line to hand on with some options replaced.
    static func arguments(_ args: [String], removing dests: Set<String>) throws -> [String] {
        var out: [String] = []
        var i = 0
        var onlyPositional = false
        while i < args.count {
            let arg = args[i]
            i += 1
            if onlyPositional || arg == "-" || !arg.hasPrefix("-") || arg == "--" {
                onlyPositional = onlyPositional || arg == "--"
                out.append(arg)
                continue
            }
            if arg.hasPrefix("--") {
                var name = String(arg.dropFirst(2))
                let inline = name.contains("=")
                if let eq = name.firstIndex(of: "=") { name = String(name[..<eq]) }
                var spec = OptionRegistry.lookupCLI(name)
                var takesValue = !inline
                if ["config-file", "config-dir"].contains(name) {
                    out.append(arg)
                    if !inline, i < args.count { out.append(args[i]); i += 1 }
                    continue
                }
                if let s = spec, case .bool = s.kind { takesValue = false }
                if spec == nil, name.hasPrefix("no") { spec = OptionRegistry.lookupCLI(String(name.dropFirst(2))); takesValue = false }
                let value = takesValue && i < args.count ? args[i] : nil
                if value != nil { i += 1 }
                if let spec, dests.contains(spec.dest) { continue }
                out.append(arg)
                if let value { out.append(value) }
                continue
            }
            // A short cluster: kept whole unless it sets a removed option.
            var chars = Array(arg.dropFirst())
            var removed = false
            var kept = false
            var value: String?
            while !chars.isEmpty {
                let c = chars.removeFirst()
                guard let spec = OptionRegistry.byShort[c] else { kept = true; continue }
                if dests.contains(spec.dest) { removed = true } else { kept = true }
                if case .bool = spec.kind { continue }
                if chars.isEmpty, i < args.count { value = args[i]; i += 1 }
                chars.removeAll()
            }
            if removed && kept {
                throw ConfigError.badValue(source: "command line", option: arg, value: arg, reason: "write the short options of this group apart")
            }
            if !removed {
                out.append(arg)
                if let value { out.append(value) }
            }
        }
        return out
    }
}

extension OptionRegistry {
    /// An option that exists on the command line, by its flag name as written.
    static func lookupCLI(_ flag: String) -> OptionSpec? {
        // oslo registers CLI flags with the declared spelling; both spellings of options
        // declared with underscores are accepted too (argparse sees `network_mode`).
        guard let spec = all.first(where: { $0.cli && !$0.positional && ($0.name == flag || $0.dest == flag) }) else {
            return nil
        }
        return spec
    }
}
