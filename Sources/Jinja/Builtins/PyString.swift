import Foundation

/// Python's `str.isspace` for one code point.
func isPyWhitespace(_ u: UnicodeScalar) -> Bool {
    switch u.value {
    case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
        return true
    default:
        return false
    }
}

/// Python's `str.title()`: a cased character after an uncased one starts a word.
func pyTitle(_ s: String) -> String {
    var out = ""
    var prevCased = false
    for c in s {
        if c.isCased {
            out += prevCased ? c.lowercased() : c.uppercased()
            prevCased = true
        } else {
            out.append(c)
            prevCased = false
        }
    }
    return out
}

/// Python's `str.capitalize()`: first character upper, the rest lower.
func pyCapitalize(_ s: String) -> String {
    guard let f = s.first else { return s }
    return f.uppercased() + s.dropFirst().lowercased()
}

/// Python's `strip`/`lstrip`/`rstrip` (whitespace, or the given characters).
func pyStrip(_ s: String, chars: String?, left: Bool, right: Bool) -> String {
    let scalars = Array(s.unicodeScalars)
    let set = chars.map { Set($0.unicodeScalars) }
    func strip(_ u: UnicodeScalar) -> Bool { set.map { $0.contains(u) } ?? isPyWhitespace(u) }
    var a = 0
    var b = scalars.count
    if left { while a < b, strip(scalars[a]) { a += 1 } }
    if right { while b > a, strip(scalars[b - 1]) { b -= 1 } }
    return String(String.UnicodeScalarView(scalars[a..<b]))
}

/// Python's `str.replace(old, new, count)` (count < 0: all).
func pyReplace(_ s: String, _ old: String, _ new: String, count: Int) -> String {
    if count == 0 { return s }
    let hay = Array(s.unicodeScalars)
    let needle = Array(old.unicodeScalars)
    var out = String.UnicodeScalarView()
    var done = 0
    if needle.isEmpty {
        // Python inserts `new` between every character and at both ends.
        for u in hay {
            if count < 0 || done < count {
                out.append(contentsOf: new.unicodeScalars)
                done += 1
            }
            out.append(u)
        }
        if count < 0 || done < count { out.append(contentsOf: new.unicodeScalars) }
        return String(out)
    }
    var i = 0
    while i < hay.count {
        if (count < 0 || done < count), i + needle.count <= hay.count, hay[i] == needle[0],
            Array(hay[i..<(i + needle.count)]) == needle
        {
            out.append(contentsOf: new.unicodeScalars)
            i += needle.count
            done += 1
        } else {
            out.append(hay[i])
            i += 1
        }
    }
    return String(out)
}

/// Python's `str.split(sep, maxsplit)`.
func pySplit(_ s: String, sep: String?, maxsplit: Int) -> [String] {
    let hay = Array(s.unicodeScalars)
    func str(_ a: Int, _ b: Int) -> String { String(String.UnicodeScalarView(hay[a..<b])) }
    var out: [String] = []
    if let sep {
        let needle = Array(sep.unicodeScalars)
        var start = 0
        var i = 0
        while i + needle.count <= hay.count {
            if (maxsplit < 0 || out.count < maxsplit), Array(hay[i..<(i + needle.count)]) == needle {
                out.append(str(start, i))
                i += needle.count
                start = i
            } else {
                i += 1
            }
        }
        out.append(str(start, hay.count))
        return out
    }
    var i = 0
    while i < hay.count {
        while i < hay.count, isPyWhitespace(hay[i]) { i += 1 }
        if i >= hay.count { break }
        if maxsplit >= 0 && out.count >= maxsplit {
            var end = hay.count
            while end > i, isPyWhitespace(hay[end - 1]) { end -= 1 }
            out.append(str(i, end))
            break
        }
        let a = i
        while i < hay.count, !isPyWhitespace(hay[i]) { i += 1 }
        out.append(str(a, i))
    }
    return out
}

/// Python's `str.rsplit(sep, maxsplit)`.
func pyRSplit(_ s: String, sep: String?, maxsplit: Int) -> [String] {
    if maxsplit < 0 { return pySplit(s, sep: sep, maxsplit: -1) }
    // Split from the right by reversing text and separator.
    let rev = String(String.UnicodeScalarView(s.unicodeScalars.reversed()))
    let rsep = sep.map { String(String.UnicodeScalarView($0.unicodeScalars.reversed())) }
    return pySplit(rev, sep: rsep, maxsplit: maxsplit).reversed().map {
        String(String.UnicodeScalarView($0.unicodeScalars.reversed()))
    }
}

/// Python's `str.splitlines(keepends)`.
func pySplitLines(_ s: String, keepEnds: Bool) -> [String] {
    let hay = Array(s.unicodeScalars)
    var out: [String] = []
    var start = 0
    var i = 0
    func isBreak(_ u: UnicodeScalar) -> Bool {
        switch u.value {
        case 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }
    while i < hay.count {
        if isBreak(hay[i]) {
            var end = i + 1
            if hay[i] == "\r", end < hay.count, hay[end] == "\n" { end += 1 }
            out.append(String(String.UnicodeScalarView(hay[start..<(keepEnds ? end : i)])))
            start = end
            i = end
        } else {
            i += 1
        }
    }
    if start < hay.count { out.append(String(String.UnicodeScalarView(hay[start...]))) }
    return out
}

/// Python's `center`/`ljust`/`rjust` by code points.
func pyPad(_ s: String, width: Int, fill: String, align: String) -> String {
    let n = s.unicodeScalars.count
    let marg = width - n
    guard marg > 0 else { return s }
    func pad(_ k: Int) -> String { String(repeating: fill, count: k) }
    switch align {
    case "ljust": return s + pad(marg)
    case "rjust": return pad(marg) + s
    default:
        // CPython's pad(): left = marg/2 + (marg & width & 1)
        let left = marg / 2 + (marg & width & 1)
        return pad(left) + s + pad(marg - left)
    }
}

extension Renderer {
    /// Python's `format % values` (printf-style) with `%s %r %d %i %f %e %g %x %o %c %%`,
    /// flags, width, precision and `%(name)s` mapping keys.
    func percentFormat(_ format: String, _ values: Value) throws -> String {
        var positional: [Value]
        var mapping: DictBox?
        switch values {
        case .tuple(let t): positional = t
        case .dict(let d):
            mapping = d
            positional = [values]
        default: positional = [values]
        }
        var argIndex = 0
        var out = ""
        let chars = Array(format.unicodeScalars)
        var i = 0
        func nextArg() throws -> Value {
            guard argIndex < positional.count else {
                throw TemplateError(.typeError, "not enough arguments for format string")
            }
            defer { argIndex += 1 }
            return positional[argIndex]
        }
        while i < chars.count {
            let c = chars[i]
            if c != "%" {
                out.unicodeScalars.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < chars.count else { throw TemplateError(.valueError, "incomplete format") }
            var key: String?
            if chars[i] == "(" {
                var depth = 1
                var j = i + 1
                while j < chars.count {
                    if chars[j] == "(" { depth += 1 }
                    if chars[j] == ")" {
                        depth -= 1
                        if depth == 0 { break }
                    }
                    j += 1
                }
                guard j < chars.count else { throw TemplateError(.valueError, "incomplete format key") }
                key = String(String.UnicodeScalarView(chars[(i + 1)..<j]))
                i = j + 1
            }
            var flags = Set<UnicodeScalar>()
            while i < chars.count, "-+ #0".unicodeScalars.contains(chars[i]) {
                flags.insert(chars[i])
                i += 1
            }
            var width: Int?
            if i < chars.count, chars[i] == "*" {
                width = try nextArg().intValue
                i += 1
            } else {
                var w = ""
                while i < chars.count, ("0"..."9").contains(chars[i]) {
                    w.unicodeScalars.append(chars[i])
                    i += 1
                }
                width = Int(w)
            }
            var precision: Int?
            if i < chars.count, chars[i] == "." {
                i += 1
                if i < chars.count, chars[i] == "*" {
                    precision = try nextArg().intValue
                    i += 1
                } else {
                    var p = ""
                    while i < chars.count, ("0"..."9").contains(chars[i]) {
                        p.unicodeScalars.append(chars[i])
                        i += 1
                    }
                    precision = Int(p) ?? 0
                }
            }
            while i < chars.count, "hlL".unicodeScalars.contains(chars[i]) { i += 1 }
            guard i < chars.count else { throw TemplateError(.valueError, "incomplete format") }
            let conv = chars[i]
            i += 1
            if conv == "%" {
                out += "%"
                continue
            }
            let arg: Value
            if let key {
                // Undefined counts as a mapping (it has __getitem__), which raises.
                if case .undefined(let u) = values { throw TemplateError(.undefinedError, u.message) }
                guard let m = mapping else { throw TemplateError(.typeError, "format requires a mapping") }
                guard let v = m.get(key) else { throw TemplateError(.keyError, pyRepr(key)) }
                arg = v
            } else {
                arg = try nextArg()
            }
            out += try formatOne(arg, conv: conv, flags: flags, width: width, precision: precision)
        }
        if mapping == nil && argIndex < positional.count {
            throw TemplateError(.typeError, "not all arguments converted during string formatting")
        }
        return out
    }

    private func formatOne(
        _ v: Value, conv: UnicodeScalar, flags: Set<UnicodeScalar>, width: Int?, precision: Int?
    ) throws -> String {
        var body: String
        var numeric = false
        var negative = false
        // Numeric conversions call __int__/__float__, which Undefined makes fail.
        if case .undefined(let u) = v, !"srac".unicodeScalars.contains(conv) {
            throw TemplateError(.undefinedError, u.message)
        }
        switch conv {
        case "s", "r", "a":
            body = conv == "s" ? try str(v) : v.repr
            if let precision { body = String(body.unicodeScalars.prefix(precision).map(Character.init)) }
        case "d", "i", "u":
            numeric = true
            let n: Int
            if let i = v.intValue {
                n = i
            } else if case .float(let d) = v, d.isFinite {
                n = Int(d.rounded(.towardZero))
            } else {
                throw TemplateError(.typeError, "%\(conv) format: a real number is required, not \(v.typeName)")
            }
            negative = n < 0
            body = String(n.magnitude)
            if let precision, body.count < precision { body = String(repeating: "0", count: precision - body.count) + body }
        case "x", "X", "o":
            numeric = true
            guard let n = v.intValue else {
                throw TemplateError(.typeError, "%\(conv) format: an integer is required, not \(v.typeName)")
            }
            negative = n < 0
            body = String(n.magnitude, radix: conv == "o" ? 8 : 16, uppercase: conv == "X")
            if flags.contains("#") { body = (conv == "o" ? "0o" : (conv == "x" ? "0x" : "0X")) + body }
        case "f", "F", "e", "E", "g", "G":
            numeric = true
            guard let d = v.doubleValue else {
                throw TemplateError(.typeError, "must be real number, not \(v.typeName)")
            }
            negative = d < 0 || (d == 0 && d.sign == .minus)
            body = cFormat(abs(d), conv: conv, precision: precision ?? 6, alternate: flags.contains("#"))
        case "c":
            if let i = v.intValue, let u = UnicodeScalar(UInt32(max(0, i))) {
                body = String(u)
            } else if case .string(let s) = v, s.unicodeScalars.count == 1 {
                body = s
            } else {
                throw TemplateError(.typeError, "%c requires int or char")
            }
        default:
            throw TemplateError(.valueError, "unsupported format character '\(conv)' (0x\(String(conv.value, radix: 16)))")
        }
        var sign = ""
        if numeric {
            if negative { sign = "-" } else if flags.contains("+") { sign = "+" } else if flags.contains(" ") { sign = " " }
        }
        let total = sign.unicodeScalars.count + body.unicodeScalars.count
        guard let width, width > total else { return sign + body }
        let pad = width - total
        if flags.contains("-") { return sign + body + String(repeating: " ", count: pad) }
        if numeric && flags.contains("0") { return sign + String(repeating: "0", count: pad) + body }
        return String(repeating: " ", count: pad) + sign + body
    }
}

/// C/Python float formatting for `f e g` (non-negative input; the caller adds the sign).
func cFormat(_ d: Double, conv: UnicodeScalar, precision: Int, alternate: Bool = false) -> String {
    if d.isInfinite { return conv.properties.isUppercase ? "INF" : "inf" }
    if d.isNaN { return conv.properties.isUppercase ? "NAN" : "nan" }
    let spec = "%" + (alternate ? "#" : "") + "." + String(precision) + String(conv)
    return String(format: spec, d)
}
