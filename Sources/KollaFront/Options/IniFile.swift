import Foundation

/// One `key = value` of a config file, with where it came from.
struct IniEntry: Sendable {
    let key: String
    let value: String
    let file: String
    let line: Int
}

/// An oslo.config-style INI file: `[section]` headers, `key = value` or `key: value`,
/// `#`/`;` comment lines, indented continuation lines, optional surrounding quotes.
/// Keys are kept per section in file order; a repeated key keeps every value (multi
/// options use them all, other options the last).
struct IniFile: Sendable {
    let path: String
    private(set) var sections: [(name: String, entries: [IniEntry])] = []

    /// Reads and parses `path`; errors name the file and line.
    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError.unreadable(path)
        }
        try self.init(path: path, text: String(decoding: data, as: UTF8.self))
    }

    init(path: String, text: String) throws {
        self.path = path
        var current: Int?
        var lastKey: (section: Int, entry: Int)?
        for (n, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            let lineNo = n + 1
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") {
                if trimmed.isEmpty { lastKey = nil }
                continue
            }
            if let first = line.first, first == " " || first == "\t", let (s, e) = lastKey {
                // Continuation of the previous value.
                let old = sections[s].entries[e]
                sections[s].entries[e] = IniEntry(
                    key: old.key, value: old.value + "\n" + trimmed, file: path, line: old.line)
                continue
            }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]"), trimmed.count > 2 else {
                    throw ConfigError.syntax(path, lineNo, "invalid section header \(trimmed)")
                }
                let name = String(trimmed.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                if let idx = sections.firstIndex(where: { $0.name == name }) {
                    current = idx
                } else {
                    sections.append((name, []))
                    current = sections.count - 1
                }
                lastKey = nil
                continue
            }
            guard let sep = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw ConfigError.syntax(path, lineNo, "expected 'key = value', got '\(trimmed)'")
            }
            guard let section = current else {
                throw ConfigError.syntax(path, lineNo, "'\(trimmed)' comes before any [section] header")
            }
            let key = trimmed[..<sep].trimmingCharacters(in: .whitespaces)
            var value = trimmed[trimmed.index(after: sep)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q {
                value = String(value.dropFirst().dropLast())
            }
            guard !key.isEmpty else { throw ConfigError.syntax(path, lineNo, "empty key") }
            sections[section].entries.append(IniEntry(key: key, value: value, file: path, line: lineNo))
            lastKey = (section, sections[section].entries.count - 1)
        }
    }

    /// The entries of `section` (empty when absent).
    func entries(_ section: String) -> [IniEntry] {
        sections.first { $0.name == section }?.entries ?? []
    }
}
