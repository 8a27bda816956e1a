/// A YAML document as the pipeline generators write it: block mappings (keys in the
/// given order), block sequences and scalars. Every scalar is written so that YAML 1.1
/// readers (PyYAML, GitLab's Ruby Psych) and YAML 1.2 readers (GitHub's, ruamel) read the
/// same string: anything that could be taken for a boolean, a number, null, a comment,
/// an anchor or a flow collection is double-quoted.
indirect enum YAMLOutput: Equatable, Sendable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case list([YAMLOutput])
    case map([YAMLEntry])
}

/// One key of a block mapping.
struct YAMLEntry: Equatable, Sendable {
    let key: String
    let value: YAMLOutput
    init(_ key: String, _ value: YAMLOutput) {
        self.key = key
        self.value = value
    }
}

extension YAMLOutput: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .int(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
}

/// Writes `YAMLOutput`s as block-style YAML, two spaces per level.
enum YAMLWriter {
    /// The document for `value` (a mapping at the top), ending in a newline; `header`
    /// lines become `#` comments before it.
    static func document(_ value: YAMLOutput, header: [String] = []) -> String {
        var out = header.map { $0.isEmpty ? "#\n" : "# \($0)\n" }.joined()
        write(value, indent: 0, into: &out)
        return out
    }

    private static func write(_ value: YAMLOutput, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        switch value {
        case .map(let entries):
            if entries.isEmpty {
                out += pad + "{}\n"
                return
            }
            for e in entries {
                out += pad + scalar(e.key) + ":"
                inline(e.value, indent: indent, into: &out)
            }
        case .list(let items):
            if items.isEmpty {
                out += pad + "[]\n"
                return
            }
            for item in items {
                out += pad + "-"
                switch item {
                case .map(let entries) where !entries.isEmpty:
                    // The first key on the dash's line, the rest aligned under it.
                    var nested = ""
                    write(item, indent: indent + 2, into: &nested)
                    out += " " + nested.dropFirst(indent + 2)
                default:
                    inline(item, indent: indent, into: &out)
                }
            }
        default:
            out += pad
            inline(value, indent: indent, into: &out)
        }
    }

    /// What follows `key:` or `-`: a scalar on the same line, or a nested block.
    private static func inline(_ value: YAMLOutput, indent: Int, into out: inout String) {
        switch value {
        case .string(let s):
            if let block = literalBlock(s, indent: indent + 2) {
                out += " " + block
            } else {
                out += " " + scalar(s) + "\n"
            }
        case .int(let i): out += " \(i)\n"
        case .bool(let b): out += b ? " true\n" : " false\n"
        case .list(let items) where items.isEmpty: out += " []\n"
        case .map(let entries) where entries.isEmpty: out += " {}\n"
        case .list, .map:
            out += "\n"
            write(value, indent: indent + 2, into: &out)
        }
    }

    /// A `|` (or `|-`) literal block for a multi-line string whose lines read back the
    /// same: no leading space on the first line, no trailing blanks, no tabs or controls.
    private static func literalBlock(_ s: String, indent: Int) -> String? {
        guard s.contains("\n") else { return nil }
        var body = Substring(s)
        let chomp: String
        if body.hasSuffix("\n") {
            body = body.dropLast()
            chomp = "|"
            if body.hasSuffix("\n") { return nil }
        } else {
            chomp = "|-"
        }
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, !first.hasPrefix(" "), !first.isEmpty else { return nil }
        for line in lines {
            if line.hasSuffix(" ") { return nil }
            if line.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == "\u{FEFF}" }) { return nil }
        }
        let pad = String(repeating: " ", count: indent)
        return chomp + "\n" + lines.map { $0.isEmpty ? "\n" : pad + $0 + "\n" }.joined()
    }

    /// A plain scalar when that reads back as the same string in YAML 1.1 and 1.2,
    /// otherwise a double-quoted one (JSON's escapes, which YAML shares).
    static func scalar(_ s: String) -> String {
        isPlainSafe(s) ? s : quoted(s)
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 || u.value == 0x7F || (0x80...0x9F).contains(u.value) || u == "\u{FEFF}"
                    || u == "\u{2028}" || u == "\u{2029}"
                {
                    out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// Words YAML 1.1 or 1.2 resolve to something other than a string.
    private static let specialWords: Set<String> = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
        ".inf", "-.inf", "+.inf", ".nan",
    ]

    private static func isPlainSafe(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, !s.hasSuffix(" ") else { return false }
        if specialWords.contains(s.lowercased()) { return false }
        // Numbers in any YAML 1.1 spelling (0x1F, 1_000, 1:20, 0o7, 1e3, .5, 012) and dates.
        if let d = first.properties.numericType, d == .decimal { return false }
        if "+-.".unicodeScalars.contains(first), s.unicodeScalars.dropFirst().first.map({ $0.properties.numericType == .decimal || $0 == "." }) ?? true {
            return false
        }
        // Letters, digits and the punctuation that is never an indicator where it stands.
        let allowedFirst = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_/.".unicodeScalars)
        guard allowedFirst.contains(first) else { return false }
        let allowed = allowedFirst.union(Set("0123456789-+ ()=,;".unicodeScalars))
        return s.unicodeScalars.allSatisfy { allowed.contains($0) } && !s.contains("  ")
    }
}
