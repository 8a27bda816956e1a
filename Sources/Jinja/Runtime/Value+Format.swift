/// Python's `repr()` of a string: single quotes unless the text holds a single quote and
/// no double quote; backslash escapes for control characters, printable Unicode kept.
func pyRepr(_ s: String) -> String {
    let useDouble = s.unicodeScalars.contains("'") && !s.unicodeScalars.contains("\"")
    let q: Character = useDouble ? "\"" : "'"
    var out = String(q)
    for u in s.unicodeScalars {
        switch u {
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "'" where !useDouble: out += "\\'"
        default:
            if u.value < 0x20 || u.value == 0x7f {
                out += "\\x" + hex(u.value, 2)
            } else if u.value >= 0x80 && !isPrintable(u) {
                if u.value <= 0xff {
                    out += "\\x" + hex(u.value, 2)
                } else if u.value <= 0xffff {
                    out += "\\u" + hex(u.value, 4)
                } else {
                    out += "\\U" + hex(u.value, 8)
                }
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    out.append(q)
    return out
}

/// Python's `ascii()` of a value whose `repr` is `repr`: every non-ASCII code point
/// escaped as `\xhh`, `\uhhhh` or `\Uhhhhhhhh`.
func pyAscii(_ repr: String) -> String {
    var out = ""
    for u in repr.unicodeScalars {
        switch u.value {
        case 0..<0x80: out.unicodeScalars.append(u)
        case 0x80..<0x100: out += "\\x" + hex(u.value, 2)
        case 0x100..<0x10000: out += "\\u" + hex(u.value, 4)
        default: out += "\\U" + hex(u.value, 8)
        }
    }
    return out
}

private func hex(_ v: UInt32, _ width: Int) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, width - s.count)) + s
}

/// Python's `str.isprintable` for one code point (approximation by general category).
func isPrintable(_ u: UnicodeScalar) -> Bool {
    switch u.properties.generalCategory {
    case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator:
        return false
    case .spaceSeparator:
        return u == " "
    default:
        return true
    }
}

/// Python's `repr(float)`: the shortest round-tripping digits, fixed notation for
/// decimal exponents in [-4, 16), scientific (`1e+16`, `1e-05`) otherwise.
func pyFloatRepr(_ d: Double) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d < 0 ? "-inf" : "inf" }
    if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
    // Swift's description is also shortest-round-trip; take its digits and exponent.
    let (negative, digits, exp) = shortestDigits(d)
    var out = negative ? "-" : ""
    // exp: position of the decimal point relative to the digit string (value = 0.DIGITS * 10^exp)
    let decExp = exp - 1  // exponent of the leading digit
    if decExp >= -4 && decExp < 16 {
        if exp <= 0 {
            out += "0." + String(repeating: "0", count: -exp) + digits
        } else if exp >= digits.count {
            out += digits + String(repeating: "0", count: exp - digits.count) + ".0"
        } else {
            let idx = digits.index(digits.startIndex, offsetBy: exp)
            out += digits[..<idx] + "." + digits[idx...]
        }
    } else {
        out += String(digits.first!)
        if digits.count > 1 { out += "." + digits.dropFirst() }
        out += "e" + (decExp < 0 ? "-" : "+")
        let e = String(abs(decExp))
        out += e.count < 2 ? "0" + e : e
    }
    return out
}

/// Splits a finite non-zero double into (sign, significant digits, point position).
func shortestDigits(_ d: Double) -> (Bool, String, Int) {
    var s = "\(abs(d))"  // e.g. "1234.5", "1e-05", "1.2345e+16", "5e-324"
    var exp10 = 0
    if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        exp10 = Int(s[s.index(after: e)...])!
        s = String(s[..<e])
    }
    var intPart = s
    var frac = ""
    if let dot = s.firstIndex(of: ".") {
        intPart = String(s[..<dot])
        frac = String(s[s.index(after: dot)...])
    }
    var digits = intPart + frac
    var point = intPart.count + exp10
    // strip leading zeros (adjusting the point) and trailing zeros
    while digits.count > 1, digits.first == "0" {
        digits.removeFirst()
        point -= 1
    }
    while digits.count > 1, digits.last == "0" { digits.removeLast() }
    return (d < 0, digits, point)
}

extension Value {
    /// Python's recursion limit, as the depth of nested containers the engine walks
    /// (printing, comparing, hashing, JSON) before giving up instead of overflowing
    /// the stack.
    static let maxNesting = 1000

    /// Python's `repr()`, as lists and dicts print their items. A container inside itself
    /// prints as `[...]` / `{...}` (Python's recursion guard); nesting deeper than
    /// `maxNesting` prints as `...`.
    public var repr: String {
        var active = Set<ObjectIdentifier>()
        return repr(depth: 0, active: &active)
    }

    func repr(depth: Int, active: inout Set<ObjectIdentifier>) -> String {
        if depth > Value.maxNesting { return "..." }
        switch self {
        case .undefined: return "Undefined"
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .float(let d): return pyFloatRepr(d)
        case .string(let s): return pyRepr(s)
        case .list(let l):
            let id = ObjectIdentifier(l)
            if active.contains(id) { return "[...]" }
            active.insert(id)
            defer { active.remove(id) }
            return "[" + l.items.map { $0.repr(depth: depth + 1, active: &active) }.joined(separator: ", ") + "]"
        case .tuple(let t):
            let items = t.map { $0.repr(depth: depth + 1, active: &active) }
            if t.count == 1 { return "(" + items[0] + ",)" }
            return "(" + items.joined(separator: ", ") + ")"
        case .dict(let d):
            let id = ObjectIdentifier(d)
            if active.contains(id) { return "{...}" }
            active.insert(id)
            defer { active.remove(id) }
            return "{"
                + d.pairs.map { "\($0.0.repr(depth: depth + 1, active: &active)): \($0.1.repr(depth: depth + 1, active: &active))" }
                .joined(separator: ", ") + "}"
        case .object(let ns as Namespace):
            return "<Namespace " + Value.dict(ns.attrs).repr(depth: depth + 1, active: &active) + ">"
        case .object(let g as GroupTuple):
            return Value.tuple(g.asTuple).repr(depth: depth, active: &active)
        case .object(let view as DictView):
            return "\(view.typeName)(" + Value.list(view.iterationValues ?? []).repr(depth: depth + 1, active: &active) + ")"
        case .object(let o):
            if let r = o as? any RuntimeObject { return r.repr }
            return "<\(o.typeName) object>"
        }
    }

    /// Python's `str()` of a value in default-undefined mode (undefined prints empty).
    public var str: String {
        switch self {
        case .string(let s): return s
        case .undefined: return ""
        case .object(let o):
            if let r = o as? any RuntimeObject { return r.str }
            return repr
        default: return repr
        }
    }
}
