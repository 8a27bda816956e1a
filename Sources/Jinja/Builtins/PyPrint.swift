/// Python's `pprint.pformat(value)` (width 80, indent 1, dict keys sorted), as Jinja's
/// `pprint` filter uses it: `PrettyPrinter._safe_repr`, `_format` and the dict, list,
/// tuple and str printers of Python 3.11.
struct PrettyPrinter {
    private let width = 80
    /// Lists, tuples and dicts being printed (Python's `context`, for recursion).
    private var active = Set<ObjectIdentifier>()
    /// Nesting of `repr`, bounded like `Value.repr`.
    private var depth = 0

    static func format(_ v: Value) -> String {
        var p = PrettyPrinter()
        var out = ""
        p.format(v, &out, indent: 0, allowance: 0, level: 0)
        return out
    }

    // MARK: - _safe_repr

    /// Python's repr with dict items sorted, `[...]` style recursion markers.
    mutating func repr(_ v: Value) -> String {
        if depth > Value.maxNesting { return "..." }
        depth += 1
        defer { depth -= 1 }
        switch v {
        case .list(let l):
            if l.items.isEmpty { return "[]" }
            return container(ObjectIdentifier(l), "list") { p in
                "[" + l.items.map { p.repr($0) }.joined(separator: ", ") + "]"
            }
        case .tuple(let t): return tupleRepr(t)
        case .object(let g as GroupTuple): return tupleRepr(g.asTuple)
        case .dict(let d):
            if d.count == 0 { return "{}" }
            return container(ObjectIdentifier(d), "dict") { p in
                "{" + PrettyPrinter.sortedItems(d).map { "\(p.repr($0.0)): \(p.repr($0.1))" }.joined(separator: ", ") + "}"
            }
        default:
            return v.repr
        }
    }

    private mutating func tupleRepr(_ t: [Value]) -> String {
        if t.isEmpty { return "()" }
        let items = t.map { repr($0) }
        return t.count == 1 ? "(\(items[0]),)" : "(" + items.joined(separator: ", ") + ")"
    }

    private mutating func container(_ id: ObjectIdentifier, _ type: String, _ body: (inout PrettyPrinter) -> String)
        -> String
    {
        if active.contains(id) { return "<Recursion on \(type) with id=\(UInt(bitPattern: id.hashValue))>" }
        active.insert(id)
        defer { active.remove(id) }
        return body(&self)
    }

    /// `sorted(d.items(), key=_safe_tuple)`: by key, unorderable types by type name.
    static func sortedItems(_ d: DictBox) -> [(Value, Value)] {
        Array(d.pairs).enumerated().sorted { a, b in
            let (x, y) = (a.element.0, b.element.0)
            if let c = pyCompare(x, y), c != 0 { return c < 0 }
            if pyCompare(x, y) == nil {
                let (tx, ty) = ("<class '\(x.typeName)'>", "<class '\(y.typeName)'>")
                if tx != ty { return tx < ty }
            }
            return a.offset < b.offset
        }.map(\.element)
    }

    // MARK: - _format

    private mutating func format(_ v: Value, _ out: inout String, indent: Int, allowance: Int, level: Int) {
        let rep = repr(v)
        let maxWidth = width - indent - allowance
        guard rep.unicodeScalars.count > maxWidth else {
            out += rep
            return
        }
        switch v {
        case .dict(let d) where !active.contains(ObjectIdentifier(d)):
            active.insert(ObjectIdentifier(d))
            out += "{"
            if d.count > 0 {
                formatDictItems(PrettyPrinter.sortedItems(d), &out, indent: indent, allowance: allowance + 1, level: level + 1)
            }
            out += "}"
            active.remove(ObjectIdentifier(d))
        case .list(let l) where !active.contains(ObjectIdentifier(l)):
            active.insert(ObjectIdentifier(l))
            out += "["
            formatItems(l.items, &out, indent: indent, allowance: allowance + 1, level: level + 1)
            out += "]"
            active.remove(ObjectIdentifier(l))
        case .tuple(let t):
            formatTuple(t, &out, indent: indent, allowance: allowance, level: level)
        case .object(let g as GroupTuple):
            formatTuple(g.asTuple, &out, indent: indent, allowance: allowance, level: level)
        case .string(let s):
            formatString(s, &out, indent: indent, allowance: allowance, level: level + 1)
        default:
            out += rep
        }
    }

    private mutating func formatTuple(_ t: [Value], _ out: inout String, indent: Int, allowance: Int, level: Int) {
        let end = t.count == 1 ? ",)" : ")"
        out += "("
        formatItems(t, &out, indent: indent, allowance: allowance + end.count, level: level + 1)
        out += end
    }

    private mutating func formatDictItems(
        _ items: [(Value, Value)], _ out: inout String, indent: Int, allowance: Int, level: Int
    ) {
        let indent = indent + 1
        let delimiter = ",\n" + String(repeating: " ", count: indent)
        for (i, (key, value)) in items.enumerated() {
            let last = i == items.count - 1
            let rep = repr(key)
            out += rep + ": "
            format(value, &out, indent: indent + rep.unicodeScalars.count + 2, allowance: last ? allowance : 1, level: level)
            if !last { out += delimiter }
        }
    }

    private mutating func formatItems(_ items: [Value], _ out: inout String, indent: Int, allowance: Int, level: Int) {
        let indent = indent + 1
        let delimiter = ",\n" + String(repeating: " ", count: indent)
        for (i, item) in items.enumerated() {
            if i > 0 { out += delimiter }
            format(item, &out, indent: indent, allowance: i == items.count - 1 ? allowance : 1, level: level)
        }
    }

    /// `_pprint_str`: a long string as adjacent literals, split after whitespace.
    private func formatString(_ s: String, _ out: inout String, indent: Int, allowance: Int, level: Int) {
        if s.isEmpty {
            out += pyRepr(s)
            return
        }
        var indent = indent
        var allowance = allowance
        if level == 1 {
            indent += 1
            allowance += 1
        }
        let lines = pySplitLines(s, keepEnds: true)
        let maxWidth = width - indent
        var maxWidth1 = maxWidth
        var chunks: [String] = []
        for (i, line) in lines.enumerated() {
            let rep = pyRepr(line)
            if i == lines.count - 1 { maxWidth1 -= allowance }
            if rep.unicodeScalars.count <= maxWidth1 {
                chunks.append(rep)
                continue
            }
            // re.findall(r'\S*\s*', line), without the final empty match.
            var parts: [String] = []
            var part = String.UnicodeScalarView()
            var inSpace = false
            for u in line.unicodeScalars {
                let space = isPyWhitespace(u)
                if !space && inSpace {
                    parts.append(String(part))
                    part = String.UnicodeScalarView()
                }
                inSpace = space
                part.append(u)
            }
            if !part.isEmpty { parts.append(String(part)) }
            var maxWidth2 = maxWidth
            var current = ""
            for (j, p) in parts.enumerated() {
                let candidate = current + p
                if j == parts.count - 1 && i == lines.count - 1 { maxWidth2 -= allowance }
                if pyRepr(candidate).unicodeScalars.count > maxWidth2 {
                    if !current.isEmpty { chunks.append(pyRepr(current)) }
                    current = p
                } else {
                    current = candidate
                }
            }
            if !current.isEmpty { chunks.append(pyRepr(current)) }
        }
        if chunks.count == 1 {
            out += chunks[0]
            return
        }
        if level == 1 { out += "(" }
        out += chunks.joined(separator: "\n" + String(repeating: " ", count: indent))
        if level == 1 { out += ")" }
    }
}
