import Foundation

/// Jinja2's filters over sequences, mappings and attributes.
extension BuiltinFilters {
    /// `attr`.
    static func doAttr(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        let b = try a.bind(["name"], function: "attr")
        guard case .string(let name)? = b[0] else { return .undefined(Undefined(name: "attr", owner: v.objectTypeRepr)) }
        if case .undefined(let u) = v { throw u.error }
        if name.hasPrefix("_") { return .undefined(Undefined(name: name, owner: v.objectTypeRepr)) }
        // getattr only: dict keys are not attributes.
        if case .dict = v {
            return Renderer.dictMethods.contains(name) ? .object(BoundMethod(v, name))
                : .undefined(Undefined(name: name, owner: v.objectTypeRepr))
        }
        let found = try r.getattr(v, name)
        return found
    }

    /// `batch`.
    static func doBatch(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        let b = try a.bind(["linecount", "fill_with"], function: "do_batch")
        guard let linecount = b[0] else {
            throw TemplateError(.typeError, "do_batch() missing 1 required positional argument: 'linecount'")
        }
        let fill: Value? = b[1].flatMap { v -> Value? in if case .none = v { return nil } else { return v } }
        return .object(
            PyIterator(generator: "do_batch") { r in
                var it = try r.pyIter(v)
                var tmp: [Value] = []
                var finished = false
                return { r in
                    if finished { return nil }
                    while let item = try it.next(r) {
                        if pyEquals(.int(tmp.count), linecount) {
                            defer { tmp = [item] }
                            return .list(ListBox(tmp))
                        }
                        tmp.append(item)
                    }
                    finished = true
                    guard !tmp.isEmpty else { return nil }
                    if let fill, try r.less(.int(tmp.count), linecount) {
                        guard case .int(let n) = try r.binary(.sub, linecount, .int(tmp.count)) else {
                            throw TemplateError(.typeError, "can't multiply sequence by non-int of type 'float'")
                        }
                        try SizeLimit.checkValues(n)
                        tmp += Array(repeating: fill, count: n)
                    }
                    return .list(ListBox(tmp))
                }
            })
    }

    /// `default` (and its alias `d`).
    static func doDefault(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        let b = try a.bind(["default_value", "boolean"], function: "default")
        let dflt = b[0, default: .string("")]
        let boolean = try r.truthy(b[1, default: .bool(false)])
        if v.isUndefined { return dflt }
        if boolean, !(try r.truthy(v)) { return dflt }
        return v
    }

    /// `dictsort`.
    static func doDictsort(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        let b = try a.bind(["case_sensitive", "by", "reverse"], function: "do_dictsort")
        let caseSensitive = try r.truthy(b[0, default: .bool(false)])
        let by = b[1]?.stringValue ?? "key"
        guard by == "key" || by == "value" else {
            throw TemplateError(.filterArgumentError, "You can only sort by either \"key\" or \"value\"")
        }
        let reverse = try r.truthy(b[2, default: .bool(false)])
        let d = try r.mappingItems(v)
        let pairs = d.pairs.map { Value.tuple([$0.0, $0.1]) }
        let pos = by == "key" ? 0 : 1
        return .list(
            ListBox(
                try r.sortValues(pairs, reverse: reverse) { item in
                    guard case .tuple(let t) = item else { return item }
                    if !caseSensitive, case .string(let s) = t[pos] { return .string(pyLower(s)) }
                    return t[pos]
                }))
    }

    /// `first`.
    static func doFirst(_ v: Value, _ _: Arguments, _ r: Renderer) throws -> Value {
        var it = try r.pyIter(v)
        return try it.next(r) ?? .undefined(Undefined(hint: "No first item, sequence was empty."))
    }

    /// `groupby`.
    static func doGroupby(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        let b = try a.bind(["attribute", "default", "case_sensitive"], function: "groupby")
        let caseSensitive = try r.truthy(b[2, default: .bool(false)])
        let key = r.attrGetter(b[0], lower: !caseSensitive, default: b[1])
        let output = r.attrGetter(b[0], default: b[1])
        let sorted = try r.sortValues(try r.iterate(v), reverse: false, key: key)
        var groups: [Value] = []
        var current: [Value] = []
        var currentKey: Value?
        for item in sorted {
            let k = try key(item)
            if let ck = currentKey, pyEquals(ck, k) {
                current.append(item)
            } else {
                if !current.isEmpty {
                    groups.append(.object(GroupTuple(grouper: try output(current[0]), list: .list(ListBox(current)))))
                }
                current = [item]
                currentKey = k
            }
        }
        if !current.isEmpty {
            groups.append(.object(GroupTuple(grouper: try output(current[0]), list: .list(ListBox(current)))))
        }
        return .list(ListBox(groups))
    }

    /// `items`.
    static func doItems(_ v: Value, _ _: Arguments, _ _: Renderer) throws -> Value {
        .object(
            PyIterator(generator: "do_items") { _ in
                switch v {
                case .undefined: return { _ in nil }
                case .dict(let d):
                    let pairs = Array(d.pairs)
                    var i = 0
                    return { _ in
                        guard i < pairs.count else { return nil }
                        defer { i += 1 }
                        return .tuple([pairs[i].0, pairs[i].1])
                    }
                default: throw TemplateError(.typeError, "Can only get item pairs from a mapping.")
                }
            })
    }

    /// `join`.
    static func doJoin(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        let b = try a.bind(["d", "attribute"], function: "join")
        let sep = try r.str(b[0, default: .string("")])
        var items = try r.iterate(v)
        if let attr = b[1] {
            let g = r.attrGetter(attr)
            items = try items.map(g)
        }
        return .string(try checkedJoin(try items.map { try r.str($0) }, separator: sep))
    }

    /// `last`.
    static func doLast(_ v: Value, _ _: Arguments, _ r: Renderer) throws -> Value {
        guard let it = try r.pyReversed(v) else {
            throw TemplateError(.typeError, "'\(v.typeName)' object is not reversible")
        }
        return try it.next(r) ?? .undefined(Undefined(hint: "No last item, sequence was empty."))
    }

    /// `length` (and its alias `count`).
    static func doLength(_ v: Value, _ _: Arguments, _ r: Renderer) throws -> Value {
        .int(try r.length(v))
    }

    /// `list`.
    static func doList(_ v: Value, _ _: Arguments, _ r: Renderer) throws -> Value {
        .list(ListBox(try r.iterate(v)))
    }

    /// `map`.
    static func doMap(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        .object(
            PyIterator(generator: "sync_do_map") { r in
                guard try r.truthy(v) else { return { _ in nil } }
                let fn = try prepareMap(a)
                var it = try r.pyIter(v)
                return { r in try it.next(r).map { try fn($0, r) } }
            })
    }

    /// `reject`.
    static func doReject(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        try selectOrReject(v, a, r, attr: false, keep: false)
    }

    /// `rejectattr`.
    static func doRejectattr(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        try selectOrReject(v, a, r, attr: true, keep: false)
    }

    /// `reverse`.
    static func doReverse(_ v: Value, _ _: Arguments, _ r: Renderer) throws -> Value {
        if case .string(let s) = v { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
        if let it = try r.pyReversed(v) { return .object(it) }
        do {
            return .list(ListBox(try r.iterate(v).reversed()))
        } catch let e as TemplateError where e.kind == .typeError {
            throw TemplateError(.filterArgumentError, "argument must be iterable")
        }
    }

    /// `select`.
    static func doSelect(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        try selectOrReject(v, a, r, attr: false, keep: true)
    }

    /// `selectattr`.
    static func doSelectattr(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        try selectOrReject(v, a, r, attr: true, keep: true)
    }

    /// `slice`.
    static func doSlice(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        let b = try a.bind(["slices", "fill_with"], function: "sync_do_slice")
        guard let slices = b[0] else {
            throw TemplateError(.typeError, "sync_do_slice() missing 1 required positional argument: 'slices'")
        }
        let fill: Value? = b[1].flatMap { v -> Value? in if case .none = v { return nil } else { return v } }
        return .object(
            PyIterator(generator: "sync_do_slice") { r in
                let seq = try r.iterate(v)
                let perSlice = try r.binary(.floordiv, .int(seq.count), slices)
                let withExtraValue = try r.binary(.mod, .int(seq.count), slices)
                guard let count = slices.intValue, !slices.isFloat, let per = perSlice.intValue,
                    let withExtra = withExtraValue.intValue
                else {
                    throw TemplateError(.typeError, "'\(slices.typeName)' object cannot be interpreted as an integer")
                }
                var n = 0
                var offset = 0
                return { _ in
                    guard n < count else { return nil }
                    defer { n += 1 }
                    let start = offset + n * per
                    if n < withExtra { offset += 1 }
                    let end = offset + (n + 1) * per
                    var tmp = Array(seq[start..<end])
                    if let fill, n >= withExtra { tmp.append(fill) }
                    return .list(ListBox(tmp))
                }
            })
    }

    /// `sort`.
    static func doSort(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        let b = try a.bind(["reverse", "case_sensitive", "attribute"], function: "sort")
        let reverse = try r.truthy(b[0, default: .bool(false)])
        let caseSensitive = try r.truthy(b[1, default: .bool(false)])
        let key = r.multiAttrGetter(b[2], lower: !caseSensitive)
        return .list(ListBox(try r.sortValues(try r.iterate(v), reverse: reverse, key: key)))
    }

    /// `unique`.
    static func doUnique(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        let b = try a.bind(["case_sensitive", "attribute"], function: "sync_do_unique")
        return .object(
            PyIterator(generator: "sync_do_unique") { r in
                let key = AttrGetter(b[1], lower: !(try r.truthy(b[0, default: .bool(false)])))
                var seen = Set<HashKey>()
                var it = try r.pyIter(v)
                return { r in
                    while let item = try it.next(r) {
                        let k = try key.get(item, r)
                        if case .undefined(let u) = k { try r.failIfStrict(u) }
                        guard let hk = HashKey(k) else {
                            throw TemplateError(.typeError, "unhashable type: '\(k.typeName)'")
                        }
                        if seen.insert(hk).inserted { return item }
                    }
                    return nil
                }
            })
    }
}
