import Foundation

/// Python semantics of Jinja's operators: arithmetic, comparison, membership, truth.
extension Renderer {
    /// Fails with `UndefinedError` when `v` is undefined (any use but printing/testing).
    @inline(__always)
    func checkDefined(_ v: Value) throws {
        if case .undefined(let u) = v { throw u.error }
    }

    /// True when `u` behaves as `StrictUndefined` (strict mode, not the lenient
    /// undefined of a conditional expression).
    @inline(__always)
    func isStrict(_ u: Undefined) -> Bool { strict && !u.lenient }

    /// Raises `UndefinedError` when `u` is a strict undefined: the operations that
    /// `StrictUndefined` forbids and `Undefined` allows (`str`, `bool`, `len`, `iter`,
    /// `==`, `hash`, `in`).
    @inline(__always)
    func failIfStrict(_ u: Undefined) throws {
        if strict && !u.lenient { throw u.error }
    }

    /// Python's `bool(v)`; strict undefined raises.
    func truthy(_ v: Value) throws -> Bool {
        switch v {
        case .undefined(let u):
            try failIfStrict(u)
            return false
        case .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .float(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .list(let l): return !l.items.isEmpty
        case .tuple(let t): return !t.isEmpty
        case .dict(let d): return d.count > 0
        case .object(let o): return (o as? any RuntimeObject)?.isTruthy ?? true
        }
    }

    /// Python's `str(v)` as output sees it; strict undefined raises.
    func str(_ v: Value) throws -> String {
        if case .undefined(let u) = v { try failIfStrict(u) }
        return v.str
    }

    func binary(_ op: Expr.BinOp, _ a: Value, _ b: Value) throws -> Value {
        try checkDefined(a)
        // `'%s' % undefined` formats the undefined (str.__mod__ runs first).
        if op == .mod, case .string(let fmt) = a { return .string(try percentFormat(fmt, b)) }
        try checkDefined(b)
        switch op {
        case .add: return try add(a, b)
        case .sub:
            if let x = a.intValue, let y = b.intValue, case (false, false) = (a.isFloat, b.isFloat) {
                let (r, o) = x.subtractingReportingOverflow(y)
                if !o { return .int(r) }
            }
            if let x = a.doubleValue, let y = b.doubleValue { return .float(x - y) }
            throw unsupported("-", a, b)
        case .mul: return try mul(a, b)
        case .div:
            guard let x = a.doubleValue, let y = b.doubleValue else { throw unsupported("/", a, b) }
            if y == 0 {
                let isFloat = a.isFloat || b.isFloat
                throw TemplateError(.zeroDivisionError, isFloat ? "float division by zero" : "division by zero")
            }
            return .float(x / y)
        case .floordiv:
            if let x = a.intValue, let y = b.intValue, !a.isFloat, !b.isFloat {
                if y == 0 { throw TemplateError(.zeroDivisionError, "integer division or modulo by zero") }
                guard let q = floorDiv(x, y) else { throw TemplateError(.overflowError, "integer result too large") }
                return .int(q)
            }
            guard let x = a.doubleValue, let y = b.doubleValue else { throw unsupported("//", a, b) }
            if y == 0 { throw TemplateError(.zeroDivisionError, "float floor division by zero") }
            return .float(floorFloatDiv(x, y))
        case .mod:
            if case .string(let fmt) = a { return .string(try percentFormat(fmt, b)) }
            if let x = a.intValue, let y = b.intValue, !a.isFloat, !b.isFloat {
                if y == 0 { throw TemplateError(.zeroDivisionError, "integer modulo by zero") }
                return .int(floorMod(x, y))
            }
            guard let x = a.doubleValue, let y = b.doubleValue else { throw unsupported("%", a, b) }
            if y == 0 { throw TemplateError(.zeroDivisionError, "float modulo") }
            return .float(pyFloatMod(x, y))
        case .pow:
            if let x = a.intValue, let y = b.intValue, !a.isFloat, !b.isFloat {
                if y >= 0 {
                    var result = 1
                    var base = x
                    var e = y
                    while e > 0 {
                        if e & 1 == 1 {
                            let (r, o) = result.multipliedReportingOverflow(by: base)
                            if o { throw TemplateError(.overflowError, "integer result too large") }
                            result = r
                        }
                        e >>= 1
                        if e > 0 {
                            let (bb, o) = base.multipliedReportingOverflow(by: base)
                            if o { throw TemplateError(.overflowError, "integer result too large") }
                            base = bb
                        }
                    }
                    return .int(result)
                }
                if x == 0 { throw TemplateError(.zeroDivisionError, "0.0 cannot be raised to a negative power") }
                return .float(Foundation.pow(Double(x), Double(y)))
            }
            guard let x = a.doubleValue, let y = b.doubleValue else { throw unsupported("** or pow()", a, b) }
            if x == 0 && y < 0 { throw TemplateError(.zeroDivisionError, "0.0 cannot be raised to a negative power") }
            return .float(Foundation.pow(x, y))
        }
    }

    private func unsupported(_ op: String, _ a: Value, _ b: Value) -> TemplateError {
        TemplateError(.typeError, "unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'")
    }

    private func add(_ a: Value, _ b: Value) throws -> Value {
        switch (a, b) {
        case (.string(let x), .string(let y)):
            try SizeLimit.check(x.utf8.count + y.utf8.count)
            return .string(x + y)
        case (.string, _): throw TemplateError(.typeError, "can only concatenate str (not \"\(b.typeName)\") to str")
        case (.list(let x), .list(let y)):
            try SizeLimit.checkValues(x.items.count + y.items.count)
            return .list(ListBox(x.items + y.items))
        case (.list, _): throw TemplateError(.typeError, "can only concatenate list (not \"\(b.typeName)\") to list")
        case (.tuple(let x), .tuple(let y)):
            try SizeLimit.checkValues(x.count + y.count)
            return .tuple(x + y)
        case (.tuple, _): throw TemplateError(.typeError, "can only concatenate tuple (not \"\(b.typeName)\") to tuple")
        default:
            if let x = a.intValue, let y = b.intValue, !a.isFloat, !b.isFloat {
                let (r, o) = x.addingReportingOverflow(y)
                if !o { return .int(r) }
            }
            if let x = a.doubleValue, let y = b.doubleValue { return .float(x + y) }
            throw unsupported("+", a, b)
        }
    }

    private func mul(_ a: Value, _ b: Value) throws -> Value {
        // A sequence (str, list, tuple) on the left repeats by the right operand, else one
        // on the right repeats by the left one; the error names the non-int's type.
        func count(_ n: Value) throws -> Int {
            guard let c = n.intValue, !n.isFloat else {
                throw TemplateError(.typeError, "can't multiply sequence by non-int of type '\(n.typeName)'")
            }
            return c
        }
        func repeatSequence(_ seq: Value, _ n: Value) throws -> Value? {
            switch seq {
            case .string(let s):
                let c = try count(n)
                // CPython checks the length (in code points) before it tries to allocate.
                if c > 0, s.unicodeScalars.count.multipliedReportingOverflow(by: c).overflow {
                    throw TemplateError(.overflowError, "repeated string is too long")
                }
                return .string(try SizeLimit.repeating(s, count: c))
            case .list(let l): return .list(ListBox(try repeated(l.items, try count(n))))
            case .tuple(let t): return .tuple(try repeated(t, try count(n)))
            default: return nil
            }
        }
        if let v = try repeatSequence(a, b) { return v }
        if let v = try repeatSequence(b, a) { return v }
        if let x = a.intValue, let y = b.intValue, !a.isFloat, !b.isFloat {
            let (r, o) = x.multipliedReportingOverflow(by: y)
            if !o { return .int(r) }
            throw TemplateError(.overflowError, "integer result too large")
        }
        if let x = a.doubleValue, let y = b.doubleValue { return .float(x * y) }
        throw unsupported("*", a, b)
    }

    private func repeated(_ xs: [Value], _ n: Int) throws -> [Value] {
        guard n > 0, !xs.isEmpty else { return [] }
        let (total, overflow) = xs.count.multipliedReportingOverflow(by: n)
        if overflow { throw SizeLimit.memoryError }
        try SizeLimit.checkValues(total)
        var out: [Value] = []
        out.reserveCapacity(xs.count * n)
        for _ in 0..<n { out.append(contentsOf: xs) }
        return out
    }

    /// Python's `==` (numbers across int/float/bool, containers element-wise).
    func equals(_ a: Value, _ b: Value) throws -> Bool {
        if strict {
            if case .undefined(let u) = a { try failIfStrict(u) }
            if case .undefined(let u) = b { try failIfStrict(u) }
        }
        return pyEquals(a, b)
    }

    /// Python's ordering (`<`); TypeError between unordered types.
    func less(_ a: Value, _ b: Value, _ op: String = "<") throws -> Bool {
        try checkDefined(a)
        try checkDefined(b)
        if let r = pyCompare(a, b) { return r < 0 }
        throw TemplateError(.typeError, "'\(op)' not supported between instances of '\(a.typeName)' and '\(b.typeName)'")
    }

    func compare(_ op: Expr.CmpOp, _ a: Value, _ b: Value) throws -> Bool {
        switch op {
        case .eq: return try equals(a, b)
        case .ne: return try !equals(a, b)
        case .lt: return try less(a, b, "<")
        case .gt:
            try checkDefined(a)
            try checkDefined(b)
            guard let r = pyCompare(a, b) else {
                throw TemplateError(.typeError, "'>' not supported between instances of '\(a.typeName)' and '\(b.typeName)'")
            }
            return r > 0
        case .lteq:
            try checkDefined(a)
            try checkDefined(b)
            guard let r = pyCompare(a, b) else {
                throw TemplateError(.typeError, "'<=' not supported between instances of '\(a.typeName)' and '\(b.typeName)'")
            }
            return r <= 0
        case .gteq:
            try checkDefined(a)
            try checkDefined(b)
            guard let r = pyCompare(a, b) else {
                throw TemplateError(.typeError, "'>=' not supported between instances of '\(a.typeName)' and '\(b.typeName)'")
            }
            return r >= 0
        case .in: return try contains(b, a)
        case .notin: return try !contains(b, a)
        }
    }

    /// Python's `needle in haystack`.
    func contains(_ haystack: Value, _ needle: Value) throws -> Bool {
        switch haystack {
        case .string(let s):
            guard case .string(let n) = needle else {
                throw TemplateError(.typeError, "'in <string>' requires string as left operand, not \(typeName(needle))")
            }
            return CodePoints.contains(s, n)
        case .list(let l): return try l.items.contains { try equals($0, needle) }
        case .tuple(let t): return try t.contains { try equals($0, needle) }
        case .dict(let d):
            if case .undefined(let u) = needle { try failIfStrict(u) }
            if HashKey(needle) == nil {
                // Objects hash by identity and are never keys here; lists, dicts and views cannot hash.
                if case .object(let o) = needle, !(o is DictView) { return false }
                throw TemplateError(.typeError, "unhashable type: '\(needle.typeName)'")
            }
            return d.get(needle) != nil
        case .undefined(let u):
            try failIfStrict(u)
            return false
        case .object(let o):
            if let it = o as? PyIterator {
                // `in` consumes a generator up to the first match.
                while let x = try it.next(self) {
                    if try equals(x, needle) { return true }
                }
                return false
            }
            if let rg = o as? RangeObject {
                if case .undefined(let u) = needle { try failIfStrict(u) }
                return rg.contains(needle)
            }
            if let view = o as? DictView {
                if view.kind != .values, case .undefined(let u) = needle { try failIfStrict(u) }
                return try view.contains(needle, self)
            }
            if let seq = (o as? any RuntimeObject)?.iterationValues {
                return try seq.contains { try equals($0, needle) }
            }
            throw TemplateError(.typeError, "argument of type '\(o.typeName)' is not iterable")
        default:
            throw TemplateError(.typeError, "argument of type '\(haystack.typeName)' is not iterable")
        }
    }
}

extension Value {
    var isFloat: Bool {
        if case .float = self { return true }
        return false
    }
}

/// Python's `==` without strict-mode checks. (Containers nested deeper than Python's
/// recursion limit compare unequal instead of failing.)
public func pyEquals(_ a: Value, _ b: Value) -> Bool { pyEquals(a, b, depth: 0) }

private func pyEquals(_ a: Value, _ b: Value, depth: Int) -> Bool {
    if depth > Value.maxNesting { return false }
    let d = depth + 1
    switch (a, b) {
    case (.undefined, .undefined): return true
    case (.none, .none): return true
    case (.string(let x), .string(let y)): return CodePoints.equal(x, y)
    case (.list(let x), .list(let y)):
        return x === y || (x.items.count == y.items.count && zip(x.items, y.items).allSatisfy { pyEquals($0, $1, depth: d) })
    case (.tuple(let x), .tuple(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { pyEquals($0, $1, depth: d) }
    case (.dict(let x), .dict(let y)):
        if x === y { return true }
        guard x.count == y.count else { return false }
        for (k, v) in x.pairs {
            guard let w = y.get(k), pyEquals(v, w, depth: d) else { return false }
        }
        return true
    case (.object(let x), .object(let y)):
        if let gx = x as? GroupTuple, let gy = y as? GroupTuple {
            return pyEquals(.tuple(gx.asTuple), .tuple(gy.asTuple), depth: d)
        }
        if let rx = x as? RangeObject, let ry = y as? RangeObject { return rx.sameSequence(ry) }
        if let vx = x as? DictView, let vy = y as? DictView, vx.kind == vy.kind, vx.kind != .values {
            // keys and items views compare as sets.
            guard vx.dict.count == vy.dict.count else { return false }
            if vx.kind == .keys { return vx.dict.keys.allSatisfy { vy.dict.get($0) != nil } }
            return vx.dict.pairs.allSatisfy { k, v in vy.dict.get(k).map { pyEquals($0, v) } ?? false }
        }
        return x === y
    default:
        if a.isNumber, b.isNumber {
            if let x = a.intValue, let y = b.intValue { return x == y }
            return a.doubleValue! == b.doubleValue!
        }
        return false
    }
}

/// Python's rich ordering as -1/0/1, nil when the types are unordered (or nested deeper
/// than Python's recursion limit).
func pyCompare(_ a: Value, _ b: Value, depth: Int = 0) -> Int? {
    if depth > Value.maxNesting { return nil }
    switch (a, b) {
    case (.string(let x), .string(let y)): return CodePoints.compare(x, y)
    case (.list(let x), .list(let y)): return seqCompare(x.items, y.items, depth + 1)
    case (.tuple(let x), .tuple(let y)): return seqCompare(x, y, depth + 1)
    default:
        if a.isNumber, b.isNumber {
            if let x = a.intValue, let y = b.intValue { return x < y ? -1 : (x > y ? 1 : 0) }
            let x = a.doubleValue!, y = b.doubleValue!
            return x < y ? -1 : (x > y ? 1 : 0)
        }
        return nil
    }
}

private func seqCompare(_ x: [Value], _ y: [Value], _ depth: Int) -> Int? {
    for (p, q) in zip(x, y) where !pyEquals(p, q, depth: depth) {
        return pyCompare(p, q, depth: depth)
    }
    return x.count < y.count ? -1 : (x.count > y.count ? 1 : 0)
}

/// Floor division of integers, rounding toward negative infinity like Python; nil for
/// the one quotient that does not fit (`Int.min // -1`). `y` is not zero.
func floorDiv(_ x: Int, _ y: Int) -> Int? {
    let (q, overflow) = x.dividedReportingOverflow(by: y)
    if overflow { return nil }
    return (x % y != 0 && ((x < 0) != (y < 0))) ? q - 1 : q
}

/// Python's integer `%`: the result takes the sign of the divisor. `y` is not zero.
func floorMod(_ x: Int, _ y: Int) -> Int {
    let (r, overflow) = x.remainderReportingOverflow(dividingBy: y)
    if overflow { return 0 }  // Int.min % -1
    return r != 0 && ((r < 0) != (y < 0)) ? r + y : r
}

/// Python's float `//`: `(x - x % y) / y` rounded, as CPython's float_floor_div does.
func floorFloatDiv(_ x: Double, _ y: Double) -> Double {
    let mod = pyFloatMod(x, y)
    var div = (x - mod) / y
    if div != 0 {
        let floordiv = div.rounded(.down)
        if div - floordiv > 0.5 { div = floordiv + 1 } else { div = floordiv }
    } else {
        div = (x / y).sign == .minus ? -0.0 : 0.0
    }
    return div
}

/// Python's float `%`: the result takes the sign of the divisor.
func pyFloatMod(_ x: Double, _ y: Double) -> Double {
    var mod = fmod(x, y)
    if mod != 0 {
        if (y < 0) != (mod < 0) { mod += y }
    } else {
        mod = y < 0 ? -0.0 : 0.0
    }
    return mod
}
