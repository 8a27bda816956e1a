/// The Python methods of str, list and dict that templates may call (`s.split(',')`).
/// Anything else is not reachable: the engine exposes no host objects.
extension Renderer {
    static let strMethods: Set<String> = [
        "upper", "lower", "title", "capitalize", "swapcase", "casefold", "strip", "lstrip", "rstrip", "replace",
        "startswith", "endswith", "split", "rsplit", "splitlines", "join", "find", "rfind", "index", "rindex",
        "count", "zfill", "isdigit", "isalpha", "isalnum", "isspace", "islower", "isupper", "isnumeric",
        "isdecimal", "istitle", "isidentifier", "isascii", "isprintable", "format", "center", "ljust", "rjust", "partition", "rpartition",
        "removeprefix", "removesuffix", "expandtabs", "format_map", "maketrans", "translate",
    ]
    static let listMethods: Set<String> = [
        "append", "extend", "insert", "pop", "remove", "index", "count", "reverse", "sort", "copy", "clear",
    ]
    static let tupleMethods: Set<String> = ["index", "count"]
    static let intMethods: Set<String> = ["bit_length", "bit_count", "conjugate", "as_integer_ratio"]
    static let floatMethods: Set<String> = ["is_integer", "as_integer_ratio", "conjugate", "hex", "fromhex"]
    static let dictMethods: Set<String> = [
        "get", "keys", "values", "items", "update", "pop", "setdefault", "copy", "clear", "popitem", "fromkeys",
    ]

    func hasMethod(_ obj: Value, _ name: String) -> Bool {
        switch obj {
        case .string: return Renderer.strMethods.contains(name)
        case .list: return Renderer.listMethods.contains(name)
        case .tuple: return Renderer.tupleMethods.contains(name)
        case .dict: return Renderer.dictMethods.contains(name)
        case .int, .bool: return Renderer.intMethods.contains(name)
        case .float: return Renderer.floatMethods.contains(name)
        default: return false
        }
    }

    /// The data attributes of numbers (`(10).real`, `x.numerator`).
    static func numberAttribute(_ obj: Value, _ name: String) -> Value? {
        switch (obj, name) {
        case (.int, "real"), (.int, "numerator"): return obj
        case (.bool(let b), "real"), (.bool(let b), "numerator"): return .int(b ? 1 : 0)
        case (.int, "imag"), (.bool, "imag"): return .int(0)
        case (.int, "denominator"), (.bool, "denominator"): return .int(1)
        case (.float, "real"): return obj
        case (.float, "imag"): return .float(0)
        default: return nil
        }
    }

    func callMethod(_ obj: Value, _ name: String, _ args: Arguments) throws -> Value {
        switch obj {
        case .string(let s): return try stringMethod(s, name, args)
        case .list(let l): return try listMethod(l, name, args)
        case .tuple(let t): return try sequenceMethod(t, "tuple", name, args)
        case .dict(let d): return try dictMethod(d, name, args)
        case .int, .bool, .float: return try numberMethod(obj, name, args)
        default: throw TemplateError(.typeError, "'\(obj.typeName)' object has no method '\(name)'")
        }
    }

    private func needString(_ v: Value?, _ what: String) throws -> String? {
        guard let v else { return nil }
        switch v {
        case .none: return nil
        case .string(let s): return s
        default: throw TemplateError(.typeError, "\(what) arg must be None or str")
        }
    }

    /// Python's `str` methods the sandbox allows, each in a function of its own below.
    private func stringMethod(_ s: String, _ name: String, _ args: Arguments) throws -> Value {
        switch name {
        case "upper", "lower", "casefold", "swapcase", "title", "capitalize": return try stringConvertCase(s, name, args)
        case "strip", "lstrip", "rstrip": return try stringStrip(s, name, args)
        case "replace": return try stringReplace(s, name, args)
        case "startswith", "endswith": return try stringAffixTest(s, name, args)
        case "split", "rsplit": return try stringSplit(s, name, args)
        case "splitlines": return try stringSplitLines(s, name, args)
        case "join": return try stringJoin(s, name, args)
        case "find", "rfind", "index", "rindex", "count": return try stringSearch(s, name, args)
        case "zfill": return try stringZeroFill(s, name, args)
        case "isdecimal", "isdigit", "isnumeric", "isalpha", "isalnum", "isascii", "isprintable", "isspace", "islower", "isupper", "istitle", "isidentifier": return try stringClassify(s, name, args)
        case "format_map": return try stringFormatMap(s, name, args)
        case "translate": return try stringTranslate(s, name, args)
        case "center", "ljust", "rjust": return try stringPad(s, name, args)
        case "partition", "rpartition": return try stringPartition(s, name, args)
        case "removeprefix", "removesuffix": return try stringRemoveAffix(s, name, args)
        case "expandtabs": return try stringExpandTabs(s, name, args)
        case "maketrans":
            return try maketrans(args)
        case "format":
            return .string(try strFormat(s, args))
        default:
            throw TemplateError(.typeError, "'str' object has no attribute '\(name)'")
        }
    }

    /// Case conversions: `upper`, `lower`, `casefold`, `swapcase`, `title`, `capitalize`.
    private func stringConvertCase(_ s: String, _ name: String, _ args: Arguments) throws -> Value {
        switch name {
        case "upper": return .string(pyUpper(s))
        case "lower": return .string(pyLower(s))
        case "casefold": return .string(pyCasefold(s))
        case "swapcase": return .string(pySwapcase(s))
        case "title": return .string(pyTitle(s))
        case "capitalize": return .string(pyCapitalize(s))
        default: throw TemplateError(.typeError, "'str' object has no attribute '\(name)'")
        }
    }

    /// `strip`, `lstrip`, `rstrip` (whitespace, or the given characters).
    private func stringStrip(_ s: String, _ name: String, _ args: Arguments) throws -> Value {
        let chars = try needString(args.arg(0), name)
        return .string(pyStrip(s, chars: chars, left: name != "rstrip", right: name != "lstrip"))
    }

    /// `replace(old, new[, count])`.
    private func stringReplace(_ s: String, _ name: String, _ args: Arguments) throws -> Value {
        guard case .string(let old)? = args.arg(0), case .string(let new)? = args.arg(1) else {
            throw TemplateError(.typeError, "replace() arguments must be str")
        }
        return .string(try pyReplace(s, old, new, count: try args.intArg(2, -1)))
    }

    /// `startswith`/`endswith` of a string or a tuple of strings, within `[start:end]`.
    private func stringAffixTest(_ s: String, _ name: String, _ args: Arguments) throws -> Value {
        guard let a = args.arg(0) else { throw TemplateError(.typeError, "\(name)() takes at least 1 argument (0 given)") }
        let candidates: [Value]
        if case .tuple(let t) = a { candidates = t } else { candidates = [a] }
        let scalars = Array(s.unicodeScalars)
        let start = try args.intArg(1, 0)
        let end = try args.intArg(2, scalars.count)
        let sub = String(String.UnicodeScalarView(try pySlice(scalars, start, end, 1)))
        for c in candidates {
            guard case .string(let x) = c else {
                throw TemplateError(
                    .typeError, "\(name) first arg must be str or a tuple of str, not \(typeName(c))")
            }
            if name == "startswith" ? sub.unicodeScalars.starts(with: x.unicodeScalars)
                : sub.unicodeScalars.reversed().starts(with: x.unicodeScalars.reversed())
            {
                return .bool(true)
            }
        }
        return .bool(false)
    }

    /// `split`/`rsplit(sep=None, maxsplit=-1)`.
    private func stringSplit(_ s: String, _ name: String, _ args: Arguments) throws -> Value {
        let sepValue = args.arg(0) ?? args.keyword("sep")
        var sep: String?
        switch sepValue {
        case nil, .none?: sep = nil
        case .string(let x)?: sep = x
        case let other?: throw TemplateError(.typeError, "must be str or None, not \(typeName(other))")
        }
        let maxsplit = try args.intArg(1, args.keyword("maxsplit")?.intValue ?? -1)
        if let sep, sep.isEmpty { throw TemplateError(.valueError, "empty separator") }
        let parts = name == "split" ? pySplit(s, sep: sep, maxsplit: maxsplit) : pyRSplit(s, sep: sep, maxsplit: maxsplit)
        return .list(ListBox(parts.map { .string($0) }))
    }

    /// `splitlines(keepends=False)`.
    private func stringSplitLines(_ s: String, _ name: String, _ args: Arguments) throws -> Value {
        let keep = try truthy(args.arg(0) ?? args.keyword("keepends") ?? .bool(false))
        return .list(ListBox(pySplitLines(s, keepEnds: keep).map { .string($0) }))
    }

    /// `join(iterable)` of strings.
    private func stringJoin(_ s: String, _ name: String, _ args: Arguments) throws -> Value {
        guard let a = args.arg(0) else { throw TemplateError(.typeError, "join() takes exactly one argument (0 given)") }
        var parts: [String] = []
        for (i, item) in try iterate(a).enumerated() {
            guard case .string(let x) = item else {
                throw TemplateError(.typeError, "sequence item \(i): expected str instance, \(item.typeName) found")
            }
            parts.append(x)
        }
        return .string(try checkedJoin(parts, separator: s))
    }

    /// `find`, `rfind`, `index`, `rindex`, `count` within `[start:end]`.
    private func stringSearch(_ s: String, _ name: String, _ args: Arguments) throws -> Value {
        guard case .string(let sub)? = args.arg(0) else {
            throw TemplateError(.typeError, "must be str, not \(args.arg(0)?.typeName ?? "nothing")")
        }
        let hay = Array(s.unicodeScalars)
        let start = try args.intArg(1, 0)
        let end = try args.intArg(2, hay.count)
        let lo = start < 0 ? max(0, start + hay.count) : min(start, hay.count)
        let hi = end < 0 ? max(0, end + hay.count) : min(end, hay.count)
        let needle = Array(sub.unicodeScalars)
        if name == "count" {
            if needle.isEmpty { return .int(max(0, hi - lo) + 1) }
            var n = 0
            var i = lo
            while i + needle.count <= hi {
                if Array(hay[i..<(i + needle.count)]) == needle {
                    n += 1
                    i += needle.count
                } else {
                    i += 1
                }
            }
            return .int(n)
        }
        var found = -1
        if lo <= hi && needle.count <= hi - lo {
            let range = Array(lo...(hi - needle.count))
            for i in (name.hasPrefix("r") ? range.reversed() : range) where Array(hay[i..<(i + needle.count)]) == needle {
                found = i
                break
            }
        }
        if found < 0 && name.hasSuffix("index") { throw TemplateError(.valueError, "substring not found") }
        return .int(found)
    }

    /// `zfill(width)`: zeros after the sign.
    private func stringZeroFill(_ s: String, _ name: String, _ args: Arguments) throws -> Value {
        let width = try args.intArg(0, 0)
        var scalars = Array(s.unicodeScalars)
        let pad = width - scalars.count
        guard pad > 0 else { return .string(s) }
        var signChar: UnicodeScalar?
        if let f = scalars.first, f == "+" || f == "-" { signChar = scalars.removeFirst() }
        var outView = String.UnicodeScalarView()
        if let signChar { outView.append(signChar) }
        try SizeLimit.check(pad)
        outView.append(contentsOf: Array(repeating: "0", count: pad))
        outView.append(contentsOf: scalars)
        return .string(String(outView))
    }

    /// The `is…` predicates (Unicode properties as Python reads them).
    private func stringClassify(_ s: String, _ name: String, _ args: Arguments) throws -> Value {
        switch name {
        // isdecimal: category Nd; isdigit: also digits (²); isnumeric: any numeric (½, Ⅻ).
        case "isdecimal":
            return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.numericType == .decimal })
        case "isdigit":
            return .bool(
                !s.isEmpty && s.unicodeScalars.allSatisfy { [.decimal, .digit].contains($0.properties.numericType) })
        case "isnumeric":
            return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.numericType != nil })
        case "isalpha": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy(pyIsAlpha))
        case "isalnum": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy(pyIsAlnum))
        case "isascii": return .bool(s.utf8.allSatisfy { $0 < 0x80 })
        case "isprintable": return .bool(s.unicodeScalars.allSatisfy { $0 == " " || isPrintable($0) })
        case "isspace": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy(isPyWhitespace))
        case "islower": return .bool(pyIsLower(s))
        case "isupper": return .bool(pyIsUpper(s))
        case "istitle": return .bool(pyIsTitle(s))
        case "isidentifier":
            guard let f = s.unicodeScalars.first, f == "_" || f.properties.isXIDStart else { return .bool(false) }
            return .bool(s.unicodeScalars.dropFirst().allSatisfy { $0.properties.isXIDContinue })
        default: throw TemplateError(.typeError, "'str' object has no attribute '\(name)'")
        }
    }

    /// `format_map(mapping)`.
    private func stringFormatMap(_ s: String, _ name: String, _ args: Arguments) throws -> Value {
        // The sandbox formats with the mapping as keyword arguments.
        guard args.positional.count == 1, args.keywords.isEmpty else {
            throw TemplateError(
                .typeError, "format_map() takes exactly one argument \(args.positional.count + args.keywords.count) given")
        }
        guard case .dict(let d) = args.positional[0] else {
            throw TemplateError(.typeError, "'\(args.positional[0].typeName)' object is not a mapping")
        }
        return .string(try strFormat(s, Arguments([], keywords: d.pairs.compactMap { k, v in k.stringValue.map { ($0, v) } })))
    }

    /// `translate(table)`: code points mapped to strings, code points or None.
    private func stringTranslate(_ s: String, _ name: String, _ args: Arguments) throws -> Value {
        guard let table = args.arg(0) else { throw TemplateError(.typeError, "translate() takes exactly one argument (0 given)") }
        var out = ""
        for u in s.unicodeScalars {
            let mapped: Value
            do {
                mapped = try getitem(table, .int(Int(u.value)))
            } catch let e as TemplateError where e.kind == .undefinedError {
                mapped = .undefined(Undefined())
            }
            switch mapped {
            case .undefined: out.unicodeScalars.append(u)
            case .none: break
            case .string(let x): out += x
            case .int(let i):
                guard let c = UnicodeScalar(UInt32(clamping: max(0, i))), i >= 0 else {
                    throw TemplateError(.valueError, "character mapping must be in range(0x110000)")
                }
                out.unicodeScalars.append(c)
            default:
                throw TemplateError(.typeError, "character mapping must return integer, None or str")
            }
        }
        return .string(out)
    }

    /// `center`, `ljust`, `rjust(width[, fillchar])`.
    private func stringPad(_ s: String, _ name: String, _ args: Arguments) throws -> Value {
        let width = try args.intArg(0, 0)
        let fill = try needString(args.arg(1), "fill character") ?? " "
        guard fill.unicodeScalars.count == 1 else {
            throw TemplateError(.typeError, "The fill character must be exactly one character long")
        }
        return .string(try pyPad(s, width: width, fill: fill, align: name))
    }

    /// `partition`/`rpartition(sep)`.
    private func stringPartition(_ s: String, _ name: String, _ args: Arguments) throws -> Value {
        guard case .string(let sep)? = args.arg(0), !sep.isEmpty else { throw TemplateError(.valueError, "empty separator") }
        guard let at = CodePoints.find(sep, in: s, backwards: name == "rpartition") else {
            return name == "partition" ? .tuple([.string(s), "", ""]) : .tuple(["", "", .string(s)])
        }
        return .tuple([.string(CodePoints.slice(s, to: at)), .string(sep),
                       .string(CodePoints.slice(s, from: at + sep.utf8.count))])
    }

    /// `removeprefix`/`removesuffix`.
    private func stringRemoveAffix(_ s: String, _ name: String, _ args: Arguments) throws -> Value {
        switch name {
        case "removeprefix":
            guard case .string(let x)? = args.arg(0) else { throw TemplateError(.typeError, "removeprefix() argument must be str") }
            return .string(CodePoints.hasPrefix(s, x) ? CodePoints.slice(s, from: x.utf8.count) : s)
        case "removesuffix":
            guard case .string(let x)? = args.arg(0) else { throw TemplateError(.typeError, "removesuffix() argument must be str") }
            return .string(CodePoints.hasSuffix(s, x) ? CodePoints.slice(s, to: s.utf8.count - x.utf8.count) : s)
        default: throw TemplateError(.typeError, "'str' object has no attribute '\(name)'")
        }
    }

    /// `expandtabs(tabsize=8)`.
    private func stringExpandTabs(_ s: String, _ name: String, _ args: Arguments) throws -> Value {
        let size = try args.intArg(0, 8)
        // The tab size is a C int in Python.
        if size > Int(Int32.max) || size < Int(Int32.min) {
            throw TemplateError(.overflowError, "Python int too large to convert to C int")
        }
        var out = ""
        var col = 0
        for c in s {
            if c == "\t" {
                let n = size > 0 ? size - col % size : 0
                try SizeLimit.check(out.utf8.count + n)
                out += String(repeating: " ", count: n)
                col += n
            } else {
                out.append(c)
                col = (c == "\n" || c == "\r") ? 0 : col + 1
            }
        }
        return .string(out)
    }

    private func numberMethod(_ v: Value, _ name: String, _ args: Arguments) throws -> Value {
        let n = args.positional.count + args.keywords.count
        let expected = name == "fromhex" ? 1 : 0
        guard n == expected else {
            let takes = expected == 0 ? "takes no arguments" : "takes exactly one argument"
            throw TemplateError(.typeError, "\(v.typeName).\(name)() \(takes) (\(n) given)")
        }
        switch (v, name) {
        case (.float(let d), "is_integer"): return .bool(d.isFinite && d == d.rounded(.towardZero))
        case (.float(let d), "as_integer_ratio"):
            guard d.isFinite else {
                throw TemplateError(
                    d.isNaN ? .valueError : .overflowError,
                    d.isNaN ? "cannot convert NaN to integer ratio" : "cannot convert Infinity to integer ratio")
            }
            return try floatRatio(d)
        case (.float, "conjugate"): return v
        case (.float(let d), "hex"): return .string(pyFloatHex(d))
        case (.float, "fromhex"):
            guard case .string(let s) = args.positional.first ?? args.keywords[0].1, let d = pyFloatFromHex(s) else {
                throw TemplateError(.valueError, "invalid hexadecimal floating-point string")
            }
            return .float(d)
        default:
            let i = v.intValue ?? 0
            switch name {
            case "bit_length": return .int(i == 0 ? 0 : Int.bitWidth - i.magnitude.leadingZeroBitCount)
            case "bit_count": return .int(i.magnitude.nonzeroBitCount)
            case "conjugate": return .int(i)
            default: return .tuple([.int(i), .int(1)])
            }
        }
    }

    /// `float.as_integer_ratio()`: the exact fraction, in lowest terms.
    private func floatRatio(_ d: Double) throws -> Value {
        if d == 0 { return .tuple([.int(0), .int(1)]) }
        var m = Int(d.significandBitPattern | (d.isNormal ? 1 << 52 : 0))
        var e = Int(d.isNormal ? d.exponent : -1022) - 52
        while e < 0, m & 1 == 0 {
            m >>= 1
            e += 1
        }
        if d < 0 { m = -m }
        if e >= 0 {
            let bits = Int.bitWidth - m.magnitude.leadingZeroBitCount
            guard bits + e < Int.bitWidth else {
                throw TemplateError(.overflowError, "integer result too large")
            }
            return .tuple([.int(m << e), .int(1)])
        }
        guard -e < 63 else { throw TemplateError(.overflowError, "integer result too large") }
        return .tuple([.int(m), .int(1 << -e)])
    }

    /// `str.maketrans(x[, y[, z]])`: a dict from code points to replacements.
    private func maketrans(_ args: Arguments) throws -> Value {
        let p = args.positional
        let out = DictBox()
        func ord(_ v: Value) throws -> Value {
            guard case .string(let s) = v, s.unicodeScalars.count == 1 else {
                throw TemplateError(.valueError, "string keys in translate table must be of length 1")
            }
            return .int(Int(s.unicodeScalars.first!.value))
        }
        switch p.count {
        case 1:
            guard case .dict(let d) = p[0] else {
                throw TemplateError(.typeError, "if you give only one argument to maketrans it must be a dict")
            }
            for (k, v) in d.pairs { try out.set(k.intValue != nil && !k.isFloat ? k : try ord(k), v) }
        case 2, 3:
            guard case .string(let x) = p[0], case .string(let y) = p[1] else {
                throw TemplateError(.typeError, "maketrans() argument 2 must be str, not \(p[1].typeName)")
            }
            let xs = Array(x.unicodeScalars)
            let ys = Array(y.unicodeScalars)
            guard xs.count == ys.count else {
                throw TemplateError(.valueError, "the first two maketrans arguments must have equal length")
            }
            for (a, b) in zip(xs, ys) { try out.set(.int(Int(a.value)), .int(Int(b.value))) }
            if p.count == 3, case .string(let z) = p[2] {
                for c in z.unicodeScalars { try out.set(.int(Int(c.value)), .none) }
            }
        default:
            throw TemplateError(.typeError, "maketrans() takes at least 1 argument (\(p.count) given)")
        }
        return .dict(out)
    }

    private func sequenceMethod(_ xs: [Value], _ type: String, _ name: String, _ args: Arguments) throws -> Value {
        let p = args.positional
        switch name {
        case "index":
            guard let x = p.first else { throw TemplateError(.typeError, "index expected at least 1 argument, got 0") }
            for (i, v) in xs.enumerated() where try equals(v, x) { return .int(i) }
            throw TemplateError(.valueError, type == "list" ? "\(x.repr) is not in list" : "tuple.index(x): x not in tuple")
        case "count":
            guard let x = p.first else { throw TemplateError(.typeError, "count() takes exactly one argument (0 given)") }
            return .int(try xs.filter { try equals($0, x) }.count)
        default:
            throw TemplateError(.typeError, "'\(type)' object has no attribute '\(name)'")
        }
    }

    private func listMethod(_ l: ListBox, _ name: String, _ args: Arguments) throws -> Value {
        let p = args.positional
        switch name {
        case "append":
            guard p.count == 1 else { throw TemplateError(.typeError, "list.append() takes exactly one argument (\(p.count) given)") }
            if l.items.count >= SizeLimit.maxValues { throw SizeLimit.memoryError }
            l.items.append(p[0])
            return .none
        case "extend":
            guard p.count == 1 else { throw TemplateError(.typeError, "list.extend() takes exactly one argument (\(p.count) given)") }
            let more = try iterate(p[0])
            try SizeLimit.checkValues(l.items.count + more.count)
            l.items.append(contentsOf: more)
            return .none
        case "insert":
            guard p.count == 2, let i = p[0].intValue else { throw TemplateError(.typeError, "insert expected 2 arguments") }
            let n = l.items.count
            let j = i < 0 ? max(0, i + n) : min(i, n)
            l.items.insert(p[1], at: j)
            return .none
        case "pop":
            guard !l.items.isEmpty else { throw TemplateError(.indexError, "pop from empty list") }
            let i = p.first?.intValue ?? -1
            let j = i < 0 ? i + l.items.count : i
            guard j >= 0 && j < l.items.count else { throw TemplateError(.indexError, "pop index out of range") }
            return l.items.remove(at: j)
        case "remove":
            guard let x = p.first else { throw TemplateError(.typeError, "list.remove() takes exactly one argument (0 given)") }
            guard let i = try l.items.firstIndex(where: { try equals($0, x) }) else {
                throw TemplateError(.valueError, "list.remove(x): x not in list")
            }
            l.items.remove(at: i)
            return .none
        case "reverse":
            l.items.reverse()
            return .none
        case "sort":
            let reverse = try truthy(args.keyword("reverse") ?? .bool(false))
            l.items = try sortValues(l.items, reverse: reverse) { $0 }
            return .none
        case "copy": return .list(ListBox(l.items))
        case "clear":
            l.items.removeAll()
            return .none
        default: return try sequenceMethod(l.items, "list", name, args)
        }
    }

    private func dictMethod(_ d: DictBox, _ name: String, _ args: Arguments) throws -> Value {
        let p = args.positional
        // Key arguments are hashed: StrictUndefined cannot be.
        if ["get", "pop", "setdefault"].contains(name), case .undefined(let u)? = p.first { try failIfStrict(u) }
        switch name {
        case "get":
            guard let k = p.first else { throw TemplateError(.typeError, "get expected at least 1 argument, got 0") }
            return d.get(k) ?? (p.count > 1 ? p[1] : .none)
        case "keys": return .object(DictView(d, .keys))
        case "values": return .object(DictView(d, .values))
        case "items": return .object(DictView(d, .items))
        case "update":
            if let other = p.first {
                switch other {
                case .dict(let o): for (k, v) in o.pairs { try d.set(k, v) }
                default:
                    for item in try iterate(other) {
                        let kv = try iterate(item)
                        guard kv.count == 2 else {
                            throw TemplateError(.valueError, "dictionary update sequence element has length \(kv.count); 2 is required")
                        }
                        try d.set(kv[0], kv[1])
                    }
                }
            }
            for (k, v) in args.keywords { d.set(k, v) }
            return .none
        case "pop":
            guard let k = p.first else { throw TemplateError(.typeError, "pop expected at least 1 argument, got 0") }
            if let v = d.remove(k) { return v }
            if p.count > 1 { return p[1] }
            throw TemplateError(.keyError, k.repr)
        case "setdefault":
            guard let k = p.first else { throw TemplateError(.typeError, "setdefault expected at least 1 argument, got 0") }
            if let v = d.get(k) { return v }
            let v = p.count > 1 ? p[1] : .none
            try d.set(k, v)
            return v
        case "copy": return .dict(d.copy())
        case "clear":
            for k in d.keys { d.remove(k) }
            return .none
        case "fromkeys":
            guard let keys = p.first else { throw TemplateError(.typeError, "fromkeys expected at least 1 argument, got 0") }
            let out = DictBox()
            for k in try iterate(keys) { try out.set(k, p.count > 1 ? p[1] : .none) }
            return .dict(out)
        case "popitem":
            guard let k = d.keys.last else { throw TemplateError(.keyError, "'popitem(): dictionary is empty'") }
            let v = d.remove(k)!
            return .tuple([k, v])
        default:
            throw TemplateError(.typeError, "'dict' object has no attribute '\(name)'")
        }
    }
}

extension Arguments {
    /// The `i`th positional argument, if given.
    fileprivate func arg(_ i: Int) -> Value? { i < positional.count ? positional[i] : nil }

    /// The `i`th positional argument as an int, `dflt` when absent or None.
    fileprivate func intArg(_ i: Int, _ dflt: Int) throws -> Int {
        guard let v = arg(i) else { return dflt }
        if case .none = v { return dflt }
        guard let n = v.intValue else {
            throw TemplateError(.typeError, "'\(v.typeName)' object cannot be interpreted as an integer")
        }
        return n
    }
}
