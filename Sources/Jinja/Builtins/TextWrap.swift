// Python's `textwrap.wrap` as the `wordwrap` filter calls it (expand_tabs and
// replace_whitespace off, drop_whitespace on, no indents): the text is cut into chunks by
// textwrap's `wordsep_re` (or, unless break_on_hyphens is exactly True, its simple
// whitespace splitter), then `_wrap_chunks` fills lines. Everything counts code points;
// textwrap's own whitespace is ASCII (`\t\n\v\f\r` and space) while dropping a
// whitespace chunk asks `str.strip`, which knows all of Unicode's.

/// The options of one `textwrap.wrap` call.
struct TextWrap {
    var width: Int
    /// `break_long_words`.
    var breakLongWords: Bool
    /// `break_on_hyphens is True`: split chunks with `wordsep_re`.
    var splitOnHyphens: Bool
    /// `break_on_hyphens` as a truth value: break long words after a hyphen.
    var breakOnHyphens: Bool

    /// The lines of `text` (no line breaks of its own).
    func wrap(_ text: String) -> [String] {
        let u = Array(text.unicodeScalars)
        let chunks = splitOnHyphens ? Self.wordChunks(u) : Self.whitespaceChunks(u)
        return wrapChunks(chunks).map { String(String.UnicodeScalarView($0)) }
    }

    // MARK: - chunks

    /// textwrap's `_whitespace`.
    static func isSpace(_ c: UnicodeScalar) -> Bool {
        switch c { case "\t", "\n", "\u{0B}", "\u{0C}", "\r", " ": return true; default: return false }
    }

    /// `[^\d\W]`: a word character that is not a decimal digit.
    private static func isLetter(_ c: UnicodeScalar) -> Bool {
        pyIsWord(c) && c.properties.numericType != .decimal
    }

    /// `[\w!"'&.,?]`.
    private static func isWordPunct(_ c: UnicodeScalar) -> Bool {
        pyIsWord(c) || "!\"'&.,?".unicodeScalars.contains(c)
    }

    /// `wordsep_simple_re.split`: runs of whitespace and runs of anything else.
    static func whitespaceChunks(_ u: [UnicodeScalar]) -> [[UnicodeScalar]] {
        var chunks: [[UnicodeScalar]] = []
        var i = 0
        while i < u.count {
            let space = isSpace(u[i])
            var j = i + 1
            while j < u.count, isSpace(u[j]) == space { j += 1 }
            chunks.append(Array(u[i..<j]))
            i = j
        }
        return chunks
    }

    /// `wordsep_re.split`: every position starts a match of one of its three branches
    /// (whitespace, an em-dash between words, a word up to a hyphen or its end), so the
    /// chunks are consecutive matches.
    static func wordChunks(_ u: [UnicodeScalar]) -> [[UnicodeScalar]] {
        func at(_ i: Int) -> UnicodeScalar? { i >= 0 && i < u.count ? u[i] : nil }
        func letter(_ i: Int) -> Bool { at(i).map(isLetter) ?? false }
        func dash(_ i: Int) -> Bool { at(i) == "-" }
        /// `-{2,}\w` at `i` (backtracking cannot help: a shorter run is followed by `-`).
        func emDashThenWord(_ i: Int) -> Bool {
            var j = i
            while dash(j) { j += 1 }
            return j - i >= 2 && (at(j).map(pyIsWord) ?? false)
        }
        var chunks: [[UnicodeScalar]] = []
        var pos = 0
        while pos < u.count {
            var end: Int
            if isSpace(u[pos]) {
                end = pos + 1
                while end < u.count, isSpace(u[end]) { end += 1 }
            } else if at(pos - 1).map(isWordPunct) == true, emDashThenWord(pos) {
                // `(?<=wp) -{2,} (?=\w)`
                end = pos
                while dash(end) { end += 1 }
            } else {
                // `nws+?` then the first position where one alternative holds.
                end = pos + 1
                while true {
                    // `-` ending a hyphenated word: `(?<=lt{2}-)|(?<=lt-lt-)`, `(?=lt -? lt)`.
                    if dash(end),
                       (letter(end - 2) && letter(end - 1)) || (letter(end - 3) && dash(end - 2) && letter(end - 1)),
                       letter(end + 1), letter(end + 2) || (dash(end + 2) && letter(end + 3)) {
                        end += 1
                        break
                    }
                    // `(?=ws|\Z)`
                    if end == u.count || isSpace(u[end]) { break }
                    // `(?<=wp) (?=-{2,}\w)`
                    if isWordPunct(u[end - 1]), emDashThenWord(end) { break }
                    end += 1
                }
            }
            chunks.append(Array(u[pos..<end]))
            pos = end
        }
        return chunks
    }

    // MARK: - lines

    /// `chunk.strip() == ''`.
    private static func isBlank(_ chunk: [UnicodeScalar]) -> Bool { chunk.allSatisfy(isPyWhitespace) }

    /// `_wrap_chunks` (with `_handle_long_word`), chunks popped from the end of `reversed`.
    func wrapChunks(_ chunks: [[UnicodeScalar]]) -> [[UnicodeScalar]] {
        var reversed = Array(chunks.reversed())
        var lines: [[UnicodeScalar]] = []
        while let top = reversed.last {
            var line: [[UnicodeScalar]] = []
            var len = 0
            if Self.isBlank(top), !lines.isEmpty { reversed.removeLast() }
            while let c = reversed.last, len + c.count <= width {
                line.append(reversed.removeLast())
                len += c.count
            }
            if let chunk = reversed.last, chunk.count > width {
                let spaceLeft = width < 1 ? 1 : width - len
                if breakLongWords {
                    var end = spaceLeft
                    // spaceLeft is at least 0 and below chunk.count here (chunk.count > width).
                    if breakOnHyphens, let hyphen = chunk[..<spaceLeft].lastIndex(of: "-"), hyphen > 0,
                       chunk[..<hyphen].contains(where: { $0 != "-" }) {
                        end = hyphen + 1
                    }
                    line.append(Array(chunk[..<end]))
                    reversed[reversed.count - 1] = Array(chunk[end...])
                } else if line.isEmpty {
                    line.append(reversed.removeLast())
                }
            }
            if let last = line.last, Self.isBlank(last) { line.removeLast() }
            if !line.isEmpty { lines.append(Array(line.joined())) }
        }
        return lines
    }
}
