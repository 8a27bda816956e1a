/// Parses a subcommand's arguments: `--flag VALUE`, `--flag=VALUE`, boolean `--flag`,
/// short aliases (`-f`, `-t`), repeatable flags, and positionals (everything after the
/// first positional when `stopAtPositional`, as `kolla-oci run REF CMD...` needs).
struct ArgumentScanner {
    /// A flag: its names, whether it takes a value.
    struct Flag {
        let names: [String]
        let takesValue: Bool
        init(_ names: String..., value: Bool = true) {
            self.names = names
            self.takesValue = value
        }
    }

    private(set) var values: [String: [String]] = [:]
    private(set) var positionals: [String] = []

    init(_ arguments: [String], flags: [Flag], stopAtPositional: Bool = false) throws {
        var i = 0
        while i < arguments.count {
            let arg = arguments[i]
            i += 1
            if arg == "--" {
                positionals += arguments[i...]
                break
            }
            guard arg.hasPrefix("-"), arg != "-" else {
                positionals.append(arg)
                if stopAtPositional {
                    positionals += arguments[i...]
                    break
                }
                continue
            }
            var name = arg
            var inline: String?
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                name = String(arg[..<eq])
                inline = String(arg[arg.index(after: eq)...])
            }
            guard let flag = flags.first(where: { $0.names.contains(name) }) else {
                if name == "-h" || name == "--help" { throw UsageError(nil) }
                throw UsageError("unknown option \(arg)")
            }
            let key = flag.names[0]
            if flag.takesValue {
                if let inline {
                    values[key, default: []].append(inline)
                } else {
                    guard i < arguments.count else { throw UsageError("\(name) needs a value") }
                    values[key, default: []].append(arguments[i])
                    i += 1
                }
            } else {
                guard inline == nil else { throw UsageError("\(name) takes no value") }
                values[key, default: []].append("true")
            }
        }
    }

    /// The last value of a flag.
    func value(_ name: String) -> String? { values[name]?.last }

    /// All values of a repeatable flag.
    func all(_ name: String) -> [String] { values[name] ?? [] }

    /// Whether a boolean flag was given.
    func isSet(_ name: String) -> Bool { values[name] != nil }
}
