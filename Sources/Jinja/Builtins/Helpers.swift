/// A filter: the piped value, the call's arguments, and the renderer to call back into.
public typealias Filter = @Sendable (_ value: Value, _ args: Arguments, _ renderer: Renderer) throws -> Value
/// A test (`x is name(args)`).
public typealias Test = @Sendable (_ value: Value, _ args: Arguments, _ renderer: Renderer) throws -> Bool

extension Renderer {
    /// Calls the environment's filter `name` (as `map('upper')` does).
    public func callFilter(_ name: String, _ value: Value, _ args: Arguments) throws -> Value {
        guard let f = environment.filters[name] else {
            throw TemplateError(.templateRuntimeError, "No filter named '\(name)'.")
        }
        return try f(value, args, self)
    }

    /// Calls the environment's test `name` (as `select('odd')` does).
    public func callTest(_ name: String, _ value: Value, _ args: Arguments) throws -> Bool {
        guard let t = environment.tests[name] else {
            throw TemplateError(.templateRuntimeError, "No test named '\(name)'.")
        }
        return try t(value, args, self)
    }

    /// `environment.call_filter(name, …)` with a name from the template (`map(name)`):
    /// any value, looked up as a key of the filter table.
    func callFilter(named name: Value, _ value: Value, _ args: Arguments) throws -> Value {
        guard case .string(let n) = name, let f = environment.filters[n] else {
            throw TemplateError(.templateRuntimeError, "No filter named \(name.repr).")
        }
        return try f(value, args, self)
    }

    /// `environment.call_test(name, …)` with a name from the template (`select(name)`).
    func callTest(named name: Value, _ value: Value, _ args: Arguments) throws -> Bool {
        guard case .string(let n) = name, let t = environment.tests[n] else {
            throw TemplateError(.templateRuntimeError, "No test named \(name.repr).")
        }
        return try t(value, args, self)
    }

    /// The dict behind `value.items()` (dictsort, xmlattr): UndefinedError for an
    /// undefined, AttributeError for anything that is not a mapping.
    func mappingItems(_ v: Value) throws -> DictBox {
        switch v {
        case .dict(let d): return d
        case .undefined(let u): throw u.error
        default: throw TemplateError(.attributeError, "'\(v.typeName)' object has no attribute 'items'")
        }
    }

    /// Python's `isinstance(v, Iterable)` (`iter(v)` would succeed, ignoring strictness).
    func isIterable(_ v: Value) -> Bool {
        switch v {
        case .string, .list, .tuple, .dict, .undefined: return true
        case .object(let o):
            return o is PyIterator || o is RangeObject || o is DictView
                || (o as? any RuntimeObject)?.iterationValues != nil
        default: return false
        }
    }

    /// Jinja's `make_attrgetter`: `'a.b.0'` walks items by dotted path (digits are indexes);
    /// `lower` lowercases string results; `default` replaces an undefined result.
    func attrGetter(_ attribute: Value?, lower: Bool = false, default dflt: Value? = nil) -> (Value) throws -> Value {
        let g = AttrGetter(attribute, lower: lower, default: dflt)
        return { [self] item in try g.get(item, self) }
    }

    /// Jinja's `make_multi_attrgetter`: comma-separated attributes give a tuple key.
    func multiAttrGetter(_ attribute: Value?, lower: Bool) -> (Value) throws -> Value {
        guard case .string(let s)? = attribute, s.unicodeScalars.contains(",") else {
            return attrGetter(attribute, lower: lower)
        }
        // `attribute.split(",")`: by code point, empty parts kept.
        let getters = s.unicodeScalars.split(separator: ",", omittingEmptySubsequences: false).map {
            attrGetter(.string(String($0)), lower: lower)
        }
        return { item in .tuple(try getters.map { try $0(item) }) }
    }

    /// A stable sort by `key` with Python's ordering (TypeError between unordered types);
    /// `reverse` keeps equal items in their original order, as Python's `sorted` does.
    func sortValues(_ items: [Value], reverse: Bool, key: (Value) throws -> Value) throws -> [Value] {
        #if FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
            try burnFuel(items.count)
        #endif
        let keyed = try items.enumerated().map { (i: $0.offset, k: try key($0.element), v: $0.element) }
        let sorted = try keyed.sorted { a, b in
            let (x, y) = reverse ? (b.k, a.k) : (a.k, b.k)
            if try less(x, y) { return true }
            if try less(y, x) { return false }
            return a.i < b.i
        }
        return sorted.map(\.v)
    }

    /// Python's `len()`.
    func length(_ v: Value) throws -> Int {
        switch v {
        case .string(let s): return s.unicodeScalars.count
        case .list(let l): return l.items.count
        case .tuple(let t): return t.count
        case .dict(let d): return d.count
        case .undefined(let u):
            try failIfStrict(u)
            return 0
        case .object(let o):
            if let n = (o as? any RuntimeObject)?.length { return n }
            fallthrough
        default:
            throw TemplateError(.typeError, "object of type '\(v.typeName)' has no len()")
        }
    }
}

/// Jinja's `make_attrgetter` as a value that does not hold the renderer (generators
/// keep it past the filter call).
struct AttrGetter {
    private var parts: [Value] = []
    private let lower: Bool
    private let dflt: Value?

    init(_ attribute: Value?, lower: Bool = false, default dflt: Value? = nil) {
        switch attribute {
        case .string(let s)?:
            // `_prepare_attribute_parts`: a part that `isdigit()` is an index (`-1` is not).
            parts = s.unicodeScalars.split(separator: ".", omittingEmptySubsequences: false).map { p in
                if case .value(let n) = DecimalRun(p) { .int(n) } else { .string(String(p)) }
            }
        case .int(let i)?: parts = [.int(i)]
        default: break
        }
        self.lower = lower
        self.dflt = dflt
    }

    func get(_ item: Value, _ r: Renderer) throws -> Value {
        var v = item
        for p in parts { v = try r.getitem(v, p) }
        if let dflt, v.isUndefined { v = dflt }
        if lower, case .string(let s) = v { v = .string(pyLower(s)) }
        return v
    }
}

/// MarkupSafe's `escape` of text: `& < > " '`.
func htmlEscape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s.unicodeScalars {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&#34;"
        case "'": out += "&#39;"
        default: out.unicodeScalars.append(c)
        }
    }
    return out
}

/// Python's `html.unescape` for the common entities (named, decimal, hex).
func htmlUnescape(_ s: String) -> String {
    guard s.contains("&") else { return s }
    let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}", "copy": "©", "reg": "®",
    ]
    var out = ""
    var rest = Substring(s)
    while let amp = rest.firstIndex(of: "&") {
        out += rest[..<amp]
        let after = rest[rest.index(after: amp)...]
        if let semi = after.firstIndex(of: ";"), after.distance(from: after.startIndex, to: semi) <= 10 {
            let entity = String(after[..<semi])
            var replacement: String?
            if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                replacement = UInt32(entity.dropFirst(2), radix: 16).flatMap(UnicodeScalar.init).map(String.init)
            } else if entity.hasPrefix("#") {
                replacement = UInt32(entity.dropFirst()).flatMap(UnicodeScalar.init).map(String.init)
            } else {
                replacement = named[entity]
            }
            if let replacement {
                out += replacement
                rest = after[after.index(after: semi)...]
                continue
            }
        }
        out += "&"
        rest = after
    }
    return out + rest
}

/// A run of decimal digits of any script read as CPython's `get_integer` reads it, left to
/// right: its value, not decimal (empty, or a character that is not a digit before any
/// overflow), or past 64 bits.
enum DecimalRun {
    case value(Int)
    case notDecimal
    case overflow

    init(_ digits: some Collection<UnicodeScalar>) {
        guard !digits.isEmpty else { self = .notDecimal; return }
        var n = 0
        for u in digits {
            guard u.properties.numericType == .decimal, let d = u.properties.numericValue else {
                self = .notDecimal
                return
            }
            let (times, o1) = n.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int(d))
            if o1 || o2 { self = .overflow; return }
            n = sum
        }
        self = .value(n)
    }
}
