/// Whitespace settings that change what the lexer emits.
struct LexerOptions: Sendable {
    var trimBlocks = false
    var lstripBlocks = false
    var keepTrailingNewline = false
}

/// Jinja2's lexer, rewritten as a hand scanner over UTF-8 with the same results as the
/// regular expressions of `jinja2/lexer.py` for the default delimiters:
/// whitespace control (`-`, `+`, trim_blocks, lstrip_blocks), raw blocks, comments,
/// bracket balancing inside tags, and the single trailing newline that is dropped.
struct Lexer {
    private let src: [UInt8]
    private let opts: LexerOptions
    private let name: String?
    private var pos = 0
    private var line = 1
    /// Whether the last consumed text ended with a newline (lstrip_blocks needs it).
    private var lineStarting = true
    private var tokens: [Token] = []

    init(source: String, name: String?, options: LexerOptions) {
        // Newlines are normalised to "\n" and one trailing newline is dropped unless
        // keep_trailing_newline (lexer.tokeniter).
        var bytes: [UInt8] = []
        bytes.reserveCapacity(source.utf8.count)
        var it = source.utf8.makeIterator()
        var pending = it.next()
        while let c = pending {
            pending = it.next()
            if c == 13 {  // \r or \r\n
                bytes.append(10)
                if pending == 10 { pending = it.next() }
            } else {
                bytes.append(c)
            }
        }
        if !options.keepTrailingNewline, bytes.last == 10 { bytes.removeLast() }
        self.src = bytes
        self.opts = options
        self.name = name
    }

    private func fail(_ message: String) -> TemplateError {
        var e = TemplateError(.templateSyntaxError, message, template: name, line: line)
        e.span = SourceSpan(start: pos, end: pos + 1)
        return e
    }

    /// Appends a token of `src[start..<end]`.
    private mutating func emit(_ kind: TokenKind, _ text: String, _ start: Int, _ end: Int) {
        tokens.append(Token(kind: kind, text: text, line: line, start: start, end: end))
    }

    // MARK: - byte helpers

    @inline(__always) private func at(_ i: Int) -> UInt8 { i < src.count ? src[i] : 0 }

    /// Python's `\s` for ASCII bytes: `\t \n \v \f \r`, the separators 0x1C–0x1F, space.
    @inline(__always) private static func isSpace(_ c: UInt8) -> Bool {
        c == 32 || (c >= 9 && c <= 13) || (c >= 28 && c <= 31)
    }

    /// The byte length of the whitespace character (Python's `\s`, `str.isspace`) at
    /// `i`, or 0. ASCII is the fast path; the non-ASCII ones are U+0085, U+00A0, U+1680,
    /// U+2000–U+200A, U+2028, U+2029, U+202F, U+205F and U+3000.
    @inline(__always) private func spaceLen(_ i: Int) -> Int {
        guard i < src.count else { return 0 }
        let c = src[i]
        if c < 0x80 { return Lexer.isSpace(c) ? 1 : 0 }
        return Lexer.wideSpaceLen(src, i)
    }

    private static func wideSpaceLen(_ src: [UInt8], _ i: Int) -> Int {
        let n = src.count
        switch src[i] {
        case 0xC2:
            return i + 1 < n && (src[i + 1] == 0x85 || src[i + 1] == 0xA0) ? 2 : 0
        case 0xE1:
            return i + 2 < n && src[i + 1] == 0x9A && src[i + 2] == 0x80 ? 3 : 0
        case 0xE2:
            guard i + 2 < n else { return 0 }
            let (b, c) = (src[i + 1], src[i + 2])
            if b == 0x80 && (c <= 0x8A || c == 0xA8 || c == 0xA9 || c == 0xAF) && c >= 0x80 { return 3 }
            return b == 0x81 && c == 0x9F ? 3 : 0
        case 0xE3:
            return i + 2 < n && src[i + 1] == 0x80 && src[i + 2] == 0x80 ? 3 : 0
        default:
            return 0
        }
    }

    /// Skips whitespace from `i` forward (`\s*`).
    @inline(__always) private func skipSpace(_ i: Int) -> Int {
        var j = i
        while true {
            let l = spaceLen(j)
            if l == 0 { return j }
            j += l
        }
    }

    /// Python's `text[a:end].rstrip()`: the end of `src[a..<end]` without trailing whitespace.
    private func rstripEnd(_ a: Int, _ end: Int) -> Int {
        var e = end
        while e > a {
            let c = src[e - 1]
            if c < 0x80 {
                guard Lexer.isSpace(c) else { return e }
                e -= 1
                continue
            }
            // A multi-byte whitespace ends here if it starts 2 or 3 bytes back.
            if e - 2 >= a, Lexer.wideSpaceLen(src, e - 2) == 2 {
                e -= 2
            } else if e - 3 >= a, Lexer.wideSpaceLen(src, e - 3) == 3 {
                e -= 3
            } else {
                return e
            }
        }
        return e
    }

    private func starts(_ s: String, at i: Int) -> Bool {
        var j = i
        for b in s.utf8 {
            if j >= src.count || src[j] != b { return false }
            j += 1
        }
        return true
    }

    private func text(_ a: Int, _ b: Int) -> String {
        String(decoding: src[a..<b], as: UTF8.self)
    }

    private func countNewlines(_ a: Int, _ b: Int) -> Int {
        var n = 0
        for i in a..<b where src[i] == 10 { n += 1 }
        return n
    }

    // MARK: - root state

    /// The first lexing error, when `tokenizeUntilError` met one.
    private(set) var error: TemplateError?

    /// Tokenizes the whole source.
    mutating func tokenize() throws -> [Token] {
        let t = tokenizeUntilError()
        if let error { throw error }
        return t
    }

    /// The tokens up to the first lexing error (kept in `error`), then the end of the
    /// template. Jinja's lexer is lazy: a parser error before that point wins.
    /// The end token has the line of the last token, as in Jinja's `TokenStream`.
    mutating func tokenizeUntilError() -> [Token] {
        do {
            while pos < src.count { try lexRoot() }
        } catch let e as TemplateError {
            error = e
        } catch {}
        tokens.append(Token(kind: .eof, text: "", line: tokens.last?.line ?? 1, start: src.count, end: src.count))
        return tokens
    }

    private enum Opener { case variable, block, comment, raw(end: Int) }

    /// Finds the next `{{`, `{%` or `{#` at or after `from` (and whether it opens raw).
    private func findOpener(from: Int) -> (Int, Opener)? {
        var i = from
        while i + 1 < src.count {
            if src[i] == UInt8(ascii: "{") {
                switch src[i + 1] {
                case UInt8(ascii: "{"): return (i, .variable)
                case UInt8(ascii: "#"): return (i, .comment)
                case UInt8(ascii: "%"):
                    if let end = matchRawBegin(i) { return (i, .raw(end: end)) }
                    return (i, .block)
                default: break
                }
            }
            i += 1
        }
        return nil
    }

    /// `{%(-|+|)\s*raw\s*(?:-%}\s*|%})` at `i`; returns the end of the match.
    private func matchRawBegin(_ i: Int) -> Int? {
        var j = i + 2
        if at(j) == UInt8(ascii: "-") || at(j) == UInt8(ascii: "+") { j += 1 }
        j = skipSpace(j)
        guard starts("raw", at: j) else { return nil }
        j += 3
        j = skipSpace(j)
        if starts("-%}", at: j) {
            j += 3
            j = skipSpace(j)
            return j
        }
        if starts("%}", at: j) { return j + 2 }
        return nil
    }

    /// Emits template data before a tag, applying `-` and lstrip_blocks (OptionalLStrip).
    private mutating func emitData(_ a: Int, _ b: Int, sign: UInt8, lstripAllowed: Bool) {
        var end = b
        var strippedNewlines = 0
        if sign == UInt8(ascii: "-") {
            end = rstripEnd(a, end)
            strippedNewlines = countNewlines(end, b)
        } else if sign != UInt8(ascii: "+"), opts.lstripBlocks, lstripAllowed {
            var lpos = b
            while lpos > a, src[lpos - 1] != 10 { lpos -= 1 }
            if lpos > a || lineStarting {
                if lpos < b && skipSpace(lpos) == b { end = lpos }
            }
        }
        if end > a {
            emit(.data, text(a, end), a, end)
        }
        line += countNewlines(a, end) + strippedNewlines
    }

    private mutating func lexRoot() throws {
        guard let (start, opener) = findOpener(from: pos) else {
            // The rest is data.
            emit(.data, text(pos, src.count), pos, src.count)
            line += countNewlines(pos, src.count)
            pos = src.count
            return
        }
        let sign = at(start + 2)
        switch opener {
        case .variable:
            emitData(pos, start, sign: sign, lstripAllowed: false)
            emit(.variableBegin, "{{", start, start + 2)
            pos = start + 2
            if sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { pos += 1 }
            lineStarting = false
            try lexTag(variable: true)
        case .block:
            emitData(pos, start, sign: sign, lstripAllowed: true)
            emit(.blockBegin, "{%", start, start + 2)
            pos = start + 2
            if sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { pos += 1 }
            lineStarting = false
            try lexTag(variable: false)
        case .comment:
            emitData(pos, start, sign: sign, lstripAllowed: true)
            pos = start + 2
            if sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { pos += 1 }
            try lexComment()
        case .raw(let end):
            emitData(pos, start, sign: sign, lstripAllowed: true)
            line += countNewlines(start, end)
            lineStarting = src[end - 1] == 10
            pos = end
            try lexRaw()
        }
    }

    /// The comment body up to `+#}`, `-#}\s*` or `#}` (plus `\n` with trim_blocks).
    private mutating func lexComment() throws {
        var i = pos
        while i < src.count {
            if starts("+#}", at: i) {
                finishSkipped(upTo: i + 3)
                return
            }
            if starts("-#}", at: i) {
                var j = i + 3
                j = skipSpace(j)
                finishSkipped(upTo: j)
                return
            }
            if starts("#}", at: i) {
                var j = i + 2
                if opts.trimBlocks, at(j) == 10 { j += 1 }
                finishSkipped(upTo: j)
                return
            }
            i += 1
        }
        throw fail("Missing end of comment tag")
    }

    private mutating func finishSkipped(upTo end: Int) {
        line += countNewlines(pos, end)
        lineStarting = end > pos && src[end - 1] == 10
        pos = end
    }

    /// Raw text up to `{%(-|+|)\s*endraw\s*(+%}|-%}\s*|%}\n?)`.
    private mutating func lexRaw() throws {
        // Nothing after `{% raw %}`: the template just ends (Jinja matches nothing more).
        if pos >= src.count { return }
        var i = pos
        while i < src.count {
            if src[i] == UInt8(ascii: "{"), at(i + 1) == UInt8(ascii: "%") {
                var j = i + 2
                let sign = at(j)
                if sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { j += 1 }
                j = skipSpace(j)
                if starts("endraw", at: j) {
                    j += 6
                    j = skipSpace(j)
                    var end: Int?
                    if starts("+%}", at: j) {
                        end = j + 3
                    } else if starts("-%}", at: j) {
                        var k = j + 3
                        k = skipSpace(k)
                        end = k
                    } else if starts("%}", at: j) {
                        var k = j + 2
                        if opts.trimBlocks, at(k) == 10 { k += 1 }
                        end = k
                    }
                    if let end {
                        emitData(pos, i, sign: sign, lstripAllowed: true)
                        line += countNewlines(i, end)
                        lineStarting = src[end - 1] == 10
                        pos = end
                        return
                    }
                }
            }
            i += 1
        }
        throw fail("Missing end of raw directive")
    }

    // MARK: - inside tags

    private static let twoCharOps: Set<String> = ["//", "**", "==", "!=", ">=", "<="]
    private static let oneCharOps: Set<UInt8> = Set("+-/*%~[](){}><=.:|,;".utf8)

    /// Tokens of a `{{ … }}` or `{% … %}` tag up to its end delimiter.
    private mutating func lexTag(variable: Bool) throws {
        var balance: [UInt8] = []
        let tagLine = line
        while true {
            guard pos < src.count else {
                // Unclosed tag: the parser reports what it expected.
                line = max(line, tagLine)
                return
            }
            let c = src[pos]
            // End delimiters, only when brackets are balanced.
            if balance.isEmpty {
                if variable {
                    if starts("-}}", at: pos) {
                        var j = pos + 3
                        j = skipSpace(j)
                        emit(.variableEnd, "}}", pos, pos + (src[pos] == UInt8(ascii: "-") ? 3 : 2))
                        finishSkipped(upTo: j)
                        return
                    }
                    if starts("}}", at: pos) {
                        emit(.variableEnd, "}}", pos, pos + (src[pos] == UInt8(ascii: "-") ? 3 : 2))
                        finishSkipped(upTo: pos + 2)
                        return
                    }
                } else {
                    if starts("+%}", at: pos) {
                        emit(.blockEnd, "%}", pos, pos + (src[pos] == UInt8(ascii: "%") ? 2 : 3))
                        finishSkipped(upTo: pos + 3)
                        return
                    }
                    if starts("-%}", at: pos) {
                        var j = pos + 3
                        j = skipSpace(j)
                        emit(.blockEnd, "%}", pos, pos + (src[pos] == UInt8(ascii: "%") ? 2 : 3))
                        finishSkipped(upTo: j)
                        return
                    }
                    if starts("%}", at: pos) {
                        var j = pos + 2
                        if opts.trimBlocks, at(j) == 10 { j += 1 }
                        emit(.blockEnd, "%}", pos, pos + (src[pos] == UInt8(ascii: "%") ? 2 : 3))
                        finishSkipped(upTo: j)
                        return
                    }
                }
            }
            let space = spaceLen(pos)
            if space > 0 {
                if c == 10 { line += 1 }
                pos += space
                continue
            }
            let tokenStart = pos
            if var tok = try lexNumber() {
                (tok.start, tok.end) = (tokenStart, pos)
                tokens.append(tok)
                continue
            }
            if Lexer.isNameStart(c) || (c >= 0x80 && isWideWordChar(pos)) {
                var tok = try lexName()
                (tok.start, tok.end) = (tokenStart, pos)
                tokens.append(tok)
                continue
            }
            if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                var tok = try lexString(quote: c)
                (tok.start, tok.end) = (tokenStart, pos)
                tokens.append(tok)
                continue
            }
            // Operators, longest first.
            if pos + 1 < src.count {
                let two = text(pos, pos + 2)
                if Lexer.twoCharOps.contains(two) {
                    emit(.op, two, pos, pos + 2)
                    pos += 2
                    continue
                }
            }
            if Lexer.oneCharOps.contains(c) {
                let s = String(UnicodeScalar(c))
                switch c {
                case UInt8(ascii: "{"): balance.append(UInt8(ascii: "}"))
                case UInt8(ascii: "("): balance.append(UInt8(ascii: ")"))
                case UInt8(ascii: "["): balance.append(UInt8(ascii: "]"))
                case UInt8(ascii: "}"), UInt8(ascii: ")"), UInt8(ascii: "]"):
                    guard let expected = balance.popLast() else { throw fail("unexpected '\(s)'") }
                    if expected != c {
                        throw fail("unexpected '\(s)', expected '\(String(UnicodeScalar(expected)))'")
                    }
                default: break
                }
                emit(.op, s, pos, pos + 1)
                pos += 1
                continue
            }
            let ch = String(decoding: src[pos..<min(src.count, pos + 4)], as: UTF8.self).first.map(String.init) ?? "?"
            throw fail("unexpected char \(pyRepr(ch)) at \(pos)")
        }
    }

    @inline(__always) private static func isNameStart(_ c: UInt8) -> Bool {
        (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95
    }

    /// The Unicode scalar encoded at `i` and its byte length (the source is valid UTF-8).
    private func scalar(_ i: Int) -> (UnicodeScalar, Int) {
        let c = src[i]
        let len = c < 0xE0 ? 2 : (c < 0xF0 ? 3 : 4)
        var v = UInt32(c) & (len == 2 ? 0x1F : (len == 3 ? 0x0F : 0x07))
        for k in 1..<len where i + k < src.count { v = v << 6 | (UInt32(src[i + k]) & 0x3F) }
        return (UnicodeScalar(v) ?? "\u{FFFD}", len)
    }

    /// A non-ASCII character of Jinja's `name_re` (`\w` plus the other identifier
    /// continuation characters).
    private func isWideWordChar(_ i: Int) -> Bool {
        let p = scalar(i).0.properties
        return p.isXIDContinue || p.isAlphabetic || p.numericType != nil
    }

    /// A name (`name_re`), which must then be a Python identifier.
    private mutating func lexName() throws -> Token {
        let a = pos
        var ascii = true
        while pos < src.count {
            let c = src[pos]
            if c < 0x80 {
                guard Lexer.isNameChar(c) else { break }
                pos += 1
            } else {
                guard isWideWordChar(pos) else { break }
                ascii = false
                pos += scalar(pos).1
            }
        }
        let name = text(a, pos)
        if !ascii {
            var scalars = name.unicodeScalars.makeIterator()
            let first = scalars.next()!
            let valid =
                (first == "_" || first.properties.isXIDStart)
                && IteratorSequence(scalars).allSatisfy { $0.properties.isXIDContinue }
            if !valid { throw fail("Invalid character in identifier") }
        }
        return Token(kind: .name, text: name, line: line)
    }

    @inline(__always) private static func isNameChar(_ c: UInt8) -> Bool {
        isNameStart(c) || (c >= 48 && c <= 57)
    }

    @inline(__always) private static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

    /// Digits with optional single underscores between them (`(\d+_)*\d+`); returns the end.
    private func scanDigits(_ i: Int) -> Int? {
        guard Lexer.isDigit(at(i)) else { return nil }
        var j = i
        while true {
            while Lexer.isDigit(at(j)) { j += 1 }
            if at(j) == UInt8(ascii: "_"), Lexer.isDigit(at(j + 1)) {
                j += 1
                continue
            }
            return j
        }
    }

    /// float_re, then integer_re (with 0b/0o/0x prefixes), as in lexer.py.
    private mutating func lexNumber() throws -> Token? {
        let c = at(pos)
        guard Lexer.isDigit(c) else { return nil }
        // float: digits, then (fraction? exponent | fraction); not preceded by '.'.
        if pos == 0 || src[pos - 1] != UInt8(ascii: ".") {
            if let intEnd = scanDigits(pos) {
                var j = intEnd
                var isFloat = false
                if at(j) == UInt8(ascii: "."), let f = scanDigits(j + 1) {
                    j = f
                    isFloat = true
                }
                if at(j) == UInt8(ascii: "e") || at(j) == UInt8(ascii: "E") {
                    var k = j + 1
                    if at(k) == UInt8(ascii: "+") || at(k) == UInt8(ascii: "-") { k += 1 }
                    if let e = scanDigits(k) {
                        j = e
                        isFloat = true
                    }
                }
                if isFloat {
                    let s = text(pos, j).replacingOccurrences(of: "_", with: "")
                    pos = j
                    return Token(kind: .float, text: s, line: line, floatValue: Double(s) ?? .nan)
                }
            }
        }
        // integer
        let a = pos
        var radix = 10
        if c == UInt8(ascii: "0") {
            let p = at(pos + 1) | 0x20
            if p == UInt8(ascii: "b") { radix = 2 } else if p == UInt8(ascii: "o") { radix = 8 } else if p == UInt8(ascii: "x") { radix = 16 }
        }
        if radix != 10 {
            var j = pos + 2
            var digits = ""
            while true {
                if at(j) == UInt8(ascii: "_") { j += 1 }
                let d = at(j)
                guard let v = Int(String(UnicodeScalar(d)), radix: radix) else { break }
                _ = v
                digits.append(Character(UnicodeScalar(d)))
                j += 1
            }
            if !digits.isEmpty, let v = Int(digits, radix: radix) {
                pos = j
                return Token(kind: .integer, text: text(a, j), line: line, intValue: v)
            }
            radix = 10
        }
        if c == UInt8(ascii: "0") {
            var j = pos + 1
            while true {
                if at(j) == UInt8(ascii: "0") { j += 1 } else if at(j) == UInt8(ascii: "_"), at(j + 1) == UInt8(ascii: "0") { j += 2 } else { break }
            }
            pos = j
            return Token(kind: .integer, text: text(a, j), line: line, intValue: 0)
        }
        let end = scanDigits(pos)!
        let s = text(a, end).replacingOccurrences(of: "_", with: "")
        pos = end
        guard let v = Int(s) else { throw fail("integer literal too large: \(s)") }
        return Token(kind: .integer, text: s, line: line, intValue: v)
    }

    /// A quoted string with Python's `unicode_escape` rules applied to its body.
    private mutating func lexString(quote: UInt8) throws -> Token {
        let startLine = line
        var j = pos + 1
        while j < src.count {
            let c = src[j]
            if c == UInt8(ascii: "\\") {
                if at(j + 1) == 10 { line += 1 }
                j += 2
                continue
            }
            if c == 10 { line += 1 }
            if c == quote { break }
            j += 1
        }
        guard j < src.count else {
            line = startLine
            throw fail("unexpected char \(pyRepr(String(UnicodeScalar(quote)))) at \(pos)")
        }
        let body = text(pos + 1, j)
        pos = j + 1
        return Token(kind: .string, text: try unescape(body), line: startLine)
    }

    /// Python's `unicode_escape` decoding of a string literal body (non-ASCII kept).
    private func unescape(_ s: String) throws -> String {
        guard s.unicodeScalars.contains("\\") else { return s }
        var out = String.UnicodeScalarView()
        var it = Array(s.unicodeScalars)[...]
        while let c = it.popFirst() {
            guard c == "\\", let e = it.popFirst() else {
                out.append(c)
                continue
            }
            switch e {
            case "\n": break
            case "\\": out.append("\\")
            case "'": out.append("'")
            case "\"": out.append("\"")
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0B}")
            case "0"..."7":
                var digits = String(e)
                while digits.count < 3, let d = it.first, ("0"..."7").contains(d) {
                    digits.unicodeScalars.append(d)
                    it.removeFirst()
                }
                out.append(UnicodeScalar(UInt32(digits, radix: 8)!) ?? "?")
            case "x", "u", "U":
                let n = e == "x" ? 2 : (e == "u" ? 4 : 8)
                var digits = ""
                for _ in 0..<n {
                    guard let d = it.first, d.properties.isASCIIHexDigit else { break }
                    digits.unicodeScalars.append(d)
                    it.removeFirst()
                }
                guard digits.count == n, let v = UInt32(digits, radix: 16), let scalar = UnicodeScalar(v) else {
                    throw TemplateError(
                        .templateSyntaxError, "truncated \\\(e)\(String(repeating: "X", count: n)) escape",
                        template: name, line: line)
                }
                out.append(scalar)
            case "N":
                // `\N{NAME}`: a character by its Unicode name (or alias), any case.
                guard it.first == "{", let close = it.firstIndex(of: "}"), close > it.startIndex + 1 else {
                    throw TemplateError(
                        .templateSyntaxError, "malformed \\N character escape", template: name, line: line)
                }
                let key = String(String.UnicodeScalarView(it[(it.startIndex + 1)..<close])).uppercased()
                guard let scalar = unicodeNames[key] else {
                    throw TemplateError(
                        .templateSyntaxError, "unknown Unicode character name", template: name, line: line)
                }
                out.append(scalar)
                it = it[(close + 1)...]
            default:
                out.append("\\")
                out.append(e)
            }
        }
        return String(out)
    }
}

/// Unicode character names and name aliases → scalars, for `\N{...}` escapes; built on
/// first use (about 0.1 s), only by templates that use the escape.
private let unicodeNames: [String: UnicodeScalar] = {
    var names: [String: UnicodeScalar] = [:]
    names.reserveCapacity(160_000)
    for v in 0..<UInt32(0x110000) {
        guard let u = UnicodeScalar(v) else { continue }
        if let n = u.properties.name { names[n] = u }
        if let a = u.properties.nameAlias { names[a] = u }
    }
    return names
}()
