/// A YAML subset reader for Kolla's data files (`repos.yaml`, `sources.yaml`, and the
/// `--repos-yaml` overrides users write): block mappings and sequences by indentation,
/// plain, single- and double-quoted scalars, `|`/`>` block scalars, `[]`/`{}` empty flow
/// collections, comments and `---`. Values keep document order.
indirect enum YAMLNode: Equatable, Sendable {
    case scalar(String, quoted: Bool)
    case sequence([YAMLNode])
    case mapping([(String, YAMLNode)])
    case null

    static func == (a: YAMLNode, b: YAMLNode) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.scalar(x, q1), .scalar(y, q2)): return x == y && q1 == q2
        case let (.sequence(x), .sequence(y)): return x == y
        case let (.mapping(x), .mapping(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The value for `key` of a mapping.
    subscript(key: String) -> YAMLNode? {
        guard case .mapping(let pairs) = self else { return nil }
        return pairs.last { $0.0 == key }?.1
    }

    /// The scalar text (nil for collections and null).
    var string: String? {
        if case .scalar(let s, _) = self { return s }
        return nil
    }

    /// YAML 1.1 truth as PyYAML reads it (`true`, `True`, `yes`, `on` ...).
    var bool: Bool? {
        guard case .scalar(let s, let quoted) = self, !quoted else { return nil }
        switch s.lowercased() {
        case "true", "yes", "on", "y": return true
        case "false", "no", "off", "n": return false
        default: return nil
        }
    }

    var pairs: [(String, YAMLNode)] {
        if case .mapping(let p) = self { return p }
        return []
    }

    var items: [YAMLNode] {
        if case .sequence(let s) = self { return s }
        return []
    }
}

/// A YAML syntax error with its line.
struct YAMLError: Error, CustomStringConvertible {
    let message: String
    let line: Int
    var description: String { "line \(line): \(message)" }
}

struct YAMLParser {
    private struct Line {
        let number: Int
        let indent: Int
        let text: String  // without indentation and trailing comment
        let raw: Substring
    }

    private var lines: [Line] = []
    private var i = 0

    /// Parses a document.
    static func parse(_ text: String) throws -> YAMLNode {
        var p = YAMLParser()
        let rawLines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (n, raw) in rawLines.enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            let indent = line.prefix { $0 == " " }.count
            let body = line.dropFirst(indent)
            if body.hasPrefix("\t") { throw YAMLError(message: "tabs are not allowed for indentation", line: n + 1) }
            p.lines.append(Line(number: n + 1, indent: indent, text: stripComment(String(body)), raw: line))
        }
        p.skipBlank()
        if p.i < p.lines.count, p.lines[p.i].text == "---" {
            p.i += 1
            p.skipBlank()
        }
        guard p.i < p.lines.count else { return .null }
        if p.lines[p.i].text == "{}" || p.lines[p.i].text == "[]" {
            let node: YAMLNode = p.lines[p.i].text == "{}" ? .mapping([]) : .sequence([])
            p.i += 1
            p.skipBlank()
            if p.i < p.lines.count { throw YAMLError(message: "unexpected content", line: p.lines[p.i].number) }
            return node
        }
        let node = try p.block(indent: p.lines[p.i].indent)
        p.skipBlank()
        if p.i < p.lines.count, p.lines[p.i].text != "..." {
            throw YAMLError(message: "unexpected content", line: p.lines[p.i].number)
        }
        return node
    }

    private mutating func skipBlank() {
        while i < lines.count, lines[i].text.isEmpty { i += 1 }
    }

    /// Removes a `#` comment that is not inside quotes.
    private static func stripComment(_ s: String) -> String {
        var inSingle = false
        var inDouble = false
        var prev: Character = " "
        for (idx, c) in s.enumerated() {
            if c == "'" && !inDouble { inSingle.toggle() }
            if c == "\"" && !inSingle && prev != "\\" { inDouble.toggle() }
            if c == "#" && !inSingle && !inDouble && (prev == " " || idx == 0) {
                return String(s.prefix(idx)).trimmingTrailingSpaces()
            }
            prev = c
        }
        return s.trimmingTrailingSpaces()
    }

    private mutating func block(indent: Int) throws -> YAMLNode {
        skipBlank()
        guard i < lines.count else { return .null }
        if lines[i].text.hasPrefix("- ") || lines[i].text == "-" { return try sequence(indent: indent) }
        return try mapping(indent: indent)
    }

    private mutating func sequence(indent: Int) throws -> YAMLNode {
        var items: [YAMLNode] = []
        while true {
            skipBlank()
            guard i < lines.count, lines[i].indent == indent, lines[i].text.hasPrefix("-") else { break }
            let line = lines[i]
            let rest = String(line.text.dropFirst()).trimmingLeadingSpaces()
            if rest.isEmpty {
                i += 1
                skipBlank()
                if i < lines.count, lines[i].indent > indent {
                    items.append(try block(indent: lines[i].indent))
                } else {
                    items.append(.null)
                }
            } else if let colon = keyColon(rest), !rest.hasPrefix("\""), !rest.hasPrefix("'") {
                // "- key: value" starts a mapping indented at the dash + 2.
                let innerIndent = indent + (line.text.count - rest.count)
                lines[i] = Line(number: line.number, indent: innerIndent, text: rest, raw: line.raw)
                _ = colon
                items.append(try mapping(indent: innerIndent))
            } else {
                i += 1
                items.append(try scalar(rest, line: line.number, parentIndent: indent))
            }
        }
        return .sequence(items)
    }

    /// The index of the `: ` (or final `:`) separating a mapping key, if any.
    private func keyColon(_ s: String) -> String.Index? {
        var inSingle = false
        var inDouble = false
        var idx = s.startIndex
        while idx < s.endIndex {
            let c = s[idx]
            if c == "'" && !inDouble { inSingle.toggle() }
            if c == "\"" && !inSingle { inDouble.toggle() }
            if c == ":" && !inSingle && !inDouble {
                let next = s.index(after: idx)
                if next == s.endIndex || s[next] == " " { return idx }
            }
            idx = s.index(after: idx)
        }
        return nil
    }

    private mutating func mapping(indent: Int) throws -> YAMLNode {
        var pairs: [(String, YAMLNode)] = []
        while true {
            skipBlank()
            guard i < lines.count, lines[i].indent == indent else { break }
            let line = lines[i]
            if line.text.hasPrefix("- ") { break }
            guard let colon = keyColon(line.text) else {
                throw YAMLError(message: "expected 'key: value'", line: line.number)
            }
            var key = String(line.text[..<colon]).trimmingTrailingSpaces()
            if key.hasPrefix("\"") || key.hasPrefix("'") {
                key = try unquote(key, line: line.number)
            }
            let rest = String(line.text[line.text.index(after: colon)...]).trimmingLeadingSpaces()
            i += 1
            if rest.isEmpty {
                skipBlank()
                if i < lines.count, lines[i].indent > indent {
                    pairs.append((key, try block(indent: lines[i].indent)))
                } else if i < lines.count, lines[i].indent == indent, lines[i].text.hasPrefix("- ") {
                    pairs.append((key, try sequence(indent: indent)))
                } else {
                    pairs.append((key, .null))
                }
            } else {
                pairs.append((key, try scalar(rest, line: line.number, parentIndent: indent)))
            }
        }
        if i < lines.count, lines[i].indent > indent, !lines[i].text.isEmpty {
            throw YAMLError(message: "bad indentation", line: lines[i].number)
        }
        return .mapping(pairs)
    }

    private mutating func scalar(_ text: String, line: Int, parentIndent: Int) throws -> YAMLNode {
        if text == "|" || text == ">" || text.hasPrefix("|") || text.hasPrefix(">") {
            return .scalar(blockScalar(folded: text.hasPrefix(">"), chomp: text.dropFirst().first), quoted: true)
        }
        if text == "[]" { return .sequence([]) }
        if text == "{}" { return .mapping([]) }
        if text.hasPrefix("[") && text.hasSuffix("]") {
            let inner = text.dropFirst().dropLast()
            return .sequence(
                try inner.split(separator: ",").map { try scalar(String($0).trimmingLeadingSpaces().trimmingTrailingSpaces(), line: line, parentIndent: parentIndent) })
        }
        if text.hasPrefix("\"") || text.hasPrefix("'") { return .scalar(try unquote(text, line: line), quoted: true) }
        if text == "~" || text == "null" || text == "Null" || text == "NULL" { return .null }
        return .scalar(text, quoted: false)
    }

    private mutating func blockScalar(folded: Bool, chomp: Character?) -> String {
        var body: [Substring] = []
        var blockIndent: Int?
        while i < lines.count {
            let l = lines[i]
            let isBlank = l.raw.allSatisfy { $0 == " " }
            if !isBlank {
                if blockIndent == nil { blockIndent = l.indent }
                if l.indent < blockIndent! { break }
            }
            body.append(isBlank ? "" : l.raw.dropFirst(blockIndent ?? 0))
            i += 1
        }
        while let last = body.last, last.isEmpty { body.removeLast() }
        let text = folded ? body.joined(separator: " ") : body.joined(separator: "\n")
        return chomp == "-" ? text : text + "\n"
    }

    private func unquote(_ s: String, line: Int) throws -> String {
        guard let q = s.first, s.count >= 2, s.last == q else {
            throw YAMLError(message: "unterminated quoted scalar", line: line)
        }
        let body = String(s.dropFirst().dropLast())
        if q == "'" { return body.replacingOccurrences(of: "''", with: "'") }
        var out = ""
        var it = body.makeIterator()
        while let c = it.next() {
            guard c == "\\", let e = it.next() else {
                out.append(c)
                continue
            }
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "\"": out.append("\"")
            case "\\": out.append("\\")
            case "/": out.append("/")
            default:
                out.append("\\")
                out.append(e)
            }
        }
        return out
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }

    func trimmingLeadingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" })
    }
}
