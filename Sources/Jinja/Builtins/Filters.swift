import Foundation

/// Jinja2's built-in filters (`jinja2/filters.py`), with their Python signatures.
enum BuiltinFilters {
    static let all: [String: Filter] = {
        var f: [String: Filter] = [:]

        f["abs"] = { v, _, r in
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
        f["attr"] = { v, a, r in
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
        f["batch"] = { v, a, r in
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
        f["capitalize"] = { v, _, r in .string(pyCapitalize(try r.str(v))) }
        f["center"] = { v, a, r in
            let b = try a.bind(["width"], function: "center")
            return .string(try pyPad(try r.str(v), width: b[0]?.intValue ?? 80, fill: " ", align: "center"))
        }
        f["default"] = { v, a, r in
            let b = try a.bind(["default_value", "boolean"], function: "default")
            let dflt = b[0, default: .string("")]
            let boolean = try r.truthy(b[1, default: .bool(false)])
            if v.isUndefined { return dflt }
            if boolean, !(try r.truthy(v)) { return dflt }
            return v
        }
        f["d"] = f["default"]
        f["dictsort"] = { v, a, r in
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
        f["escape"] = { v, _, r in .string(htmlEscape(try r.str(v))) }
        f["e"] = f["escape"]
        f["forceescape"] = f["escape"]
        f["safe"] = { v, _, _ in v }
        f["filesizeformat"] = { v, a, r in
            let b = try a.bind(["binary"], function: "filesizeformat")
            let binary = try r.truthy(b[0, default: .bool(false)])
            guard case .float(let bytes) = try r.pyFloatConversion(v) else { return .none }
            let base: Double = binary ? 1024 : 1000
            let prefixes = binary ? ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"] : ["kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]
            if bytes == 1 { return "1 Byte" }
            if bytes < base {
                // Python's "%d" of a float: its exact integer value.
                guard bytes.isFinite else { throw TemplateError(.overflowError, "cannot convert float infinity to integer") }
                return .string(cFormat(bytes.rounded(.towardZero), conv: "f", precision: 0) + " Bytes")
            }
            var unit = base
            for (i, prefix) in prefixes.enumerated() {
                unit = Foundation.pow(base, Double(i + 2))
                if bytes < unit { return .string(cFormat(base * bytes / unit, conv: "f", precision: 1) + " " + prefix) }
            }
            return .string(cFormat(base * bytes / unit, conv: "f", precision: 1) + " " + prefixes.last!)
        }
        f["first"] = { v, _, r in
            var it = try r.pyIter(v)
            return try it.next(r) ?? .undefined(Undefined(hint: "No first item, sequence was empty."))
        }
        f["last"] = { v, _, r in
            guard let it = try r.pyReversed(v) else {
                throw TemplateError(.typeError, "'\(v.typeName)' object is not reversible")
            }
            return try it.next(r) ?? .undefined(Undefined(hint: "No last item, sequence was empty."))
        }
        f["float"] = { v, a, r in
            let b = try a.bind(["default"], function: "do_float")
            // float(Undefined) calls __float__, which raises UndefinedError.
            try r.checkDefined(v)
            return pyFloat(v) ?? b[0, default: .float(0)]
        }
        f["int"] = { v, a, r in
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
        f["format"] = { v, a, r in
            if !a.positional.isEmpty && !a.keywords.isEmpty {
                throw TemplateError(.filterArgumentError, "can't handle positional and keyword arguments at the same time")
            }
            let values: Value = a.keywords.isEmpty ? .tuple(a.positional) : Value.dict(a.keywords)
            return .string(try r.percentFormat(try r.str(v), values))
        }
        f["groupby"] = { v, a, r in
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
        f["indent"] = { v, a, r in
            let b = try a.bind(["width", "first", "blank"], function: "indent")
            var indention = "    "
            if case .string(let s)? = b[0] { indention = s } else if let n = b[0]?.intValue { indention = try SizeLimit.repeating(" ", count: n) }
            let first = try r.truthy(b[1, default: .bool(false)])
            let blank = try r.truthy(b[2, default: .bool(false)])
            // `s += newline`: an UndefinedError for an undefined, a TypeError for anything
            // but a string.
            try r.checkDefined(v)
            guard case .string(let text) = v else {
                switch v {
                case .list:
                    // list += str extends the list; then `s.splitlines()` fails.
                    throw TemplateError(.attributeError, "'list' object has no attribute 'splitlines'")
                case .tuple:
                    throw TemplateError(.typeError, "can only concatenate tuple (not \"str\") to tuple")
                default:
                    throw TemplateError(
                        .typeError, "unsupported operand type(s) for +=: '\(v.typeName)' and 'str'")
                }
            }
            let s = text + "\n"
            var lines = pySplitLines(s, keepEnds: false)
            // Every line gets the indention: check the product before building it.
            let (indentBytes, overflow) = lines.count.multipliedReportingOverflow(by: indention.utf8.count)
            if overflow { throw SizeLimit.memoryError }
            try SizeLimit.check(s.utf8.count + indentBytes)
            var rv: String
            if blank {
                rv = lines.joined(separator: "\n" + indention)
            } else {
                rv = lines.isEmpty ? "" : lines.removeFirst()
                if !lines.isEmpty {
                    rv += "\n" + lines.map { $0.isEmpty ? $0 : indention + $0 }.joined(separator: "\n")
                }
            }
            if first { rv = indention + rv }
            return .string(rv)
        }
        f["items"] = { v, _, _ in
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
        f["join"] = { v, a, r in
            let b = try a.bind(["d", "attribute"], function: "join")
            let sep = try r.str(b[0, default: .string("")])
            var items = try r.iterate(v)
            if let attr = b[1] {
                let g = r.attrGetter(attr)
                items = try items.map(g)
            }
            return .string(try checkedJoin(try items.map { try r.str($0) }, separator: sep))
        }
        f["length"] = { v, _, r in .int(try r.length(v)) }
        f["count"] = f["length"]
        f["list"] = { v, _, r in .list(ListBox(try r.iterate(v))) }
        f["lower"] = { v, _, r in .string(pyLower(try r.str(v))) }
        f["upper"] = { v, _, r in .string(pyUpper(try r.str(v))) }
        f["map"] = { v, a, r in
            .object(
                PyIterator(generator: "sync_do_map") { r in
                    guard try r.truthy(v) else { return { _ in nil } }
                    let fn = try prepareMap(a)
                    var it = try r.pyIter(v)
                    return { r in try it.next(r).map { try fn($0, r) } }
                })
        }
        f["max"] = { v, a, r in try minMax(v, a, r, max: true) }
        f["min"] = { v, a, r in try minMax(v, a, r, max: false) }
        f["pprint"] = { v, _, _ in .string(PrettyPrinter.format(v)) }
        f["random"] = { v, _, r in
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
        f["select"] = { v, a, r in try selectOrReject(v, a, r, attr: false, keep: true) }
        f["reject"] = { v, a, r in try selectOrReject(v, a, r, attr: false, keep: false) }
        f["selectattr"] = { v, a, r in try selectOrReject(v, a, r, attr: true, keep: true) }
        f["rejectattr"] = { v, a, r in try selectOrReject(v, a, r, attr: true, keep: false) }
        f["replace"] = { v, a, r in
            let b = try a.bind(["old", "new", "count"], function: "replace")
            guard let old = b[0], let new = b[1] else {
                throw TemplateError(.typeError, "do_replace() missing required arguments: 'old' and 'new'")
            }
            var count = -1
            if let c = b[2], case .none = c {} else if let c = b[2]?.intValue { count = c }
            return .string(try pyReplace(try r.str(v), try r.str(old), try r.str(new), count: count))
        }
        f["reverse"] = { v, _, r in
            if case .string(let s) = v { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
            if let it = try r.pyReversed(v) { return .object(it) }
            do {
                return .list(ListBox(try r.iterate(v).reversed()))
            } catch let e as TemplateError where e.kind == .typeError {
                throw TemplateError(.filterArgumentError, "argument must be iterable")
            }
        }
        f["round"] = { v, a, r in
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
        f["slice"] = { v, a, r in
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
        f["sort"] = { v, a, r in
            let b = try a.bind(["reverse", "case_sensitive", "attribute"], function: "sort")
            let reverse = try r.truthy(b[0, default: .bool(false)])
            let caseSensitive = try r.truthy(b[1, default: .bool(false)])
            let key = r.multiAttrGetter(b[2], lower: !caseSensitive)
            return .list(ListBox(try r.sortValues(try r.iterate(v), reverse: reverse, key: key)))
        }
        f["string"] = { v, _, r in .string(try r.str(v)) }
        f["striptags"] = { v, _, r in
            var s = try r.str(v)
            s = s.replacingOccurrences(of: "<!--[\\s\\S]*?-->", with: "", options: .regularExpression)
            s = s.replacingOccurrences(of: "<[\\s\\S]*?>", with: "", options: .regularExpression)
            return .string(htmlUnescape(pySplit(s, sep: nil, maxsplit: -1).joined(separator: " ")))
        }
        f["sum"] = { v, a, r in
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
        f["title"] = { v, _, r in
            // `_word_beginning_split_re.split(s)`: runs of `-`, whitespace, `(`, `{`, `[`, `<`
            // and runs of anything else; each item is `item[0].upper() + item[1:].lower()`.
            func isSeparator(_ u: UnicodeScalar) -> Bool { "-({[<".unicodeScalars.contains(u) || isPyWhitespace(u) }
            var out = ""
            var item = String.UnicodeScalarView()
            var itemIsSeparator = false
            func flush() {
                guard let first = item.first else { return }
                out += pyUpper(String(first)) + pyLower(String(item.dropFirst()))
                item = String.UnicodeScalarView()
            }
            for u in try r.str(v).unicodeScalars {
                let sep = isSeparator(u)
                if sep != itemIsSeparator { flush() }
                itemIsSeparator = sep
                item.append(u)
            }
            flush()
            return .string(out)
        }
        f["tojson"] = { v, a, r in
            let b = try a.bind(["indent"], function: "tojson")
            var indent: Int?
            if let i = b[0], case .none = i {} else { indent = b[0]?.intValue }
            var s = try jsonDump(
                v, indent: indent, sortKeys: true, undefinedType: r.strict ? "StrictUndefined" : "Undefined")
            s = s.replacingOccurrences(of: "<", with: "\\u003c").replacingOccurrences(of: ">", with: "\\u003e")
                .replacingOccurrences(of: "&", with: "\\u0026").replacingOccurrences(of: "'", with: "\\u0027")
            return .string(s)
        }
        f["trim"] = { v, a, r in
            let b = try a.bind(["chars"], function: "trim")
            return .string(pyStrip(try r.str(v), chars: b[0]?.stringValue, left: true, right: true))
        }
        f["truncate"] = { v, a, r in
            let b = try a.bind(["length", "killwords", "end", "leeway"], function: "do_truncate")
            let length = b[0]?.intValue ?? 255
            let killwords = try r.truthy(b[1, default: .bool(false)])
            let end = try r.str(b[2, default: .string("...")])
            let leeway = b[3]?.intValue ?? 5
            let endCount = end.unicodeScalars.count
            guard length >= endCount else {
                throw TemplateError(.assertionError, "expected length >= \(endCount), got \(length)")
            }
            guard leeway >= 0 else { throw TemplateError(.assertionError, "expected leeway >= 0, got \(leeway)") }
            guard case .string(let s) = v else {
                // Python works on the value itself: len() of it, returned as is when short.
                if try r.length(v) <= length.addingReportingOverflow(leeway).partialValue || length > Int.max - leeway {
                    return v
                }
                if killwords {
                    throw TemplateError(.typeError, "can only concatenate \(v.typeName) (not \"str\") to \(v.typeName)")
                }
                throw TemplateError(.attributeError, "'\(v.typeName)' object has no attribute 'rsplit'")
            }
            let scalars = Array(s.unicodeScalars)
            if scalars.count <= length.addingReportingOverflow(leeway).partialValue || length > Int.max - leeway {
                return v
            }
            let head = String(String.UnicodeScalarView(scalars[0..<(length - endCount)]))
            if killwords { return .string(head + end) }
            let parts = pyRSplit(head, sep: " ", maxsplit: 1)
            return .string(parts[0] + end)
        }
        f["unique"] = { v, a, r in
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
        f["urlencode"] = { v, _, r in
            func pair(_ k: Value, _ v: Value) throws -> String {
                "\(urlQuote(try r.str(k), forQuery: true))=\(urlQuote(try r.str(v), forQuery: true))"
            }
            switch v {
            case .string(let s): return .string(urlQuote(s, forQuery: false))
            case .dict(let d): return .string(try d.pairs.map { try pair($0.0, $0.1) }.joined(separator: "&"))
            default:
                guard r.isIterable(v) else { return .string(urlQuote(try r.str(v), forQuery: false)) }
                return .string(
                    try r.iterate(v).map { item in
                        guard r.isIterable(item) else {
                            throw TemplateError(.typeError, "cannot unpack non-iterable \(item.typeName) object")
                        }
                        let kv = try r.iterate(item)
                        guard kv.count == 2 else {
                            throw TemplateError(
                                .valueError,
                                kv.count < 2
                                    ? "not enough values to unpack (expected 2, got \(kv.count))"
                                    : "too many values to unpack (expected 2)")
                        }
                        return try pair(kv[0], kv[1])
                    }.joined(separator: "&"))
            }
        }
        f["urlize"] = BuiltinFilters.urlize
        f["wordcount"] = { v, _, r in
            var n = 0
            var inWord = false
            for c in try r.str(v).unicodeScalars {
                let word = pyIsWord(c)
                if word && !inWord { n += 1 }
                inWord = word
            }
            return .int(n)
        }
        f["wordwrap"] = { v, a, r in
            let b = try a.bind(["width", "break_long_words", "wrapstring", "break_on_hyphens"], function: "wordwrap")
            let width = b[0]?.intValue ?? 79
            let breakLong = try r.truthy(b[1, default: .bool(true)])
            let wrapstring = b[2]?.stringValue ?? "\n"
            let hyphens = try r.truthy(b[3, default: .bool(true)])
            // `s.splitlines()`: an UndefinedError for an undefined, an AttributeError for
            // anything but a string.
            try r.checkDefined(v)
            guard case .string = v else {
                throw TemplateError(.attributeError, "'\(v.typeName)' object has no attribute 'splitlines'")
            }
            return .string(
                try checkedJoin(
                    pySplitLines(try r.str(v), keepEnds: false).map {
                        // textwrap refuses a width below one for every line it wraps.
                        if width <= 0 { throw TemplateError(.valueError, "invalid width \(width) (must be > 0)") }
                        return try checkedJoin(
                            textWrap($0, width: width, breakLongWords: breakLong, breakOnHyphens: hyphens),
                            separator: wrapstring)
                    }, separator: wrapstring))
        }
        f["xmlattr"] = { v, a, r in
            let b = try a.bind(["autospace"], function: "xmlattr")
            let autospace = try r.truthy(b[0, default: .bool(true)])
            let d = try r.mappingItems(v)
            var items: [String] = []
            for (k, val) in d.pairs {
                if case .none = val { continue }
                if val.isUndefined { continue }
                let key = try r.str(k)
                if key.contains(where: { $0.isWhitespace || "/>=".contains($0) }) {
                    throw TemplateError(.valueError, "Invalid character in attribute name: \(pyRepr(key))")
                }
                items.append("\(htmlEscape(key))=\"\(htmlEscape(try r.str(val)))\"")
            }
            let rv = items.joined(separator: " ")
            return .string(autospace && !rv.isEmpty ? " " + rv : rv)
        }
        return f
    }()

    private static func minMax(_ v: Value, _ a: Arguments, _ r: Renderer, max: Bool) throws -> Value {
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

    private static func selectOrReject(_ v: Value, _ a: Arguments, _ r: Renderer, attr: Bool, keep: Bool) throws -> Value {
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
    private static func prepareMap(_ a: Arguments) throws -> (Value, Renderer) throws -> Value {
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

/// Python's `textwrap.wrap` with expand_tabs and replace_whitespace off.
func textWrap(_ text: String, width: Int, breakLongWords: Bool, breakOnHyphens: Bool) -> [String] {
    // Chunks: runs of whitespace, and words (split after hyphens between letters).
    var chunks: [String] = []
    var cur = ""
    var curIsSpace: Bool?
    let chars = Array(text)
    for (i, c) in chars.enumerated() {
        let space = c.isWhitespace
        if let s = curIsSpace, s != space {
            chunks.append(cur)
            cur = ""
        }
        cur.append(c)
        curIsSpace = space
        if !space, breakOnHyphens, c == "-", i > 0, chars[i - 1].isLetter, i + 1 < chars.count, chars[i + 1].isLetter {
            chunks.append(cur)
            cur = ""
            curIsSpace = nil
        }
    }
    if !cur.isEmpty { chunks.append(cur) }
    // textwrap.TextWrapper._wrap_chunks
    var lines: [String] = []
    var queue = chunks[...]
    while !queue.isEmpty {
        var line: [String] = []
        var len = 0
        if let f = queue.first, f.allSatisfy(\.isWhitespace), !lines.isEmpty { queue.removeFirst() }
        while let c = queue.first, len + c.count <= width {
            line.append(c)
            len += c.count
            queue.removeFirst()
        }
        if let c = queue.first, c.count > width {
            let room = width < 1 ? 1 : width - len
            if breakLongWords {
                line.append(String(c.prefix(room)))
                queue[queue.startIndex] = String(c.dropFirst(room))
                if queue.first!.isEmpty { queue.removeFirst() }
            } else if line.isEmpty {
                line.append(c)
                queue.removeFirst()
            }
        }
        if let last = line.last, last.allSatisfy(\.isWhitespace) { line.removeLast() }
        if !line.isEmpty { lines.append(line.joined()) }
    }
    return lines
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
