// Python's `str` is a sequence of code points: `==`, `<`, `hash`, `in`, `find` and every
// length and index go by code point. Swift's `String` compares and hashes by canonical
// equivalence and counts, slices and searches by grapheme cluster, so precomposed "é"
// (U+00E9) equals "e" + U+0301 there, and "e" is not found in the latter. Template values
// go through these helpers instead. They work on UTF-8 bytes: UTF-8 orders strings as
// their code points, and a match of one valid UTF-8 string inside another always starts
// and ends on code point boundaries (lead and continuation bytes never look alike).

/// Code-point semantics for template strings.
enum CodePoints {
    /// Python's `a == b`: the same code points.
    static func equal(_ a: String, _ b: String) -> Bool {
        a.utf8.elementsEqual(b.utf8)
    }

    /// Python's ordering of `a` and `b` as -1, 0 or 1: by code point, then by length.
    static func compare(_ a: String, _ b: String) -> Int {
        var x = a.utf8.makeIterator()
        var y = b.utf8.makeIterator()
        while true {
            switch (x.next(), y.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let p?, let q?) where p != q: return p < q ? -1 : 1
            default: continue
            }
        }
    }

    /// The UTF-8 offset of the first (or, `backwards`, the last) occurrence of `needle` in
    /// `haystack`, or nil. An empty needle is found at the start (or the end).
    static func find(_ needle: String, in haystack: String, backwards: Bool = false) -> Int? {
        let hay = Array(haystack.utf8), pin = Array(needle.utf8)
        guard pin.count <= hay.count else { return nil }
        let starts = 0...(hay.count - pin.count)
        func matches(_ i: Int) -> Bool {
            var k = 0
            while k < pin.count, hay[i + k] == pin[k] { k += 1 }
            return k == pin.count
        }
        return backwards ? starts.reversed().first(where: matches) : starts.first(where: matches)
    }

    /// Python's `needle in haystack` for strings.
    static func contains(_ haystack: String, _ needle: String) -> Bool {
        find(needle, in: haystack) != nil
    }

    /// Whether `s` starts with `prefix`, code point by code point.
    static func hasPrefix(_ s: String, _ prefix: String) -> Bool {
        s.utf8.starts(with: prefix.utf8)
    }

    /// Whether `s` ends with `suffix`, code point by code point.
    static func hasSuffix(_ s: String, _ suffix: String) -> Bool {
        s.utf8.reversed().starts(with: suffix.utf8.reversed())
    }

    /// The bytes of `s` from UTF-8 offset `from` up to `to` (both on code point boundaries).
    static func slice(_ s: String, from: Int = 0, to: Int? = nil) -> String {
        let bytes = Array(s.utf8)
        return String(decoding: bytes[from..<(to ?? bytes.count)], as: UTF8.self)
    }

    /// The first `n` code points of `s`.
    static func prefix(_ s: String, _ n: Int) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.prefix(n)))
    }
}

/// A string as a dict key or set member: equal and hashed by code point, as Python's `str`.
struct CodePointKey: Hashable {
    /// The string itself.
    let string: String

    init(_ string: String) { self.string = string }

    static func == (a: CodePointKey, b: CodePointKey) -> Bool { CodePoints.equal(a.string, b.string) }

    func hash(into hasher: inout Hasher) {
        for byte in string.utf8 { hasher.combine(byte) }
        // A terminator, so that ("ab", "c") and ("a", "bc") in a tuple key hash apart.
        hasher.combine(0xFF as UInt8)
    }
}
