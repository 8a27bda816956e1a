/// Python's `str.format` (what the sandbox's safe formatter allows): auto and numbered
/// fields, keyword fields, `.attr`/`[key]` access through the sandboxed lookups, `!r/!s`
/// conversions and the format-spec mini-language.
extension Renderer {
    func strFormat(_ format: String, _ args: Arguments) throws -> String {
        let chars = Array(format.unicodeScalars)
        var out = String.UnicodeScalarView()
        var auto = 0
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "}" {
                guard i + 1 < chars.count, chars[i + 1] == "}" else {
                    throw TemplateError(.valueError, "Single '}' encountered in format string")
                }
                out.append("}")
                i += 2
                continue
            }
            if c != "{" {
                out.append(c)
                i += 1
                continue
            }
            if i + 1 < chars.count, chars[i + 1] == "{" {
                out.append("{")
                i += 2
                continue
            }
            // A replacement field up to the matching '}'.
            var depth = 1
            var j = i + 1
            while j < chars.count {
                if chars[j] == "{" { depth += 1 }
                if chars[j] == "}" {
                    depth -= 1
                    if depth == 0 { break }
                }
                j += 1
            }
            guard j < chars.count else { throw TemplateError(.valueError, "Single '{' encountered in format string") }
            let field = String(String.UnicodeScalarView(chars[(i + 1)..<j]))
            i = j + 1
            var name = field
            var spec = ""
            var conversion: Character?
            if let colon = field.firstIndex(of: ":") {
                name = String(field[..<colon])
                spec = String(field[field.index(after: colon)...])
            }
            if let bang = name.firstIndex(of: "!") {
                conversion = name[name.index(after: bang)...].first
                name = String(name[..<bang])
            }
            // Nested fields in the spec (`{:{width}}`).
            if spec.contains("{") { spec = try strFormat(spec, args) }
            var value = try formatField(name, args, &auto)
            if conversion == "r" || conversion == "a" { value = .string(value.repr) } else if conversion == "s" {
                value = .string(try str(value))
            }
            out.append(contentsOf: try formatSpec(value, spec).unicodeScalars)
        }
        return String(out)
    }

    private func formatField(_ name: String, _ args: Arguments, _ auto: inout Int) throws -> Value {
        var rest = Substring(name)
        let head = rest.prefix { $0 != "." && $0 != "[" }
        rest = rest.dropFirst(head.count)
        var value: Value
        if head.isEmpty {
            guard auto < args.positional.count else {
                throw TemplateError(.indexError, "tuple index out of range")
            }
            value = args.positional[auto]
            auto += 1
        } else if let n = try formatIndex(head) {
            guard n < args.positional.count else {
                throw TemplateError(.indexError, "tuple index out of range")
            }
            value = args.positional[n]
        } else {
            guard let v = args.keyword(String(head)) else { throw TemplateError(.keyError, pyRepr(String(head))) }
            value = v
        }
        while let f = rest.first {
            if f == "." {
                rest = rest.dropFirst()
                let attr = rest.prefix { $0 != "." && $0 != "[" }
                rest = rest.dropFirst(attr.count)
                value = try getattr(value, String(attr))
            } else {
                rest = rest.dropFirst()
                let key = rest.prefix { $0 != "]" }
                rest = rest.dropFirst(key.count + 1)
                value = try getitem(value, try formatIndex(key).map { .int($0) } ?? .string(String(key)))
            }
        }
        return value
    }

    /// Applies a format spec `[[fill]align][sign][#][0][width][,|_][.precision][type]`.
    func formatSpec(_ value: Value, _ spec: String) throws -> String {
        if spec.isEmpty { return try str(value) }
        var s = Array(spec)
        var fill: Character = " "
        var align: Character?
        if s.count >= 2, "<>^=".contains(s[1]) {
            fill = s[0]
            align = s[1]
            s.removeFirst(2)
        } else if let f = s.first, "<>^=".contains(f) {
            align = f
            s.removeFirst()
        }
        var sign: Character = "-"
        if let f = s.first, "+- ".contains(f) {
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
        while let f = s.first, f.isASCII, f.isNumber {
            widthText.append(f)
            s.removeFirst()
        }
        // Python parses the width into a Py_ssize_t.
        if Int(widthText) == nil && !widthText.isEmpty {
            throw TemplateError(.valueError, "Too many decimal digits in format string")
        }
        var grouping: Character?
        if let f = s.first, f == "," || f == "_" {
            grouping = f
            s.removeFirst()
        }
        var precision: Int?
        if s.first == "." {
            s.removeFirst()
            var p = ""
            while let f = s.first, f.isASCII, f.isNumber {
                p.append(f)
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
            body = precision.map { String(str.prefix($0)) } ?? str
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
                body = cFormat(abs(d), conv: t.unicodeScalars.first!, precision: precision ?? 6, alternate: alternate)
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
        let len = signText.count + body.count
        guard width > len else { return signText + body }
        let pad = try SizeLimit.repeating(fill, count: width - len)
        switch align ?? (numeric ? ">" : "<") {
        case "<": return signText + body + pad
        case "^":
            let left = (width - len) / 2
            return try SizeLimit.repeating(fill, count: left) + signText + body
                + SizeLimit.repeating(fill, count: width - len - left)
        case "=": return signText + pad + body
        default: return pad + signText + body
        }
    }

    /// A field name or `[key]` that is all ASCII digits is an index (`{0}`, `{0[1]}`);
    /// anything else (`-1`, `+1`) is a name. Python parses the index into a Py_ssize_t.
    private func formatIndex(_ s: Substring) throws -> Int? {
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        guard let n = Int(s) else { throw TemplateError(.valueError, "Too many decimal digits in format string") }
        return n
    }

    private func group(_ digits: String, _ sep: Character?) -> String {
        guard let sep else { return digits }
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(sep) }
            out.append(c)
        }
        return out
    }
}
