// `str.format` as Jinja's sandbox runs it: `string.Formatter.vformat` with the sandbox's
// attribute and item lookups. The format string is cut into literals and fields as
// CPython's markup iterator does (a field runs to its `}`, `[...]` in a field name may
// hold any character, a spec counts nested braces); a field's name is looked up as
// `formatter_field_name_split` splits it; every field's spec is formatted again one level
// deeper, and a third level fails; automatic and manual numbering cannot mix. Everything
// goes by code point.

/// Python's `str.format` (what the sandbox's safe formatter allows): auto and numbered
/// fields, keyword fields, `.attr`/`[key]` access through the sandboxed lookups, `!r/!s/!a`
/// conversions and the format-spec mini-language.
extension Renderer {
    func strFormat(_ format: String, _ args: Arguments) throws -> String {
        var numbering = FieldNumbering.unset
        return try vformat(Array(format.unicodeScalars), args, &numbering, depth: 2)
    }

    /// Whether the fields so far were numbered automatically (`{}`, with the next index)
    /// or by hand (`{0}`); Python refuses to mix the two, nested fields included.
    private enum FieldNumbering {
        case unset
        case automatic(next: Int)
        case manual
    }

    /// One replacement field as the markup iterator returns it.
    private struct FormatField {
        var name: [UnicodeScalar]
        var conversion: UnicodeScalar?
        var spec: [UnicodeScalar]
    }

    /// `Formatter._vformat`: literals copied (`{{` and `}}` as one brace), fields replaced.
    private func vformat(_ u: [UnicodeScalar], _ args: Arguments, _ numbering: inout FieldNumbering,
                         depth: Int) throws -> String {
        if depth < 0 { throw TemplateError(.valueError, "Max string recursion exceeded") }
        var out = String.UnicodeScalarView()
        var i = 0
        while i < u.count {
            let c = u[i]
            i += 1
            if c != "{" && c != "}" {
                out.append(c)
                continue
            }
            if i < u.count, u[i] == c {
                out.append(c)
                i += 1
                continue
            }
            if c == "}" { throw TemplateError(.valueError, "Single '}' encountered in format string") }
            if i >= u.count { throw TemplateError(.valueError, "Single '{' encountered in format string") }
            let field = try Self.parseField(u, &i)
            var value = try formatField(field.name, args, &numbering)
            value = try convertField(value, field.conversion)
            let spec = try vformat(field.spec, args, &numbering, depth: depth - 1)
            out.append(contentsOf: try formatSpec(value, spec).unicodeScalars)
        }
        return String(out)
    }

    /// CPython's `parse_field`: from just after a field's `{` through its closing `}`.
    private static func parseField(_ u: [UnicodeScalar], _ i: inout Int) throws -> FormatField {
        let nameStart = i
        var c: UnicodeScalar = "\0"
        scan: while i < u.count {
            c = u[i]
            i += 1
            switch c {
            case "{": throw TemplateError(.valueError, "unexpected '{' in field name")
            case "[":
                while i < u.count, u[i] != "]" { i += 1 }
            case "}", ":", "!": break scan
            default: break
            }
        }
        let nameEnd = c == "}" || c == ":" || c == "!" ? i - 1 : i
        var field = FormatField(name: Array(u[nameStart..<nameEnd]), conversion: nil, spec: [])
        guard c == "!" || c == ":" else {
            if c != "}" { throw TemplateError(.valueError, "expected '}' before end of string") }
            return field
        }
        if c == "!" {
            guard i < u.count else {
                throw TemplateError(.valueError, "end of string while looking for conversion specifier")
            }
            field.conversion = u[i]
            i += 1
            if i < u.count {
                let next = u[i]
                i += 1
                if next == "}" { return field }
                if next != ":" { throw TemplateError(.valueError, "expected ':' after conversion specifier") }
            }
        }
        let specStart = i
        var open = 1
        while i < u.count {
            let s = u[i]
            i += 1
            if s == "{" { open += 1 } else if s == "}" {
                open -= 1
                if open == 0 {
                    field.spec = Array(u[specStart..<(i - 1)])
                    return field
                }
            }
        }
        throw TemplateError(.valueError, "unmatched '{' in format spec")
    }

    /// `Formatter.convert_field`.
    private func convertField(_ value: Value, _ conversion: UnicodeScalar?) throws -> Value {
        switch conversion {
        case nil: return value
        case "s": return .string(try str(value))
        case "r": return .string(value.repr)
        case "a": return .string(pyAscii(value.repr))
        case let c?: throw TemplateError(.valueError, "Unknown conversion specifier \(Character(c))")
        }
    }

    /// `Formatter.get_field` after the numbering rules of `_vformat`: the first part of
    /// the name (an index or a keyword), then `.attr` and `[key]` parts through the
    /// sandbox's lookups, each part's syntax checked as it is reached.
    private func formatField(_ name: [UnicodeScalar], _ args: Arguments, _ numbering: inout FieldNumbering) throws -> Value {
        if name.isEmpty {
            let auto: Int
            switch numbering {
            case .manual:
                throw TemplateError(.valueError, "cannot switch from manual field specification to automatic field numbering")
            case .unset: auto = 0
            case .automatic(let next): auto = next
            }
            numbering = .automatic(next: auto + 1)
            guard auto < args.positional.count else { throw TemplateError(.indexError, "tuple index out of range") }
            return try formatFieldParts(args.positional[auto], name[...])
        }
        // `field_name.isdigit()`: a manual number (superscript digits included).
        if name.allSatisfy({ $0.properties.numericType == .decimal || $0.properties.numericType == .digit }) {
            if case .automatic = numbering {
                throw TemplateError(.valueError, "cannot switch from automatic field numbering to manual field specification")
            }
            numbering = .manual
        }
        let firstEnd = name.firstIndex { $0 == "." || $0 == "[" } ?? name.count
        let first = name[..<firstEnd]
        let value: Value
        if let n = try Self.formatIndex(first) {
            guard n < args.positional.count else { throw TemplateError(.indexError, "tuple index out of range") }
            value = args.positional[n]
        } else {
            let key = String(String.UnicodeScalarView(first))
            guard let v = args.keyword(key) else { throw TemplateError(.keyError, pyRepr(key)) }
            value = v
        }
        return try formatFieldParts(value, name[firstEnd...])
    }

    /// CPython's field-name iterator over `.attr` and `[key]` parts, applied to `value`.
    private func formatFieldParts(_ start: Value, _ rest: ArraySlice<UnicodeScalar>) throws -> Value {
        var value = start
        var rest = rest
        while let c = rest.first {
            rest = rest.dropFirst()
            let part: ArraySlice<UnicodeScalar>
            switch c {
            case ".":
                let end = rest.firstIndex { $0 == "." || $0 == "[" } ?? rest.endIndex
                part = rest[..<end]
                rest = rest[end...]
            case "[":
                guard let close = rest.firstIndex(of: "]") else {
                    throw TemplateError(.valueError, "Missing ']' in format string")
                }
                part = rest[..<close]
                rest = rest[(close + 1)...]
            default:
                throw TemplateError(.valueError, "Only '.' or '[' may follow ']' in format field specifier")
            }
            if part.isEmpty { throw TemplateError(.valueError, "Empty attribute in format string") }
            let text = String(String.UnicodeScalarView(part))
            if c == "." {
                value = try getattr(value, text)
            } else {
                value = try getitem(value, try Self.formatIndex(part).map { .int($0) } ?? .string(text))
            }
        }
        return value
    }

    /// CPython's `get_integer`: the value of a run of decimal digits (any script's), nil
    /// when a character is not one; too many digits fail as soon as they overflow.
    private static func formatIndex(_ s: ArraySlice<UnicodeScalar>) throws -> Int? {
        switch DecimalRun(s) {
        case .value(let n): return n
        case .notDecimal: return nil
        case .overflow: throw TemplateError(.valueError, "Too many decimal digits in format string")
        }
    }

    /// Applies a format spec `[[fill]align][sign][#][0][width][,|_][.precision][type]`.
    func formatSpec(_ value: Value, _ spec: String) throws -> String {
        if spec.isEmpty { return try str(value) }
        // By code point, as Python parses it: a fill is one code point.
        var s = Array(spec.unicodeScalars)
        var fill: UnicodeScalar = " "
        var align: UnicodeScalar?
        if s.count >= 2, "<>^=".unicodeScalars.contains(s[1]) {
            fill = s[0]
            align = s[1]
            s.removeFirst(2)
        } else if let f = s.first, "<>^=".unicodeScalars.contains(f) {
            align = f
            s.removeFirst()
        }
        var sign: UnicodeScalar = "-"
        if let f = s.first, "+- ".unicodeScalars.contains(f) {
            sign = f
            s.removeFirst()
        }
        var alternate = false
        if s.first == "#" {
            alternate = true
            s.removeFirst()
        }
        if s.first == "0" {
            if align == nil {
                fill = "0"
                align = "="
            }
            s.removeFirst()
        }
        var widthText = ""
        while let f = s.first, ("0"..."9").contains(f) {
            widthText.unicodeScalars.append(f)
            s.removeFirst()
        }
        // Python parses the width into a Py_ssize_t.
        if Int(widthText) == nil && !widthText.isEmpty {
            throw TemplateError(.valueError, "Too many decimal digits in format string")
        }
        var grouping: UnicodeScalar?
        if let f = s.first, f == "," || f == "_" {
            grouping = f
            s.removeFirst()
        }
        var precision: Int?
        if s.first == "." {
            s.removeFirst()
            var p = ""
            while let f = s.first, ("0"..."9").contains(f) {
                p.unicodeScalars.append(f)
                s.removeFirst()
            }
            // Python parses the precision into a C int.
            guard p.count <= 18, let n = Int(p), n <= Int(Int32.max) else {
                throw TemplateError(.valueError, "precision too big")
            }
            precision = p.isEmpty ? nil : n
            try SizeLimit.check(n)
        }
        let type = s.first
        if s.count > 1 { throw TemplateError(.valueError, "Invalid format specifier '\(spec)' for object of type '\(value.typeName)'") }

        var body: String
        var negative = false
        var numeric = true
        switch (value, type) {
        case (.string(let str), nil), (.string(let str), "s"):
            numeric = false
            body = precision.map { CodePoints.prefix(str, $0) } ?? str
        case (_, "s"):
            throw TemplateError(.valueError, "Unknown format code 's' for object of type '\(value.typeName)'")
        case (.int, nil), (.bool, nil), (.int, "d"), (.bool, "d"), (.int, "n"):
            let n = value.intValue!
            negative = n < 0
            body = group(String(n.magnitude), grouping)
        case (.int, "x"), (.int, "X"), (.int, "o"), (.int, "b"):
            let n = value.intValue!
            negative = n < 0
            let radix = type == "o" ? 8 : (type == "b" ? 2 : 16)
            body = String(n.magnitude, radix: radix, uppercase: type == "X")
            if alternate { body = "0" + String(type!) + body }
        case (.int, "c"):
            let n = value.intValue!
            guard n >= 0, n < 0x110000 else { throw TemplateError(.overflowError, "%c arg not in range(0x110000)") }
            // Surrogates are code points to Python; no Swift string holds one.
            body = UnicodeScalar(UInt32(n)).map { String($0) } ?? "\u{FFFD}"
            numeric = false
        case (.int, _), (.float, _), (.bool, _):
            guard let d = value.doubleValue else { fallthrough }
            negative = d < 0 || (d == 0 && d.sign == .minus)
            let t = type ?? "g"
            switch t {
            case "f", "F", "e", "E":
                body = cFormat(abs(d), conv: t, precision: precision ?? 6, alternate: alternate)
            case "%":
                body = cFormat(abs(d) * 100, conv: "f", precision: precision ?? 6) + "%"
            case "g", "G", "n":
                if type == nil && precision == nil {
                    body = pyFloatRepr(abs(d))
                } else {
                    body = cFormat(abs(d), conv: t == "G" ? "G" : "g", precision: precision ?? 6, alternate: alternate)
                }
            default:
                throw TemplateError(.valueError, "Unknown format code '\(t)' for object of type '\(value.typeName)'")
            }
            if grouping != nil, let dot = body.firstIndex(where: { !$0.isNumber }) {
                body = group(String(body[..<dot]), grouping) + body[dot...]
            } else if grouping != nil {
                body = group(body, grouping)
            }
        default:
            numeric = false
            body = try str(value)
        }
        var signText = ""
        if numeric {
            if negative { signText = "-" } else if sign == "+" { signText = "+" } else if sign == " " { signText = " " }
        }
        let width = Int(widthText) ?? 0
        let len = signText.unicodeScalars.count + body.unicodeScalars.count
        guard width > len else { return signText + body }
        let pad = try SizeLimit.repeating(Character(fill), count: width - len)
        switch align ?? (numeric ? ">" : "<") {
        case "<": return signText + body + pad
        case "^":
            let left = (width - len) / 2
            return try SizeLimit.repeating(Character(fill), count: left) + signText + body
                + SizeLimit.repeating(Character(fill), count: width - len - left)
        case "=": return signText + pad + body
        default: return pad + signText + body
        }
    }

    private func group(_ digits: String, _ sep: UnicodeScalar?) -> String {
        guard let sep else { return digits }
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.unicodeScalars.append(sep) }
            out.append(c)
        }
        return out
    }
}
