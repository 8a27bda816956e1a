/// PyYAML's implicit resolvers for bool, null, int and float, matched by hand over the
/// scalar's bytes: exactly the strings `YAMLScalars.boolPattern`, `nullPattern`,
/// `intPattern` and `floatPattern` match (the tests compare them on a generated corpus).
/// Only ASCII takes part in any of them, so bytes are characters here.
enum PlainScalar {
    private static let bools: Set<String> = [
        "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF",
    ]
    private static let nulls: Set<String> = ["~", "null", "Null", "NULL", ""]

    static func isBool(_ s: String) -> Bool { bools.contains(s) }

    static func isNull(_ s: String) -> Bool { nulls.contains(s) }

    /// `[0-9]{4}-`: how both of the timestamp resolver's forms begin.
    static func startsLikeDate(_ s: String) -> Bool {
        let b = Array(s.utf8.prefix(5))
        return b.count == 5 && b[..<4].allSatisfy(isDigit) && b[4] == dash
    }

    /// `[-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+
    /// | [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+`
    static func isInt(_ s: String) -> Bool {
        var b = Array(s.utf8)[...]
        if let c = b.first, c == plus || c == minus { b = b.dropFirst() }
        guard let first = b.first else { return false }
        if first == zero {
            let rest = b.dropFirst()
            if rest.isEmpty { return true }
            if rest.first == UInt8(ascii: "b") { return all(rest.dropFirst(), nonEmpty: true) { $0 == zero || $0 == one || $0 == underscore } }
            if rest.first == UInt8(ascii: "x") { return all(rest.dropFirst(), nonEmpty: true) { isHexDigit($0) || $0 == underscore } }
            return all(rest, nonEmpty: true) { ($0 >= zero && $0 <= UInt8(ascii: "7")) || $0 == underscore }
        }
        guard first >= one && first <= nine else { return false }
        // [1-9][0-9_]* then, for base 60, one or more `:` groups.
        let head = b.prefix { isDigit($0) || $0 == underscore }
        let rest = b[head.endIndex...]
        if rest.isEmpty { return true }
        return isSexagesimalTail(rest, allowDot: false)
    }

    /// `[-+]?([0-9][0-9_]*)\.[0-9_]*([eE][-+][0-9]+)? | \.[0-9][0-9_]*([eE][-+][0-9]+)?
    /// | [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)`
    static func isFloat(_ s: String) -> Bool {
        let all = Array(s.utf8)[...]
        var b = all
        let signed = b.first == plus || b.first == minus
        if signed { b = b.dropFirst() }
        guard let first = b.first else { return false }
        if first == dot {
            let rest = b.dropFirst()
            if ["inf", "Inf", "INF"].contains(where: { rest.elementsEqual($0.utf8) }) { return true }
            if signed { return false }
            if ["nan", "NaN", "NAN"].contains(where: { rest.elementsEqual($0.utf8) }) { return true }
            // \.[0-9][0-9_]*(exponent)?
            guard let d = rest.first, isDigit(d) else { return false }
            return isFractionTail(rest)
        }
        guard isDigit(first) else { return false }
        let head = b.prefix { isDigit($0) || $0 == underscore }
        let rest = b[head.endIndex...]
        guard let next = rest.first else { return false }
        if next == dot { return isFractionTail(rest.dropFirst()) }
        if next == colon { return isSexagesimalTail(rest, allowDot: true) }
        return false
    }

    // MARK: - Pieces

    private static let (plus, minus, dot, colon, underscore, dash) = (
        UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "_"), UInt8(ascii: "-")
    )
    private static let (zero, one, five, nine) = (UInt8(ascii: "0"), UInt8(ascii: "1"), UInt8(ascii: "5"), UInt8(ascii: "9"))

    private static func isDigit(_ c: UInt8) -> Bool { c >= zero && c <= nine }

    private static func isHexDigit(_ c: UInt8) -> Bool {
        isDigit(c) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F"))
    }

    private static func all(_ b: ArraySlice<UInt8>, nonEmpty: Bool, _ test: (UInt8) -> Bool) -> Bool {
        (!nonEmpty || !b.isEmpty) && b.allSatisfy(test)
    }

    /// `[0-9_]*([eE][-+][0-9]+)?` to the end (what follows a float's dot).
    private static func isFractionTail(_ b: ArraySlice<UInt8>) -> Bool {
        let digits = b.prefix { isDigit($0) || $0 == underscore }
        let rest = b[digits.endIndex...]
        if rest.isEmpty { return true }
        guard rest.first == UInt8(ascii: "e") || rest.first == UInt8(ascii: "E") else { return false }
        let afterE = rest.dropFirst()
        guard let sign = afterE.first, sign == plus || sign == minus else { return false }
        return all(afterE.dropFirst(), nonEmpty: true, isDigit)
    }

    /// `(:[0-5]?[0-9])+` to the end, or when `allowDot` to a `\.[0-9_]*` ending it.
    private static func isSexagesimalTail(_ b: ArraySlice<UInt8>, allowDot: Bool) -> Bool {
        var rest = b
        var groups = 0
        while rest.first == colon {
            rest = rest.dropFirst()
            let digits = rest.prefix(while: isDigit)
            // One digit, or two with the first at most 5: the next byte must end the group.
            switch digits.count {
            case 1: break
            case 2...:
                guard digits.first! <= five else { return false }
            default: return false
            }
            let groupLength = digits.count >= 2 ? 2 : 1
            rest = rest.dropFirst(groupLength)
            groups += 1
        }
        guard groups > 0 else { return false }
        if rest.isEmpty { return !allowDot }
        guard allowDot, rest.first == dot else { return false }
        return rest.dropFirst().allSatisfy { isDigit($0) || $0 == underscore }
    }
}
