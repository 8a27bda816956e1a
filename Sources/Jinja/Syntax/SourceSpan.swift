/// A range of template source: UTF-8 byte offsets into the source as the lexer reads it
/// (newlines normalised to `\n`), from `start` up to (not including) `end`.
///
/// Tokens and expression nodes carry one, so an error can point at the failing
/// expression; `location(in:)` turns it into lines and columns for people.
public struct SourceSpan: Sendable, Hashable {
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = max(start, end)
    }

    /// The 1-based line and column (in characters) of the span's start and end in
    /// `source`; `endColumn` is the column of the span's last character.
    public func location(in source: String) -> (line: Int, column: Int, endLine: Int, endColumn: Int) {
        let bytes = SourceSpan.normalized(source)
        func position(_ offset: Int) -> (Int, Int) {
            let o = min(max(offset, 0), bytes.count)
            var line = 1
            var lineStart = 0
            for i in 0..<o where bytes[i] == 10 {
                line += 1
                lineStart = i + 1
            }
            let column = String(decoding: bytes[lineStart..<o], as: UTF8.self).count + 1
            return (line, column)
        }
        let (l1, c1) = position(start)
        let (l2, c2) = position(max(start, end - 1))
        return (l1, c1, l2, c2)
    }

    /// The source bytes with `\r\n` and `\r` as `\n`, as the lexer sees them.
    static func normalized(_ source: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(source.utf8.count)
        var it = source.utf8.makeIterator()
        var pending = it.next()
        while let c = pending {
            pending = it.next()
            if c == 13 {
                bytes.append(10)
                if pending == 10 { pending = it.next() }
            } else {
                bytes.append(c)
            }
        }
        return bytes
    }
}
