import Foundation

/// Jinja2's numeric filters.
extension BuiltinFilters {
    /// `abs`.
    static func doAbs(_ v: Value, _ _: Arguments, _ r: Renderer) throws -> Value {
        // Undefined has no __abs__: a TypeError, not an UndefinedError.
        switch v {
        case .int(let i):
            guard i != .min else { throw TemplateError(.overflowError, "integer result too large") }
            return .int(abs(i))
        case .bool(let b): return .int(b ? 1 : 0)
        case .float(let d): return .float(abs(d))
        default: throw TemplateError(.typeError, "bad operand type for abs(): '\(r.typeName(v))'")
        }
    }

    /// `float`.
    static func doFloat(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        let b = try a.bind(["default"], function: "do_float")
        // float(Undefined) calls __float__, which raises UndefinedError.
        try r.checkDefined(v)
        return pyFloat(v) ?? b[0, default: .float(0)]
    }

    /// `int`.
    static func doInt(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        let b = try a.bind(["default", "base"], function: "do_int")
        try r.checkDefined(v)
        let dflt = b[0, default: .int(0)]
        let base = b[1]?.intValue ?? 10
        if case .string(let s) = v {
            if let i = pyIntParse(s, base: base) { return .int(i) }
        } else if let i = v.intValue {
            return .int(i)
        } else if case .float(let d) = v, d.isFinite {
            // Python's int is unbounded; ours is 64-bit.
            guard let i = Int(exactly: d.rounded(.towardZero)) else {
                throw TemplateError(.overflowError, "int too large to convert to int64")
            }
            return .int(i)
        }
        // "42.23"|int gives 42: int(float(value)).
        if case .float(let d)? = pyFloat(v), d.isFinite, abs(d) < 9.2e18 { return .int(Int(d.rounded(.towardZero))) }
        return dflt
    }

    /// `max`.
    static func doMax(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        try minMax(v, a, r, max: true)
    }

    /// `min`.
    static func doMin(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        try minMax(v, a, r, max: false)
    }

    /// `random`.
    static func doRandom(_ v: Value, _ _: Arguments, _ r: Renderer) throws -> Value {
        let n = try r.length(v)
        guard n > 0 else { return .undefined(Undefined(hint: "No random item, sequence was empty.")) }
        let i = Value.int(Int.random(in: 0..<n))
        switch v {
        case .dict(let d):
            guard let x = d.get(i) else { throw TemplateError(.keyError, i.repr) }
            return x
        case .object(let o):
            guard let x = (o as? any RuntimeObject)?.item(i) else {
                throw TemplateError(.typeError, "'\(o.typeName)' object is not subscriptable")
            }
            return x
        default:
            return try r.getitem(v, i)
        }
    }

    /// `round`.
    static func doRound(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        let b = try a.bind(["precision", "method"], function: "round")
        let precision = b[0]?.intValue ?? 0
        let method = b[1]?.stringValue ?? "common"
        guard ["common", "ceil", "floor"].contains(method) else {
            throw TemplateError(.filterArgumentError, "method must be common, ceil or floor")
        }
        // round(Undefined) is a TypeError (no __round__); ceil/floor multiply first.
        if method != "common" { try r.checkDefined(v) }
        guard let d = v.doubleValue else {
            throw TemplateError(.typeError, "type \(r.typeName(v)) doesn't define __round__ method")
        }
        if method == "common" {
            if let i = v.intValue, !v.isFloat {
                // round(int, n) stays an int (n < 0 rounds to tens, half to even).
                if precision >= 0 { return .int(i) }
                return .int(try roundInt(i, digits: precision))
            }
            return .float(pyRound(d, precision))
        }
        let scale = Foundation.pow(10.0, Double(precision))
        let x = d * scale
        return .float((method == "ceil" ? x.rounded(.up) : x.rounded(.down)) / scale)
    }

    /// `sum`.
    static func doSum(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        let b = try a.bind(["attribute", "start"], function: "sum")
        var total = b[1, default: .int(0)]
        var items = try r.iterate(v)
        if let attr = b[0] {
            let g = r.attrGetter(attr)
            items = try items.map(g)
        }
        for x in items { total = try r.binary(.add, total, x) }
        return total
    }
}
