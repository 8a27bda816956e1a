import Foundation

/// Jinja2's filters that make strings (text, formatting, escaping, serialisation).
extension BuiltinFilters {
    /// `capitalize`.
    static func doCapitalize(_ v: Value, _ _: Arguments, _ r: Renderer) throws -> Value {
        .string(pyCapitalize(try r.str(v)))
    }

    /// `center`.
    static func doCenter(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        let b = try a.bind(["width"], function: "center")
        return .string(try pyPad(try r.str(v), width: b[0]?.intValue ?? 80, fill: " ", align: "center"))
    }

    /// `escape` (and its alias `e`, `forceescape`).
    static func doEscape(_ v: Value, _ _: Arguments, _ r: Renderer) throws -> Value {
        .string(htmlEscape(try r.str(v)))
    }

    /// `filesizeformat`.
    static func doFilesizeformat(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
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

    /// `format`.
    static func doFormat(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        if !a.positional.isEmpty && !a.keywords.isEmpty {
            throw TemplateError(.filterArgumentError, "can't handle positional and keyword arguments at the same time")
        }
        let values: Value = a.keywords.isEmpty ? .tuple(a.positional) : Value.dict(a.keywords)
        return .string(try r.percentFormat(try r.str(v), values))
    }

    /// `indent`.
    static func doIndent(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
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

    /// `lower`.
    static func doLower(_ v: Value, _ _: Arguments, _ r: Renderer) throws -> Value {
        .string(pyLower(try r.str(v)))
    }

    /// `pprint`.
    static func doPprint(_ v: Value, _ _: Arguments, _ _: Renderer) throws -> Value {
        .string(PrettyPrinter.format(v))
    }

    /// `replace`.
    static func doReplace(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        let b = try a.bind(["old", "new", "count"], function: "replace")
        guard let old = b[0], let new = b[1] else {
            throw TemplateError(.typeError, "do_replace() missing required arguments: 'old' and 'new'")
        }
        var count = -1
        if let c = b[2], case .none = c {} else if let c = b[2]?.intValue { count = c }
        return .string(try pyReplace(try r.str(v), try r.str(old), try r.str(new), count: count))
    }

    /// `safe`.
    static func doSafe(_ v: Value, _ _: Arguments, _ _: Renderer) throws -> Value {
        v
    }

    /// `string`.
    static func doString(_ v: Value, _ _: Arguments, _ r: Renderer) throws -> Value {
        .string(try r.str(v))
    }

    /// `striptags`.
    static func doStriptags(_ v: Value, _ _: Arguments, _ r: Renderer) throws -> Value {
        var s = try r.str(v)
        s = s.replacingOccurrences(of: "<!--[\\s\\S]*?-->", with: "", options: .regularExpression)
        s = s.replacingOccurrences(of: "<[\\s\\S]*?>", with: "", options: .regularExpression)
        return .string(htmlUnescape(pySplit(s, sep: nil, maxsplit: -1).joined(separator: " ")))
    }

    /// `title`.
    static func doTitle(_ v: Value, _ _: Arguments, _ r: Renderer) throws -> Value {
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

    /// `tojson`.
    static func doTojson(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        let b = try a.bind(["indent"], function: "tojson")
        var indent: Int?
        if let i = b[0], case .none = i {} else { indent = b[0]?.intValue }
        var s = try jsonDump(
            v, indent: indent, sortKeys: true, undefinedType: r.strict ? "StrictUndefined" : "Undefined")
        s = s.replacingOccurrences(of: "<", with: "\\u003c").replacingOccurrences(of: ">", with: "\\u003e")
            .replacingOccurrences(of: "&", with: "\\u0026").replacingOccurrences(of: "'", with: "\\u0027")
        return .string(s)
    }

    /// `trim`.
    static func doTrim(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        let b = try a.bind(["chars"], function: "trim")
        return .string(pyStrip(try r.str(v), chars: b[0]?.stringValue, left: true, right: true))
    }

    /// `truncate`.
    static func doTruncate(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
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

    /// `upper`.
    static func doUpper(_ v: Value, _ _: Arguments, _ r: Renderer) throws -> Value {
        .string(pyUpper(try r.str(v)))
    }

    /// `urlencode`.
    static func doUrlencode(_ v: Value, _ _: Arguments, _ r: Renderer) throws -> Value {
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

    /// `wordcount`.
    static func doWordcount(_ v: Value, _ _: Arguments, _ r: Renderer) throws -> Value {
        var n = 0
        var inWord = false
        for c in try r.str(v).unicodeScalars {
            let word = pyIsWord(c)
            if word && !inWord { n += 1 }
            inWord = word
        }
        return .int(n)
    }

    /// `wordwrap`.
    static func doWordwrap(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        let b = try a.bind(["width", "break_long_words", "wrapstring", "break_on_hyphens"], function: "wordwrap")
        let width = b[0]?.intValue ?? 79
        let breakLong = try r.truthy(b[1, default: .bool(true)])
        let wrapstring = b[2]?.stringValue ?? "\n"
        // textwrap splits with its hyphen-aware pattern only when the flag `is True`, but
        // breaks long words at hyphens whenever it is truthy.
        let hyphensValue = b[3, default: .bool(true)]
        var wrapper = TextWrap(width: width, breakLongWords: breakLong, splitOnHyphens: false,
                               breakOnHyphens: try r.truthy(hyphensValue))
        if case .bool(true) = hyphensValue { wrapper.splitOnHyphens = true }
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
                        wrapper.wrap($0),
                        separator: wrapstring)
                }, separator: wrapstring))
    }

    /// `xmlattr`.
    static func doXmlattr(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        let b = try a.bind(["autospace"], function: "xmlattr")
        let autospace = try r.truthy(b[0, default: .bool(true)])
        let d = try r.mappingItems(v)
        var items: [String] = []
        for (k, val) in d.pairs {
            if case .none = val { continue }
            if val.isUndefined { continue }
            let key = try r.str(k)
            // `[\s/>=]` with re.ASCII, by code point: a combining mark does not hide `=`.
            if key.unicodeScalars.contains(where: { " \t\n\r\u{0B}\u{0C}/>=".unicodeScalars.contains($0) }) {
                throw TemplateError(.valueError, "Invalid character in attribute name: \(pyRepr(key))")
            }
            items.append("\(htmlEscape(key))=\"\(htmlEscape(try r.str(val)))\"")
        }
        let rv = items.joined(separator: " ")
        return .string(autospace && !rv.isEmpty ? " " + rv : rv)
    }
}
