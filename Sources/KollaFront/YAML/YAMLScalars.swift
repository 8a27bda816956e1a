import Foundation

/// PyYAML's implicit tag resolution and SafeConstructor's scalar constructors (YAML 1.1
/// types: null, bool, int, float, timestamp, binary). The patterns are PyYAML's own, so
/// a plain scalar gets the type `yaml.safe_load` gives it.
enum YAMLScalars {
    static let nullTag = "tag:yaml.org,2002:null"
    static let boolTag = "tag:yaml.org,2002:bool"
    static let intTag = "tag:yaml.org,2002:int"
    static let floatTag = "tag:yaml.org,2002:float"
    static let strTag = "tag:yaml.org,2002:str"
    static let binaryTag = "tag:yaml.org,2002:binary"
    static let timestampTag = "tag:yaml.org,2002:timestamp"
    static let mergeTag = "tag:yaml.org,2002:merge"
    static let valueTag = "tag:yaml.org,2002:value"
    static let seqTag = "tag:yaml.org,2002:seq"
    static let mapTag = "tag:yaml.org,2002:map"
    static let omapTag = "tag:yaml.org,2002:omap"
    static let pairsTag = "tag:yaml.org,2002:pairs"
    static let setTag = "tag:yaml.org,2002:set"

    /// An anchored pattern (PyYAML's resolvers use `re.match` with `^...$`).
    private struct Pattern: @unchecked Sendable {
        let regex: NSRegularExpression
        init(_ pattern: String) { regex = try! NSRegularExpression(pattern: pattern) }

        func matches(_ s: String) -> Bool {
            regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
        }

        /// The capture groups of a match (nil for a group that did not take part).
        func groups(_ s: String) -> [String?]? {
            guard let m = regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) else { return nil }
            return (0..<m.numberOfRanges).map { i in Range(m.range(at: i), in: s).map { String(s[$0]) } }
        }
    }

    // PyYAML 6 resolver.py, verbatim but for the verbose-mode whitespace. The bool, null,
    // int and float patterns are matched by hand in `PlainScalar` (compiling them pulled in
    // ICU's regex engine on every load, most of the time of reading a data file); these
    // stay the reference the tests compare the matchers with.
    static let boolPattern = "^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$"
    static let floatPattern =
        "^(?:[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?|\\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
        + "|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$"
    static let intPattern =
        "^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"
    static let nullPattern = "^(?:~|null|Null|NULL|)$"
    private static let timestamp = Pattern(
        "^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?"
            + "(?:[Tt]|[ \\t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\\.[0-9]*)?(?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$")
    // SafeConstructor.timestamp_regexp: year, month, day, hour, minute, second, fraction,
    // tz, tz_sign, tz_hour, tz_minute.
    private static let timestampParts = Pattern(
        "^([0-9][0-9][0-9][0-9])-([0-9][0-9]?)-([0-9][0-9]?)(?:(?:[Tt]|[ \\t]+)([0-9][0-9]?):([0-9][0-9]):([0-9][0-9])"
            + "(?:\\.([0-9]*))?(?:[ \\t]*(Z|([-+])([0-9][0-9]?)(?::([0-9][0-9]))?))?)?$")

    /// The tag PyYAML's resolver gives a plain scalar: its implicit resolvers for the first
    /// character, in the order PyYAML registers them, then `str`.
    static func resolve(_ value: String) -> String {
        guard let first = value.first else { return nullTag }
        switch first {
        case "y", "Y", "n", "N", "t", "T", "f", "F", "o", "O":
            if PlainScalar.isBool(value) { return boolTag }
            if (first == "n" || first == "N") && PlainScalar.isNull(value) { return nullTag }
        case "-", "+", "0"..."9", ".":
            if PlainScalar.isFloat(value) { return floatTag }
            if first != "." && PlainScalar.isInt(value) { return intTag }
            // Both timestamp forms start with four digits and a dash.
            if first.isASCII && first.isNumber && PlainScalar.startsLikeDate(value) && timestamp.matches(value) {
                return timestampTag
            }
        case "<":
            if value == "<<" { return mergeTag }
        case "~":
            if value == "~" { return nullTag }
        case "=":
            if value == "=" { return valueTag }
        default:
            break
        }
        return strTag
    }

    /// A scalar constructor's failure; the loader adds the line.
    struct Invalid: Error {
        let message: String
    }

    /// `construct_yaml_bool`.
    static func bool(_ s: String) throws(Invalid) -> Bool {
        switch s.lowercased() {
        case "yes", "true", "on": return true
        case "no", "false", "off": return false
        default: throw Invalid(message: "invalid boolean \(pyRepr(s))")
        }
    }

    /// `construct_yaml_int`: `_` separators, sign, `0b`, `0x`, `0` (octal), `a:b:c` (base 60).
    static func int(_ text: String) throws(Invalid) -> Int {
        var s = Substring(text.replacingOccurrences(of: "_", with: ""))
        var negative = false
        if let c = s.first, c == "-" || c == "+" {
            negative = c == "-"
            s = s.dropFirst()
        }
        func parse(_ digits: Substring, _ radix: Int) throws(Invalid) -> Int {
            guard let v = Int(digits, radix: radix) else {
                let valid = !digits.isEmpty && digits.allSatisfy { $0.isHexDigit && Int(String($0), radix: 16)! < radix }
                throw Invalid(message: valid ? "integer \(text) does not fit in 64 bits" : "invalid integer \(pyRepr(text))")
            }
            return v
        }
        var magnitude: Int
        if s == "0" {
            magnitude = 0
        } else if s.hasPrefix("0b") {
            magnitude = try parse(s.dropFirst(2), 2)
        } else if s.hasPrefix("0x") {
            magnitude = try parse(s.dropFirst(2), 16)
        } else if s.hasPrefix("0") {
            magnitude = try parse(s, 8)
        } else if s.contains(":") {
            magnitude = 0
            for part in s.split(separator: ":", omittingEmptySubsequences: false) {
                let (m, o1) = magnitude.multipliedReportingOverflow(by: 60)
                let (sum, o2) = m.addingReportingOverflow(try parse(part, 10))
                if o1 || o2 { throw Invalid(message: "integer \(text) does not fit in 64 bits") }
                magnitude = sum
            }
        } else {
            magnitude = try parse(s, 10)
        }
        return negative ? -magnitude : magnitude
    }

    /// `construct_yaml_float`: `_` separators, `.inf`, `.nan`, `a:b.c` (base 60).
    static func float(_ text: String) throws(Invalid) -> Double {
        var s = Substring(text.replacingOccurrences(of: "_", with: "").lowercased())
        var sign = 1.0
        if let c = s.first, c == "-" || c == "+" {
            if c == "-" { sign = -1 }
            s = s.dropFirst()
        }
        if s == ".inf" { return sign * .infinity }
        if s == ".nan" { return .nan }
        if s.contains(":") {
            var value = 0.0
            for part in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard let d = Double(part) else { throw Invalid(message: "invalid float \(pyRepr(text))") }
                value = value * 60 + d
            }
            return sign * value
        }
        // Python's float() takes no hexadecimal; Swift's Double(_:) would.
        guard !s.contains("x"), let d = Double(s) else { throw Invalid(message: "invalid float \(pyRepr(text))") }
        return sign * d
    }

    /// `construct_yaml_timestamp`, as Python's `str()` of the `date` or `datetime` it builds.
    static func timestamp(_ text: String) throws(Invalid) -> String {
        guard let g = timestampParts.groups(text) else { throw Invalid(message: "invalid timestamp \(pyRepr(text))") }
        func number(_ i: Int) -> Int { g[i].flatMap { Int($0) } ?? 0 }
        let (year, month, day) = (number(1), number(2), number(3))
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard year >= 1, (1...12).contains(month), (1...days[month - 1]).contains(day) else {
            throw Invalid(message: "invalid date \(pyRepr(text))")
        }
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        var out = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
        guard g[4] != nil else { return out }
        let (hour, minute, second) = (number(4), number(5), number(6))
        guard hour < 24, minute < 60, second < 60 else { throw Invalid(message: "invalid time \(pyRepr(text))") }
        out += " \(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
        if let f = g[7], !f.isEmpty {
            let micro = Int((f + "00000").prefix(6))!
            if micro != 0 { out += "." + pad(micro, 6) }
        }
        if let sign = g[9] {
            let offset = number(10) * 60 + number(11)
            guard offset < 24 * 60 else { throw Invalid(message: "invalid time zone \(pyRepr(text))") }
            out += (sign == "-" && offset != 0 ? "-" : "+") + "\(pad(offset / 60, 2)):\(pad(offset % 60, 2))"
        } else if g[8] != nil {
            out += "+00:00"
        }
        return out
    }

    /// `construct_yaml_binary`: base64, characters outside its alphabet ignored.
    static func binary(_ text: String) throws(Invalid) -> [UInt8] {
        guard text.allSatisfy(\.isASCII), let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else {
            throw Invalid(message: "failed to decode base64 data")
        }
        return [UInt8](data)
    }
}
