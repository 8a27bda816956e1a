/// Jinja2's built-in tests (`jinja2/tests.py`).
enum BuiltinTests {
    static let all: [String: Test] = {
        var t: [String: Test] = [:]
        /// The one argument of `test_<name>(value, <parameter>)`.
        @Sendable func one(_ a: Arguments, _ name: String, _ parameter: String) throws -> Value {
            guard let v = a.positional.first ?? a.keywords.first?.1 else {
                throw TemplateError(
                    .typeError, "test_\(name)() missing 1 required positional argument: \(pyRepr(parameter))")
            }
            return v
        }
        // `value % 2 == 1`: floats count too (`3.0 is odd`).
        t["odd"] = { v, _, r in try r.equals(try r.binary(.mod, v, .int(2)), .int(1)) }
        t["even"] = { v, _, r in try r.equals(try r.binary(.mod, v, .int(2)), .int(0)) }
        t["divisibleby"] = { v, a, r in
            let n = try one(a, "divisibleby", "num")
            let m = try r.binary(.mod, v, n)
            return try r.equals(m, .int(0))
        }
        t["defined"] = { v, _, _ in !v.isUndefined }
        t["undefined"] = { v, _, _ in v.isUndefined }
        // `value in env.filters` hashes the value (lists, dicts, StrictUndefined cannot be).
        @Sendable func hashable(_ v: Value, _ r: Renderer) throws {
            if case .undefined(let u) = v { try r.failIfStrict(u) }
            switch v {
            case .list, .dict, .object(is DictView):
                throw TemplateError(.typeError, "unhashable type: '\(v.typeName)'")
            default: break
            }
        }
        t["filter"] = { v, _, r in
            try hashable(v, r)
            return v.stringValue.map { r.environment.filters[$0] != nil } ?? false
        }
        t["test"] = { v, _, r in
            try hashable(v, r)
            return v.stringValue.map { r.environment.tests[$0] != nil } ?? false
        }
        t["none"] = { v, _, _ in if case .none = v { return true } else { return false } }
        t["boolean"] = { v, _, _ in if case .bool = v { return true } else { return false } }
        t["false"] = { v, _, _ in if case .bool(false) = v { return true } else { return false } }
        t["true"] = { v, _, _ in if case .bool(true) = v { return true } else { return false } }
        t["integer"] = { v, _, _ in if case .int = v { return true } else { return false } }
        t["float"] = { v, _, _ in v.isFloat }
        t["number"] = { v, _, _ in v.isNumber }
        t["string"] = { v, _, _ in v.stringValue != nil }
        t["mapping"] = { v, _, _ in if case .dict = v { return true } else { return false } }
        t["lower"] = { v, _, r in
            return pyIsLower(try r.str(v))
        }
        t["upper"] = { v, _, r in
            return pyIsUpper(try r.str(v))
        }
        // `len(value); value.__getitem__` succeed: generators and dict views are not
        // sequences, ranges are; StrictUndefined's len() fails.
        t["sequence"] = { v, _, r in
            switch v {
            case .string, .list, .tuple, .dict: return true
            case .undefined(let u): return !r.isStrict(u)
            case .object(let o): return (o as? any RuntimeObject)?.isSequence ?? false
            default: return false
            }
        }
        // `iter(value)` succeeds (StrictUndefined's iter() raises UndefinedError).
        t["iterable"] = { v, _, r in
            if case .undefined(let u) = v { try r.failIfStrict(u) }
            return r.isIterable(v)
        }
        // Undefined has `__call__` (which raises), so it counts as callable.
        t["callable"] = { v, _, _ in
            switch v {
            case .undefined: return true
            case .object(let o): return (o as? any RuntimeObject)?.isCallable ?? false
            default: return false
            }
        }
        t["sameas"] = { v, a, _ in
            let other = try one(a, "sameas", "other")
            switch (v, other) {
            case (.none, .none): return true
            case (.bool(let x), .bool(let y)): return x == y
            case (.int(let x), .int(let y)): return x == y
            case (.string(let x), .string(let y)): return x == y
            case (.list(let x), .list(let y)): return x === y
            case (.dict(let x), .dict(let y)): return x === y
            case (.object(let x), .object(let y)): return x === y
            default: return false
            }
        }
        t["escaped"] = { _, _, _ in false }
        t["in"] = { v, a, r in try r.contains(try one(a, "in", "seq"), v) }
        let cmp: [(names: [String], op: Expr.CmpOp)] = [
            (["==", "eq", "equalto"], .eq), (["!=", "ne"], .ne), ([">", "gt", "greaterthan"], .gt),
            ([">=", "ge"], .gteq), (["<", "lt", "lessthan"], .lt), (["<=", "le"], .lteq),
        ]
        for (names, op) in cmp {
            // operator.eq & co.
            let test: Test = { v, a, r in
                guard let other = a.positional.first ?? a.keywords.first?.1 else {
                    throw TemplateError(.typeError, "\(names[1]) expected 2 arguments, got 1")
                }
                return try r.compare(op, v, other)
            }
            for n in names { t[n] = test }
        }
        return t
    }()
}
