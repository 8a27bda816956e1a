/// A typed option value, as oslo.config types them.
enum OptionValue: Equatable, Sendable {
    case string(String)
    case bool(Bool)
    case int(Int)
    case list([String])
    /// `k:v,k2:v2`, order kept.
    case dict([KeyValue])
    /// No value (oslo's `None`).
    case none

    struct KeyValue: Equatable, Sendable {
        let key: String
        let value: String
    }

    /// oslo.config's rendering in a sample config file.
    var sampleText: String {
        switch self {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .list(let l): return l.joined(separator: ",")
        case .dict(let d): return d.map { "\($0.key):\($0.value)" }.joined(separator: ",")
        case .none: return "<None>"
        }
    }
}

/// One option of kolla-build (or a kolla-oci addition): the single declaration that
/// drives the command line, config files, `--help`, the sample config and the docs.
struct OptionSpec: Sendable {
    enum Kind: Sendable, Equatable {
        case string
        case bool
        case int(min: Int?)
        case list
        case dict
        /// Repeatable string option (oslo `MultiStrOpt`).
        case multi
    }

    /// Name as kolla declares it (`base-tag`, `network_mode`); the CLI flag is `--name`.
    let name: String
    let short: Character?
    let kind: Kind
    let defaultValue: OptionValue
    let choices: [String]?
    let help: String
    /// Help section in `--help` and the docs.
    let group: String
    /// On the command line (kolla's CLI opts) or config-file only (kolla's base opts).
    let cli: Bool
    /// The positional `regex` argument.
    let positional: Bool
    /// What the option does without a container engine, when that differs from kolla.
    let daemonless: String?

    init(
        _ name: String, short: Character? = nil, _ kind: Kind, default value: OptionValue = .none,
        choices: [String]? = nil, group: String, cli: Bool = true, positional: Bool = false,
        daemonless: String? = nil, help: String
    ) {
        self.name = name
        self.short = short
        self.kind = kind
        self.defaultValue = value
        self.choices = choices
        self.help = help
        self.group = group
        self.cli = cli
        self.positional = positional
        self.daemonless = daemonless
    }

    /// The config-file key and lookup key: dashes become underscores.
    var dest: String { name.replacingOccurrences(of: "-", with: "_") }

    var isMulti: Bool { kind == .multi }

    /// Parses a textual value (CLI argument or config-file value) as oslo.config does.
    func parse(_ text: String, source: String) throws -> OptionValue {
        func bad(_ reason: String) -> ConfigError {
            .badValue(source: source, option: name, value: text, reason: reason)
        }
        switch kind {
        case .string, .multi:
            if let choices, !choices.contains(text) {
                throw bad("must be one of \(choices.joined(separator: ", "))")
            }
            return .string(text)
        case .bool:
            switch text.lowercased() {
            case "true", "yes", "on", "1": return .bool(true)
            case "false", "no", "off", "0": return .bool(false)
            default: throw bad("expected a boolean (true/false, yes/no, on/off, 1/0)")
            }
        case .int(let min):
            guard let i = Int(text.trimmingCharacters(in: .whitespaces)) else { throw bad("expected an integer") }
            if let min, i < min { throw bad("should be greater than or equal to \(min)") }
            return .int(i)
        case .list:
            let t = text.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { return .list([]) }
            return .list(t.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) })
        case .dict:
            let t = text.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { return .dict([]) }
            var pairs: [OptionValue.KeyValue] = []
            for item in t.split(separator: ",") {
                guard let colon = item.firstIndex(of: ":") else { throw bad("expected key:value pairs") }
                pairs.append(
                    .init(
                        key: item[..<colon].trimmingCharacters(in: .whitespaces),
                        value: item[item.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            return .dict(pairs)
        }
    }
}

import Foundation
