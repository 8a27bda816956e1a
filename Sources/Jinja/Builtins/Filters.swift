import Foundation

/// Jinja2's built-in filters (`jinja2/filters.py`), with their Python signatures. Each
/// filter is a function `doName` (Jinja2's `do_name`) in the file for its kind
/// (Filters+Strings, Filters+Numbers, Filters+Sequences, Urlize); `all` maps the names
/// to them, as minijinja's registry does.
enum BuiltinFilters {
    /// Filter names (with Jinja2's aliases `d`, `e`, `count`) to their functions.
    static let all: [String: Filter] = [
        "abs": doAbs,
        "attr": doAttr,
        "batch": doBatch,
        "capitalize": doCapitalize,
        "center": doCenter,
        "count": doLength,
        "d": doDefault,
        "default": doDefault,
        "dictsort": doDictsort,
        "e": doEscape,
        "escape": doEscape,
        "filesizeformat": doFilesizeformat,
        "first": doFirst,
        "float": doFloat,
        "forceescape": doEscape,
        "format": doFormat,
        "groupby": doGroupby,
        "indent": doIndent,
        "int": doInt,
        "items": doItems,
        "join": doJoin,
        "last": doLast,
        "length": doLength,
        "list": doList,
        "lower": doLower,
        "map": doMap,
        "max": doMax,
        "min": doMin,
        "pprint": doPprint,
        "random": doRandom,
        "reject": doReject,
        "rejectattr": doRejectattr,
        "replace": doReplace,
        "reverse": doReverse,
        "round": doRound,
        "safe": doSafe,
        "select": doSelect,
        "selectattr": doSelectattr,
        "slice": doSlice,
        "sort": doSort,
        "string": doString,
        "striptags": doStriptags,
        "sum": doSum,
        "title": doTitle,
        "tojson": doTojson,
        "trim": doTrim,
        "truncate": doTruncate,
        "unique": doUnique,
        "upper": doUpper,
        "urlencode": doUrlencode,
        "urlize": doUrlize,
        "wordcount": doWordcount,
        "wordwrap": doWordwrap,
        "xmlattr": doXmlattr,
    ]

    static func minMax(_ v: Value, _ a: Arguments, _ r: Renderer, max: Bool) throws -> Value {
        let b = try a.bind(["case_sensitive", "attribute"], function: max ? "max" : "min")
        let caseSensitive = try r.truthy(b[0, default: .bool(false)])
        let key = r.attrGetter(b[1], lower: !caseSensitive)
        let items = try r.iterate(v)
        guard var best = items.first else {
            return .undefined(Undefined(hint: "No aggregated item, sequence was empty."))
        }
        var bestKey = try key(best)
        for item in items.dropFirst() {
            let k = try key(item)
            // Python's min/max test `item < best` / `item > best`.
            try r.checkDefined(k)
            try r.checkDefined(bestKey)
            guard let c = pyCompare(k, bestKey) else {
                throw TemplateError(
                    .typeError,
                    "'\(max ? ">" : "<")' not supported between instances of '\(k.typeName)' and '\(bestKey.typeName)'")
            }
            if max ? c > 0 : c < 0 {
                best = item
                bestKey = k
            }
        }
        return best
    }

    static func selectOrReject(_ v: Value, _ a: Arguments, _ r: Renderer, attr: Bool, keep: Bool) throws -> Value {
        .object(
            PyIterator(generator: "select_or_reject") { r in
                guard try r.truthy(v) else { return { _ in nil } }
                var args = a.positional[...]
                var transform: AttrGetter?
                if attr {
                    guard let name = args.popFirst() else {
                        throw TemplateError(.filterArgumentError, "Missing parameter for attribute name")
                    }
                    transform = AttrGetter(name)
                }
                let test = args.popFirst()
                let rest = Arguments(Array(args), keywords: a.keywords)
                var it = try r.pyIter(v)
                return { r in
                    while let item = try it.next(r) {
                        let x = try transform?.get(item, r) ?? item
                        let passed = try test.map { try r.callTest(named: $0, x, rest) } ?? r.truthy(x)
                        if passed == keep { return item }
                    }
                    return nil
                }
            })
    }

    /// Jinja's `prepare_map`: an attribute getter or a filter call per item.
    static func prepareMap(_ a: Arguments) throws -> (Value, Renderer) throws -> Value {
        if a.positional.isEmpty, let attr = a.keyword("attribute") {
            for (k, _) in a.keywords where k != "attribute" && k != "default" {
                throw TemplateError(.filterArgumentError, "Unexpected keyword argument \(pyRepr(k))")
            }
            var dflt = a.keyword("default")
            if case .none? = dflt { dflt = nil }
            let g = AttrGetter(attr, default: dflt)
            return { try g.get($0, $1) }
        }
        guard let name = a.positional.first else {
            throw TemplateError(.filterArgumentError, "map requires a filter argument")
        }
        let rest = Arguments(Array(a.positional.dropFirst()), keywords: a.keywords)
        return { try $1.callFilter(named: name, $0, rest) }
    }
}

/// Unicode decimal digits (`１２`, `٣`) as ASCII ones: Python's `int()` and `float()`
/// accept any character of category Nd.
func asciiDigits(_ s: String) -> String {
    guard !s.utf8.allSatisfy({ $0 < 0x80 }) else { return s }
    var out = String.UnicodeScalarView()
    for u in s.unicodeScalars {
        if u.value >= 0x80, u.properties.numericType == .decimal, let d = u.properties.numericValue {
            out.append(UnicodeScalar(UInt8(48 + Int(d))))
        } else {
            out.append(u)
        }
    }
    return String(out)
}

extension Renderer {
    /// Python's `type(v).__name__`, with `StrictUndefined` for strict undefined values.
    func typeName(_ v: Value) -> String {
        if case .undefined(let u) = v, isStrict(u) { return "StrictUndefined" }
        return v.typeName
    }

    /// Python's `float(v)` with its errors: UndefinedError for an undefined,
    /// ValueError for an unparsable string, TypeError for other types.
    func pyFloatConversion(_ v: Value) throws -> Value {
        try checkDefined(v)
        if let f = pyFloat(v) { return f }
        if case .string(let s) = v { throw TemplateError(.valueError, "could not convert string to float: \(pyRepr(s))") }
        throw TemplateError(.typeError, "float() argument must be a string or a real number, not '\(v.typeName)'")
    }
}

/// Python's `float(v)` for the float filter (nil where Python raises).
func pyFloat(_ v: Value) -> Value? {
    switch v {
    case .float: return v
    case .int(let i): return .float(Double(i))
    case .bool(let b): return .float(b ? 1 : 0)
    case .string(let s):
        let t = asciiDigits(pyStrip(s, chars: nil, left: true, right: true)).replacingOccurrences(of: "_", with: "")
        switch t.lowercased() {
        case "inf", "+inf", "infinity", "+infinity": return .float(.infinity)
        case "-inf", "-infinity": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }), let d = Double(t) else {
            return nil
        }
        return .float(d)
    default: return nil
    }
}

/// Python's `int(s, base)`: whitespace and underscores allowed, prefixes for base 0/2/8/16.
func pyIntParse(_ s: String, base: Int) -> Int? {
    var t = asciiDigits(pyStrip(s, chars: nil, left: true, right: true))
    var negative = false
    if t.hasPrefix("-") || t.hasPrefix("+") {
        negative = t.hasPrefix("-")
        t.removeFirst()
    }
    var radix = base
    let lower = t.lowercased()
    for (prefix, r) in [("0x", 16), ("0o", 8), ("0b", 2)] where lower.hasPrefix(prefix) && (base == r || base == 0) {
        radix = r
        t = String(t.dropFirst(2))
        if t.hasPrefix("_") { t.removeFirst() }
    }
    if radix == 0 { radix = 10 }
    guard !t.isEmpty, !t.hasPrefix("_"), !t.hasSuffix("_"), !t.contains("__"), radix >= 2, radix <= 36 else { return nil }
    guard let v = Int(t.replacingOccurrences(of: "_", with: ""), radix: radix) else { return nil }
    return negative ? -v : v
}

/// Python's `round(i, n)` for an int and n < 0: to a multiple of 10**-n, halves to even.
func roundInt(_ i: Int, digits n: Int) throws -> Int {
    // 10**19 is past every Int: all round to 0 (|i| < 0.5 * 10**20).
    if n < -19 { return 0 }
    let p = n == -19 ? Int.max : (0..<(-n)).reduce(1) { acc, _ in acc * 10 }
    if n == -19 {
        // Only |i| > 5 * 10**18 rounds away from 0, to ±10**19, which does not fit.
        if i.magnitude > 5_000_000_000_000_000_000 { throw TemplateError(.overflowError, "integer result too large") }
        return 0
    }
    var q = i / p
    var rem = i % p
    if rem < 0 {
        q -= 1
        rem += p
    }
    if 2 * rem > p || (2 * rem == p && q & 1 == 1) { q += 1 }
    let (result, overflow) = q.multipliedReportingOverflow(by: p)
    if overflow { throw TemplateError(.overflowError, "integer result too large") }
    return result
}

/// Python's `round(x, n)` for floats: correctly rounded, halves to even.
func pyRound(_ d: Double, _ n: Int) -> Double {
    guard d.isFinite else { return d }
    if n >= 0 {
        // printf rounds the exact binary value half-to-even, as CPython's dtoa does.
        return Double(String(format: "%.\(min(n, 300))f", d)) ?? d
    }
    // Past 10**308 every finite float rounds to a zero of its sign.
    if n < -308 { return d.sign == .minus ? -0.0 : 0.0 }
    let p = Foundation.pow(10.0, Double(-n))
    return (d / p).rounded(.toNearestOrEven) * p
}

/// `urllib.parse.quote` of UTF-8 bytes; `/` kept unless `forQuery`, where spaces become `+`.
func urlQuote(_ s: String, forQuery: Bool) -> String {
    var out = ""
    for b in s.utf8 {
        let c = Character(UnicodeScalar(b))
        if (b < 0x80 && (c.isLetter || c.isNumber)) || "_.-~".contains(c) || (!forQuery && c == "/") {
            out.append(c)
        } else if forQuery && b == 0x20 {
            out += "+"
        } else {
            out += String(format: "%%%02X", b)
        }
    }
    return out
}

/// `json.dumps(v, sort_keys=…, indent=…)` with Python's separators and ASCII escaping.
/// The containers `jsonDump` is inside (json's `check_circular` markers).
final class JSONMarkers {
    var ids = Set<ObjectIdentifier>()
}

func jsonDump(
    _ v: Value, indent: Int?, sortKeys: Bool, level: Int = 0, undefinedType: String = "Undefined",
    markers: JSONMarkers = JSONMarkers()
) throws -> String {
    if level > Value.maxNesting { throw TemplateError(.recursionError, "maximum recursion depth exceeded while encoding a JSON object") }
    /// Marks a container for the duration of its encoding; a container met again inside
    /// itself is a `ValueError`, as in Python's json.
    func enter(_ o: AnyObject) throws -> ObjectIdentifier {
        let id = ObjectIdentifier(o)
        if !markers.ids.insert(id).inserted { throw TemplateError(.valueError, "Circular reference detected") }
        return id
    }
    func str(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 || u.value > 0x7e {
                    if u.value > 0xffff {
                        let v = u.value - 0x10000
                        out += String(format: "\\u%04x\\u%04x", 0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff))
                    } else {
                        out += String(format: "\\u%04x", u.value)
                    }
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
    let (open, close, itemSep): (String, String, String)
    if let indent {
        let (width, overflow) = indent.multipliedReportingOverflow(by: level + 1)
        if overflow { throw SizeLimit.memoryError }
        let pad = try SizeLimit.repeating(" ", count: width)
        open = "\n" + pad
        close = "\n" + String(repeating: " ", count: max(0, width - indent))
        itemSep = ",\n" + pad
    } else {
        (open, close, itemSep) = ("", "", ", ")
    }
    switch v {
    case .none: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .int(let i): return String(i)
    case .float(let d):
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        return pyFloatRepr(d)
    case .string(let s): return str(s)
    case .list, .tuple:
        let items: [Value]
        if case .list(let l) = v { items = l.items } else if case .tuple(let t) = v { items = t } else { items = [] }
        if items.isEmpty { return "[]" }
        var marker: ObjectIdentifier?
        if case .list(let l) = v { marker = try enter(l) }
        defer { if let marker { markers.ids.remove(marker) } }
        return "[" + open + (try checkedJoin(try items.map { try jsonDump($0, indent: indent, sortKeys: sortKeys, level: level + 1, undefinedType: undefinedType, markers: markers) }, separator: itemSep)) + close + "]"
    case .dict(let d):
        if d.count == 0 { return "{}" }
        let marker = try enter(d)
        defer { markers.ids.remove(marker) }
        var items = Array(d.pairs)
        if sortKeys {
            // `sorted(dct.items())`: by the keys themselves, before they become strings.
            var failure: TemplateError?
            items.sort { a, b in
                if let c = pyCompare(a.0, b.0) { return c < 0 }
                if failure == nil {
                    failure = TemplateError(
                        .typeError, "'<' not supported between instances of '\(a.0.typeName)' and '\(b.0.typeName)'")
                }
                return false
            }
            if let failure { throw failure }
        }
        var pairs: [(String, Value)] = []
        for (k, val) in items {
            let key: String
            switch k {
            case .string(let s): key = s
            case .int(let i): key = String(i)
            case .float(let f): key = pyFloatRepr(f)
            case .bool(let b): key = b ? "true" : "false"
            case .none: key = "null"
            default: throw TemplateError(.typeError, "keys must be str, int, float, bool or None, not \(k.typeName)")
            }
            pairs.append((key, val))
        }
        return "{" + open
            + (try pairs.map { str($0.0) + ": " + (try jsonDump($0.1, indent: indent, sortKeys: sortKeys, level: level + 1, undefinedType: undefinedType, markers: markers)) })
            .joined(separator: itemSep) + close + "}"
    case .object(let o):
        if let g = o as? GroupTuple {
            return try jsonDump(
                .tuple(g.asTuple), indent: indent, sortKeys: sortKeys, level: level, undefinedType: undefinedType,
                markers: markers)
        }
        throw TemplateError(.typeError, "Object of type \(o.typeName) is not JSON serializable")
    case .undefined:
        throw TemplateError(.typeError, "Object of type \(undefinedType) is not JSON serializable")
    }
}
