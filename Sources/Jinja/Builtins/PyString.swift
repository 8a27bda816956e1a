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

// MARK: - case mapping (Python's unicodeobject.c, by code point)

/// Python's `str.lower()`: full lowercase mapping, with U+03A3 becoming final sigma
/// (ς) after a cased letter and not before one (`handle_capital_sigma`).
func pyLower(_ s: String) -> String {
    guard s.unicodeScalars.contains("\u{3A3}") else { return s.lowercased() }
    let u = Array(s.unicodeScalars)
    var out = String.UnicodeScalarView()
    for i in u.indices {
        if u[i] == "\u{3A3}" {
            out.append(pyFinalSigma(u, i) ? "\u{3C2}" : "\u{3C3}")
        } else {
            out.append(contentsOf: u[i].properties.lowercaseMapping.unicodeScalars)
        }
    }
    return String(out)
}

/// Whether the Σ at `i` is in the Final_Sigma context.
private func pyFinalSigma(_ u: [UnicodeScalar], _ i: Int) -> Bool {
    var j = i - 1
    while j >= 0, u[j].properties.isCaseIgnorable { j -= 1 }
    guard j >= 0, u[j].properties.isCased else { return false }
    var k = i + 1
    while k < u.count, u[k].properties.isCaseIgnorable { k += 1 }
    return k == u.count || !u[k].properties.isCased
}

/// One code point lowercased as `str.lower()` does inside `s` (final sigma aware).
private func pyLowerAt(_ u: [UnicodeScalar], _ i: Int) -> String {
    if u[i] == "\u{3A3}" { return pyFinalSigma(u, i) ? "\u{3C2}" : "\u{3C3}" }
    return u[i].properties.lowercaseMapping
}

/// Python's `str.upper()` (full mapping: `ß` → `SS`).
func pyUpper(_ s: String) -> String { s.uppercased() }

/// Python's `str.casefold()` (full case folding: `ß` → `ss`).
func pyCasefold(_ s: String) -> String { s.folding(options: .caseInsensitive, locale: nil) }

/// Python's `str.title()`: a character after a cased one is lowercased, any other is
/// titlecased (`ǆ` → `ǅ`).
func pyTitle(_ s: String) -> String {
    let u = Array(s.unicodeScalars)
    var out = ""
    var prevCased = false
    for i in u.indices {
        out += prevCased ? pyLowerAt(u, i) : u[i].properties.titlecaseMapping
        prevCased = u[i].properties.isCased
    }
    return out
}

/// Python's `str.capitalize()`: the first character titlecased, the rest lowercased.
func pyCapitalize(_ s: String) -> String {
    let u = Array(s.unicodeScalars)
    guard let first = u.first else { return s }
    var out = first.properties.titlecaseMapping
    for i in u.indices.dropFirst() { out += pyLowerAt(u, i) }
    return out
}

/// Python's `str.swapcase()`.
func pySwapcase(_ s: String) -> String {
    let u = Array(s.unicodeScalars)
    var out = ""
    for i in u.indices {
        let p = u[i].properties
        if p.isUppercase {
            out += pyLowerAt(u, i)
        } else if p.isLowercase {
            out += p.uppercaseMapping
        } else {
            out.unicodeScalars.append(u[i])
        }
    }
    return out
}

private func isTitlecase(_ u: UnicodeScalar) -> Bool { u.properties.generalCategory == .titlecaseLetter }

/// Python's `str.islower()`: some cased character, and none upper- or titlecase.
func pyIsLower(_ s: String) -> Bool {
    var cased = false
    for u in s.unicodeScalars {
        if u.properties.isUppercase || isTitlecase(u) { return false }
        if u.properties.isLowercase { cased = true }
    }
    return cased
}

/// Python's `str.isupper()`: some cased character, and none lower- or titlecase.
func pyIsUpper(_ s: String) -> Bool {
    var cased = false
    for u in s.unicodeScalars {
        if u.properties.isLowercase || isTitlecase(u) { return false }
        if u.properties.isUppercase { cased = true }
    }
    return cased
}

/// Python's `str.istitle()`.
func pyIsTitle(_ s: String) -> Bool {
    var cased = false
    var previousCased = false
    for u in s.unicodeScalars {
        if u.properties.isUppercase || isTitlecase(u) {
            if previousCased { return false }
            previousCased = true
            cased = true
        } else if u.properties.isLowercase {
            if !previousCased { return false }
            previousCased = true
            cased = true
        } else {
            previousCased = false
        }
    }
    return cased
}

/// Python's `str.isalpha()` for one code point (categories L*).
func pyIsAlpha(_ u: UnicodeScalar) -> Bool {
    switch u.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
    default: return false
    }
}

/// Python's `str.isalnum()` for one code point (letters and any numeric character).
func pyIsAlnum(_ u: UnicodeScalar) -> Bool { pyIsAlpha(u) || u.properties.numericType != nil }

/// Python's `\w` for one code point.
func pyIsWord(_ u: UnicodeScalar) -> Bool { u == "_" || pyIsAlnum(u) }

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
func pyReplace(_ s: String, _ old: String, _ new: String, count: Int) throws -> String {
    if count == 0 { return s }
    let hay = Array(s.unicodeScalars)
    let needle = Array(old.unicodeScalars)
    var out = String.UnicodeScalarView()
    var done = 0
    // Each replacement adds `new`: the result size grows with their product.
    let most = count < 0 ? hay.count + 1 : min(count, hay.count + 1)
    let grow = new.utf8.count - old.utf8.count
    if grow > 0 { try SizeLimit.check(s.utf8.count + most * grow) }
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
            // The remainder keeps its trailing whitespace.
            out.append(str(i, hay.count))
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
func pyPad(_ s: String, width: Int, fill: String, align: String) throws -> String {
    let n = s.unicodeScalars.count
    // Compared before subtracting: a width near Int.min would overflow.
    guard width > n else { return s }
    let marg = width - n
    func pad(_ k: Int) throws -> String { try SizeLimit.repeating(fill, count: k) }
    switch align {
    case "ljust": return try s + pad(marg)
    case "rjust": return try pad(marg) + s
    default:
        // CPython's pad(): left = marg/2 + (marg & width & 1)
        let left = marg / 2 + (marg & width & 1)
        return try pad(left) + s + pad(marg - left)
    }
}

extension Renderer {
    /// Python's `format % values` (printf-style) with `%s %r %d %i %f %e %g %x %o %c %%`,
    /// flags, width, precision and `%(name)s` mapping keys.
    func percentFormat(_ format: String, _ values: Value) throws -> String {
        var positional: [Value]
        var mapping: DictBox?
        // A non-tuple argument with `__getitem__` (list, dict, range, Undefined) counts as a
        // mapping: surplus arguments are then not an error.
        var mappingLike = false
        switch values {
        case .tuple(let t): positional = t
        case .object(let g as GroupTuple): positional = g.asTuple
        case .dict(let d):
            mapping = d
            positional = [values]
        case .list, .undefined, .object(is RangeObject):
            mappingLike = true
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
                // Python parses the width into a Py_ssize_t.
                if !w.isEmpty && Int(w) == nil { throw TemplateError(.valueError, "width too big") }
                width = Int(w)
            }
            var precision: Int?
            if i < chars.count, chars[i] == "." {
                i += 1
                if i < chars.count, chars[i] == "*" {
                    precision = try nextArg().intValue
                    // A C int in Python.
                    if let p = precision, p > Int(Int32.max) || p < Int(Int32.min) {
                        throw TemplateError(.overflowError, "Python int too large to convert to C int")
                    }
                    i += 1
                } else {
                    var p = ""
                    while i < chars.count, ("0"..."9").contains(chars[i]) {
                        p.unicodeScalars.append(chars[i])
                        i += 1
                    }
                    if let n = Int(p), n > Int(Int32.max) { throw TemplateError(.valueError, "precision too big") }
                    if !p.isEmpty && Int(p) == nil { throw TemplateError(.valueError, "precision too big") }
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
                if case .undefined(let u) = values { throw u.error }
                guard let m = mapping else { throw TemplateError(.typeError, "format requires a mapping") }
                guard let v = m.get(key) else { throw TemplateError(.keyError, pyRepr(key)) }
                arg = v
            } else {
                arg = try nextArg()
            }
            out += try formatOne(arg, conv: conv, flags: flags, width: width, precision: precision)
        }
        if mapping == nil && !mappingLike && argIndex < positional.count {
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
            throw u.error
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
                guard let t = Int(exactly: d.rounded(.towardZero)) else {
                    throw TemplateError(.overflowError, "integer result too large")
                }
                n = t
            } else {
                throw TemplateError(.typeError, "%\(conv) format: a real number is required, not \(v.typeName)")
            }
            negative = n < 0
            body = String(n.magnitude)
            if let precision, body.count < precision {
                body = try SizeLimit.repeating("0", count: precision - body.count) + body
            }
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
            try SizeLimit.check(precision ?? 0)
            body = cFormat(abs(d), conv: conv, precision: precision ?? 6, alternate: flags.contains("#"))
        case "c":
            if let i = v.intValue {
                guard i >= 0, i < 0x110000 else { throw TemplateError(.overflowError, "%c arg not in range(0x110000)") }
                // Surrogates are code points to Python; no Swift string holds one.
                body = UnicodeScalar(UInt32(i)).map { String($0) } ?? "\u{FFFD}"
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
        if flags.contains("-") { return sign + body + (try SizeLimit.repeating(" ", count: pad)) }
        if numeric && flags.contains("0") { return sign + (try SizeLimit.repeating("0", count: pad)) + body }
        return try SizeLimit.repeating(" ", count: pad) + sign + body
    }
}

/// C/Python float formatting for `f e g` (non-negative input; the caller adds the sign).
func cFormat(_ d: Double, conv: UnicodeScalar, precision: Int, alternate: Bool = false) -> String {
    if d.isInfinite { return conv.properties.isUppercase ? "INF" : "inf" }
    if d.isNaN { return conv.properties.isUppercase ? "NAN" : "nan" }
    let spec = "%" + (alternate ? "#" : "") + "." + String(precision) + String(conv)
    return String(format: spec, d)
}

/// Python's `float.hex()` (`0x1.8000000000000p+0`).
func pyFloatHex(_ d: Double) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d < 0 ? "-inf" : "inf" }
    let sign = d.sign == .minus ? "-" : ""
    if d == 0 { return sign + "0x0.0p+0" }
    let mantissa = String(d.significandBitPattern, radix: 16)
    let digits = String(repeating: "0", count: 13 - mantissa.count) + mantissa
    let exp = d.isNormal ? Int(d.exponent) : -1022
    return "\(sign)0x\(d.isNormal ? 1 : 0).\(digits)p\(exp < 0 ? "-" : "+")\(abs(exp))"
}

/// Python's `float.fromhex(s)`, nil when malformed.
func pyFloatFromHex(_ s: String) -> Double? {
    var t = pyStrip(s, chars: nil, left: true, right: true).lowercased()
    switch t {
    case "inf", "+inf", "infinity", "+infinity": return .infinity
    case "-inf", "-infinity": return -.infinity
    case "nan", "+nan", "-nan": return .nan
    default: break
    }
    var negative = false
    if t.hasPrefix("-") || t.hasPrefix("+") {
        negative = t.hasPrefix("-")
        t.removeFirst()
    }
    if t.hasPrefix("0x") { t.removeFirst(2) }
    var exponent = 0
    if let p = t.firstIndex(of: "p") {
        guard let e = Int(t[t.index(after: p)...]) else { return nil }
        exponent = e
        t = String(t[..<p])
    }
    let parts = t.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    let intDigits = parts[0]
    let fracDigits = parts.count > 1 ? parts[1] : ""
    guard !(intDigits.isEmpty && fracDigits.isEmpty) else { return nil }
    var value = 0.0
    for c in intDigits {
        guard let h = c.hexDigitValue else { return nil }
        value = value * 16 + Double(h)
    }
    var scale = 1.0 / 16
    for c in fracDigits {
        guard let h = c.hexDigitValue else { return nil }
        value += Double(h) * scale
        scale /= 16
    }
    let result = Foundation.scalbn(value, exponent)
    return negative ? -result : result
}
