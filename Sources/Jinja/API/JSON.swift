/// A JSON reader producing `Value`s with Python's `json.load` results: object key order
/// kept (Python dicts are ordered), `1` an int and `1.0` a float.
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public let line: Int
    public let column: Int
    public var description: String { "\(message) (line \(line), column \(column))" }
}

extension Value {
    /// Parses JSON text.
    public static func parseJSON(_ text: String) throws -> Value {
        var p = JSONReader(Array(text.utf8))
        p.skipSpace()
        let v = try p.value()
        p.skipSpace()
        if p.i < p.b.count { throw p.error("Extra data") }
        return v
    }
}

private struct JSONReader {
    let b: [UInt8]
    var i = 0
    /// Arrays and objects the reader is inside: it reads them by recursion, so it stops
    /// where Python's json does (its recursion limit), before the stack runs out.
    var depth = 0

    init(_ b: [UInt8]) { self.b = b }

    func error(_ message: String) -> JSONParseError {
        var line = 1
        var col = 1
        for k in 0..<min(i, b.count) {
            if b[k] == 10 {
                line += 1
                col = 1
            } else {
                col += 1
            }
        }
        return JSONParseError(message: message, line: line, column: col)
    }

    mutating func skipSpace() {
        while i < b.count, b[i] == 32 || b[i] == 9 || b[i] == 10 || b[i] == 13 { i += 1 }
    }

    mutating func literal(_ word: String, _ v: Value) throws -> Value {
        for c in word.utf8 {
            guard i < b.count, b[i] == c else { throw error("Expecting value") }
            i += 1
        }
        return v
    }

    /// One level deeper into arrays and objects.
    mutating func enter() throws {
        if depth >= Value.maxNesting { throw error("maximum recursion depth exceeded while decoding a JSON document") }
        depth += 1
    }

    mutating func value() throws -> Value {
        guard i < b.count else { throw error("Expecting value") }
        switch b[i] {
        case UInt8(ascii: "{"):
            try enter()
            defer { depth -= 1 }
            i += 1
            let d = DictBox()
            skipSpace()
            if i < b.count, b[i] == UInt8(ascii: "}") {
                i += 1
                return .dict(d)
            }
            while true {
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: "\"") else {
                    throw error("Expecting property name enclosed in double quotes")
                }
                let k = try string()
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { throw error("Expecting ':' delimiter") }
                i += 1
                skipSpace()
                d.set(k, try value())
                skipSpace()
                guard i < b.count else { throw error("Expecting ',' delimiter") }
                if b[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                guard b[i] == UInt8(ascii: "}") else { throw error("Expecting ',' delimiter") }
                i += 1
                return .dict(d)
            }
        case UInt8(ascii: "["):
            try enter()
            defer { depth -= 1 }
            i += 1
            var items: [Value] = []
            skipSpace()
            if i < b.count, b[i] == UInt8(ascii: "]") {
                i += 1
                return .list(ListBox(items))
            }
            while true {
                skipSpace()
                items.append(try value())
                skipSpace()
                guard i < b.count else { throw error("Expecting ',' delimiter") }
                if b[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                guard b[i] == UInt8(ascii: "]") else { throw error("Expecting ',' delimiter") }
                i += 1
                return .list(ListBox(items))
            }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .none)
        case UInt8(ascii: "N"): return try literal("NaN", .float(.nan))
        case UInt8(ascii: "I"): return try literal("Infinity", .float(.infinity))
        default: return try number()
        }
    }

    mutating func number() throws -> Value {
        let start = i
        var isFloat = false
        if i < b.count, b[i] == UInt8(ascii: "-") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "I") { return try literal("Infinity", .float(-.infinity)) }
        }
        while i < b.count {
            let c = b[i]
            if c >= 48 && c <= 57 {
                i += 1
            } else if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") || c == UInt8(ascii: "+")
                || c == UInt8(ascii: "-")
            {
                isFloat = true
                i += 1
            } else {
                break
            }
        }
        let text = String(decoding: b[start..<i], as: UTF8.self)
        if !isFloat, let n = Int(text) { return .int(n) }
        guard !text.isEmpty, let d = Double(text) else {
            i = start
            throw error("Expecting value")
        }
        return .float(d)
    }

    mutating func hex4() throws -> UInt32 {
        guard i + 4 <= b.count, let v = UInt32(String(decoding: b[i..<(i + 4)], as: UTF8.self), radix: 16) else {
            throw error("Invalid \\uXXXX escape")
        }
        i += 4
        return v
    }

    mutating func string() throws -> String {
        i += 1  // opening quote
        var out = [UInt8]()
        while true {
            guard i < b.count else { throw error("Unterminated string starting at") }
            let c = b[i]
            i += 1
            if c == UInt8(ascii: "\"") { break }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                continue
            }
            guard i < b.count else { throw error("Unterminated string starting at") }
            let e = b[i]
            i += 1
            switch e {
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "b"): out.append(8)
            case UInt8(ascii: "f"): out.append(12)
            case UInt8(ascii: "/"), UInt8(ascii: "\\"), UInt8(ascii: "\""): out.append(e)
            case UInt8(ascii: "u"):
                var v = try hex4()
                if v >= 0xD800 && v < 0xDC00, i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") {
                    i += 2
                    let lo = try hex4()
                    v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00)
                }
                out.append(contentsOf: Array(String(UnicodeScalar(v).map(Character.init) ?? "\u{FFFD}").utf8))
            default: throw error("Invalid \\escape")
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
