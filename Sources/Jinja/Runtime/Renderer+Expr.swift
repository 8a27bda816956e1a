/// Expression evaluation: names, lookups, calls, filters and tests.
extension Renderer {
    /// Resolves a name dynamically (pass-context functions, names the `Resolver` did
    /// not see): frames, template variables, render variables, globals, `self`.
    func lookup(_ name: String, _ scope: Scope) -> Value {
        if let v = scope.dynamicLookup(name) ?? scope.environment.globals[name] { return v }
        if name == "self" { return .object(TemplateReference(scope.context)) }
        return .missing(name)
    }

    func eval(_ e: Expr, _ scope: Scope) throws -> Value {
        do {
            return try evalInner(e, scope)
        } catch let err as TemplateError {
            throw err.located(scope.templateName, e.line, nil, span: e.span)
        }
    }

    /// One expression. The larger cases live in their own functions: keeping this frame
    /// small keeps deep recursion (macros calling macros) within the stack.
    private func evalInner(_ e: Expr, _ scope: Scope) throws -> Value {
        switch e.kind {
        case .const(let v):
            return v
        case .name(let n):
            // The frame `depth` levels up holds the name (see `Resolver`).
            if e.depth >= 0 { return scope.ancestor(e.depth)?.vars[n] ?? .missing(n) }
            return lookup(n, scope)
        case .getattr(let objExpr, let attr):
            return try getattr(try eval(objExpr, scope), attr)
        case .getitem:
            return try evalGetitem(e, scope)
        case .slice:
            throw TemplateError(.templateRuntimeError, "slice outside of a subscript")
        case .list, .tuple, .dict:
            return try evalDisplay(e, scope)
        case .binary, .neg, .pos, .not, .and, .or:
            return try evalOperator(e, scope)
        case .concat, .compare:
            return try evalCompareOrConcat(e, scope)
        case .condExpr:
            return try evalCondExpr(e, scope)
        case .call:
            return try evalCall(e, scope)
        case .filter:
            return try evalFilter(e, scope)
        case .test:
            return try evalTest(e, scope)
        case .nsRef:
            throw TemplateError(.templateRuntimeError, "namespace reference outside of an assignment")
        }
    }

    @inline(never)
    private func evalGetitem(_ e: Expr, _ scope: Scope) throws -> Value {
        guard case .getitem(let objExpr, let argExpr) = e.kind else { return .none }
        let obj = try eval(objExpr, scope)
        if case .slice(let a, let b, let c) = argExpr.kind {
            return try slice(
                obj, a.map { try eval($0, scope) }, b.map { try eval($0, scope) }, c.map { try eval($0, scope) })
        }
        return try getitem(obj, try eval(argExpr, scope))
    }

    /// List, tuple and dict displays.
    @inline(never)
    private func evalDisplay(_ e: Expr, _ scope: Scope) throws -> Value {
        switch e.kind {
        case .list(let xs): return .list(ListBox(try xs.map { try eval($0, scope) }))
        case .tuple(let xs): return .tuple(try xs.map { try eval($0, scope) })
        case .dict(let pairs): return try evalDict(pairs, scope)
        default: return .none
        }
    }

    private func evalDict(_ pairs: [(Expr, Expr)], _ scope: Scope) throws -> Value {
        let d = DictBox()
        for (k, v) in pairs {
            let key = try eval(k, scope)
            if case .undefined(let u) = key { try failIfStrict(u) }
            try d.set(key, try eval(v, scope))
        }
        return .dict(d)
    }

    @inline(never)
    private func evalOperator(_ e: Expr, _ scope: Scope) throws -> Value {
        switch e.kind {
        case .binary(let op, let a, let b):
            return try binary(op, try eval(a, scope), try eval(b, scope))
        case .neg(let a):
            return try negate(try eval(a, scope))
        case .pos(let a):
            return try plus(try eval(a, scope))
        case .not(let a):
            return .bool(!(try truthy(try eval(a, scope))))
        case .and(let a, let b):
            let l = try eval(a, scope)
            return try truthy(l) ? try eval(b, scope) : l
        case .or(let a, let b):
            let l = try eval(a, scope)
            return try truthy(l) ? l : try eval(b, scope)
        default:
            return .none
        }
    }

    private func negate(_ v: Value) throws -> Value {
        try checkDefined(v)
        switch v {
        case .int(let i):
            guard i != .min else { throw TemplateError(.overflowError, "integer result too large") }
            return .int(-i)
        case .bool(let b): return .int(b ? -1 : 0)
        case .float(let d): return .float(-d)
        default: throw TemplateError(.typeError, "bad operand type for unary -: '\(v.typeName)'")
        }
    }

    private func plus(_ v: Value) throws -> Value {
        try checkDefined(v)
        switch v {
        case .int, .float: return v
        case .bool(let b): return .int(b ? 1 : 0)
        default: throw TemplateError(.typeError, "bad operand type for unary +: '\(v.typeName)'")
        }
    }

    @inline(never)
    private func evalCompareOrConcat(_ e: Expr, _ scope: Scope) throws -> Value {
        if case .concat(let xs) = e.kind {
            var s = ""
            for x in xs {
                let part = try str(try eval(x, scope))
                try SizeLimit.check(s.utf8.count + part.utf8.count)
                s += part
            }
            return .string(s)
        }
        guard case .compare(let first, let ops) = e.kind else { return .none }
        var left = try eval(first, scope)
        for (op, rexpr) in ops {
            let right = try eval(rexpr, scope)
            if !(try compare(op, left, right)) { return .bool(false) }
            left = right
        }
        return .bool(true)
    }

    @inline(never)
    private func evalCondExpr(_ e: Expr, _ scope: Scope) throws -> Value {
        guard case .condExpr(let test, let then, let otherwise) = e.kind else { return .none }
        if try truthy(try eval(test, scope)) { return try eval(then, scope) }
        if let otherwise { return try eval(otherwise, scope) }
        // Jinja's `cond_expr_undefined`: always the default Undefined, even in strict mode.
        let position = "line \(e.line)" + (scope.templateName.map { " in \(pyRepr($0))" } ?? "")
        return .undefined(
            Undefined(
                hint: "the inline if-expression on \(position) evaluated to false and no else section was defined.",
                lenient: true))
    }

    @inline(never)
    private func evalCall(_ e: Expr, _ scope: Scope) throws -> Value {
        guard case .call(let fnExpr, let argExprs) = e.kind else { return .none }
        // `obj.method(...)` on a builtin type calls the method without a bound object.
        if case .getattr(let objExpr, let name) = fnExpr.kind {
            let obj = try eval(objExpr, scope)
            if hasMethod(obj, name) {
                return try callMethod(obj, name, try evalArgs(argExprs, scope))
            }
            return try call(try getattr(obj, name), try evalArgs(argExprs, scope))
        }
        let fn = try eval(fnExpr, scope)
        return try call(fn, try evalArgs(argExprs, scope), scope: scope)
    }

    @inline(never)
    private func evalFilter(_ e: Expr, _ scope: Scope) throws -> Value {
        guard case .filter(let operand, let name, let fn, let argExprs) = e.kind else { return .none }
        guard let operand else { throw TemplateError(.templateRuntimeError, "filter without operand") }
        let value = try eval(operand, scope)
        return try applyFilter(name, fn, value, try evalArgs(argExprs, scope), scope)
    }

    @inline(never)
    private func evalTest(_ e: Expr, _ scope: Scope) throws -> Value {
        guard case .test(let operand, let name, let fn, let argExprs) = e.kind else { return .none }
        guard let fn else { throw TemplateError(.templateRuntimeError, "No test named '\(name)' found.") }
        let value = try eval(operand, scope)
        let args = try evalArgs(argExprs, scope)
        let saved = currentScope
        currentScope = scope
        defer { currentScope = saved }
        return .bool(try fn(value, args, self))
    }

    private func applyFilter(_ name: String, _ fn: Filter?, _ value: Value, _ args: Arguments, _ scope: Scope) throws
        -> Value
    {
        guard let fn else { throw TemplateError(.templateRuntimeError, "No filter named '\(name)' found.") }
        let saved = currentScope
        currentScope = scope
        defer { currentScope = saved }
        return try fn(value, args, self)
    }

    /// Applies a filter expression whose innermost operand is the given input
    /// (`{% filter a|b %}` and `{% set x | f %}` bodies).
    func applyFilterChain(_ e: Expr, input: Value, _ scope: Scope) throws -> Value {
        guard case .filter(let operand, let name, let fn, let argExprs) = e.kind else { return try eval(e, scope) }
        let value = try operand.map { try applyFilterChain($0, input: input, scope) } ?? input
        do {
            return try applyFilter(name, fn, value, try evalArgs(argExprs, scope), scope)
        } catch let err as TemplateError {
            throw err.located(scope.templateName, e.line, nil, span: e.span)
        }
    }

    func evalArgs(_ a: Expr.Args, _ scope: Scope) throws -> Arguments {
        var args = Arguments()
        if !a.positional.isEmpty { args.positional = try a.positional.map { try eval($0, scope) } }
        if let dyn = a.dynArgs { args.positional += try iterate(try eval(dyn, scope)) }
        if !a.keywords.isEmpty { args.keywords = try a.keywords.map { ($0.0, try eval($0.1, scope)) } }
        if let dyn = a.dynKwargs {
            let v = try eval(dyn, scope)
            guard case .dict(let d) = v else {
                throw TemplateError(.typeError, "argument after ** must be a mapping, not \(v.typeName)")
            }
            for (k, val) in d.pairs {
                guard case .string(let key) = k else { throw TemplateError(.typeError, "keywords must be strings") }
                args.keywords.append((key, val))
            }
        }
        return args
    }

    /// Calls any callable value.
    public func call(_ fn: Value, _ args: Arguments) throws -> Value {
        try call(fn, args, scope: nil)
    }

    func call(_ fn: Value, _ args: Arguments, scope: Scope?) throws -> Value {
        switch fn {
        case .undefined(let u):
            throw u.error
        case .object(let o):
            guard let r = o as? any RuntimeObject else {
                throw TemplateError(.typeError, "'\(o.typeName)' object is not callable")
            }
            let saved = currentScope
            if let scope { currentScope = scope }
            defer { currentScope = saved }
            return try r.call(args, self)
        default:
            throw TemplateError(.typeError, "'\(fn.typeName)' object is not callable")
        }
    }

    // MARK: - attribute and item lookup

    /// Jinja's `environment.getattr`: attribute first (methods, object fields), then item.
    /// Names starting with `_` are never exposed (the sandbox's `is_safe_attribute`).
    public func getattr(_ obj: Value, _ name: String) throws -> Value {
        if name.hasPrefix("_") { return try privateAttribute(obj, name) }
        if case .undefined(let u) = obj { throw u.error }
        switch obj {
        case .dict(let d):
            if Renderer.dictMethods.contains(name) { return .object(BoundMethod(obj, name)) }
            if let v = d.get(name) { return v }
        case .object(let o):
            if let v = (o as? any RuntimeObject)?.attribute(name) { return v }
        default:
            if hasMethod(obj, name) { return .object(BoundMethod(obj, name)) }
            if let v = Renderer.numberAttribute(obj, name) { return v }
        }
        return missingAttribute(obj, name)
    }

    /// The sandbox on names starting with `_`: an attribute Python has (the dunders of
    /// the type) is unsafe (an undefined that raises `SecurityError` when used); any other
    /// name is not an attribute, so a dict's item of that name is found, as
    /// `SandboxedEnvironment.getattr` falls back to `obj[name]`.
    private func privateAttribute(_ obj: Value, _ name: String) throws -> Value {
        if name.hasPrefix("__"), name.hasSuffix("__"), Renderer.hasDunder(obj, name) {
            let type = obj.isUndefined ? typeName(obj) : obj.typeName
            return .undefined(
                Undefined(
                    hint: "access to attribute \(pyRepr(name)) of \(pyRepr(type)) object is unsafe.", name: name,
                    owner: obj.objectTypeRepr, errorKind: .securityError))
        }
        switch obj {
        case .undefined(let u): throw u.error
        case .dict(let d): if let v = d.get(name) { return v }
        default: break
        }
        return missingAttribute(obj, name)
    }

    private static let objectDunders: Set<String> = [
        "__class__", "__delattr__", "__dir__", "__doc__", "__eq__", "__format__", "__ge__", "__getattribute__",
        "__getstate__", "__gt__", "__hash__", "__init__", "__init_subclass__", "__le__", "__lt__", "__ne__", "__new__",
        "__reduce__", "__reduce_ex__", "__repr__", "__setattr__", "__sizeof__", "__str__", "__subclasshook__",
    ]
    private static let intDunders: Set<String> = [
        "__abs__", "__add__", "__and__", "__bool__", "__ceil__", "__divmod__", "__float__", "__floor__", "__floordiv__",
        "__getnewargs__", "__index__", "__int__", "__invert__", "__lshift__", "__mod__", "__mul__", "__neg__", "__or__",
        "__pos__", "__pow__", "__radd__", "__rand__", "__rdivmod__", "__rfloordiv__", "__rlshift__", "__rmod__",
        "__rmul__", "__ror__", "__round__", "__rpow__", "__rrshift__", "__rshift__", "__rsub__", "__rtruediv__",
        "__rxor__", "__sub__", "__truediv__", "__trunc__", "__xor__",
    ]
    private static let typeDunders: [String: Set<String>] = [
        "str": [
            "__add__", "__contains__", "__getitem__", "__getnewargs__", "__iter__", "__len__", "__mod__", "__mul__",
            "__rmod__", "__rmul__",
        ],
        "float": intDunders.subtracting([
            "__and__", "__index__", "__invert__", "__lshift__", "__or__", "__rand__", "__rlshift__", "__ror__",
            "__rrshift__", "__rshift__", "__rxor__", "__xor__",
        ]).union(["__getformat__"]),
        "int": intDunders, "bool": intDunders, "NoneType": ["__bool__"],
        "list": [
            "__add__", "__class_getitem__", "__contains__", "__delitem__", "__getitem__", "__iadd__", "__imul__",
            "__iter__", "__len__", "__mul__", "__reversed__", "__rmul__", "__setitem__",
        ],
        "tuple": [
            "__add__", "__class_getitem__", "__contains__", "__getitem__", "__getnewargs__", "__iter__", "__len__",
            "__mul__", "__rmul__",
        ],
        "dict": [
            "__class_getitem__", "__contains__", "__delitem__", "__getitem__", "__ior__", "__iter__", "__len__",
            "__or__", "__reversed__", "__ror__", "__setitem__",
        ],
    ]

    /// Whether Python's `dir(obj)` has the dunder `name`.
    static func hasDunder(_ obj: Value, _ name: String) -> Bool {
        objectDunders.contains(name) || typeDunders[obj.typeName]?.contains(name) == true
    }

    private func missingAttribute(_ obj: Value, _ name: String) -> Value {
        .undefined(Undefined(name: name, owner: obj.objectTypeRepr))
    }

    /// Jinja's `environment.getitem`: item first, then attribute for string keys.
    public func getitem(_ obj: Value, _ key: Value) throws -> Value {
        switch obj {
        case .undefined(let u):
            throw u.error
        case .dict(let d):
            if case .undefined(let u) = key { try failIfStrict(u) }
            if let v = d.get(key) { return v }
        case .list(let l):
            if let i = key.intValue, !key.isFloat, let v = index(l.items, i) { return v }
        case .tuple(let t):
            if let i = key.intValue, !key.isFloat, let v = index(t, i) { return v }
        case .string(let s):
            if let i = key.intValue, !key.isFloat {
                let scalars = Array(s.unicodeScalars)
                let j = i < 0 ? i + scalars.count : i
                if j >= 0 && j < scalars.count { return .string(String(scalars[j])) }
            }
        case .object(let o):
            if let v = (o as? any RuntimeObject)?.item(key) { return v }
        default: break
        }
        if case .string(let name) = key {
            let v = try getattr(obj, name)
            if !v.isUndefined { return v }
            return missingAttribute(obj, name)
        }
        return .undefined(Undefined(name: key.repr, owner: obj.objectTypeRepr, isElement: true))
    }

    private func index(_ xs: [Value], _ i: Int) -> Value? {
        let j = i < 0 ? i + xs.count : i
        return j >= 0 && j < xs.count ? xs[j] : nil
    }

    /// Python slicing of lists, tuples and strings.
    func slice(_ obj: Value, _ start: Value?, _ stop: Value?, _ step: Value?) throws -> Value {
        if case .undefined(let u) = obj { throw u.error }
        func bound(_ v: Value?) throws -> Int? {
            guard let v else { return nil }
            if case .none = v { return nil }
            guard let i = v.intValue, !v.isFloat else {
                throw TemplateError(
                    .typeError, "slice indices must be integers or None or have an __index__ method")
            }
            return i
        }
        let (a, b, c) = (try bound(start), try bound(stop), try bound(step))
        switch obj {
        case .list(let l): return .list(ListBox(try pySlice(l.items, a, b, c)))
        case .tuple(let t): return .tuple(try pySlice(t, a, b, c))
        case .string(let s):
            var out = String.UnicodeScalarView()
            out.append(contentsOf: try pySlice(Array(s.unicodeScalars), a, b, c))
            return .string(String(out))
        case .object(let rg as RangeObject):
            return .object(try rg.slice(a, b, c))
        case .object(let g as GroupTuple):
            return .tuple(try pySlice(g.asTuple, a, b, c))
        default:
            return .undefined(Undefined(name: "slice", owner: obj.objectTypeRepr, isElement: true))
        }
    }
}

/// Python's `seq[start:stop:step]`.
func pySlice<T>(_ xs: [T], _ start: Int?, _ stop: Int?, _ step: Int?) throws -> [T] {
    let n = xs.count
    let step = step ?? 1
    if step == 0 { throw TemplateError(.valueError, "slice step cannot be zero") }
    func clamp(_ v: Int?, _ dflt: Int, lower: Int, upper: Int) -> Int {
        guard var v else { return dflt }
        if v < 0 { v += n }
        return min(max(v, lower), upper)
    }
    var out: [T] = []
    if step > 0 {
        let s = clamp(start, 0, lower: 0, upper: n)
        let e = clamp(stop, n, lower: 0, upper: n)
        var i = s
        while i < e {
            out.append(xs[i])
            i += step
        }
    } else {
        let s = clamp(start, n - 1, lower: -1, upper: n - 1)
        let e = clamp(stop, -1, lower: -1, upper: n - 1)
        var i = s
        while i > e {
            out.append(xs[i])
            i += step
        }
        _ = e
    }
    return out
}
