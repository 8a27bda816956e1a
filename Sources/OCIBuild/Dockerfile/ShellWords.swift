/// Dockerfile word handling as BuildKit's shell lexer does it: splitting an argument
/// string into words (quotes kept, for parsing), and processing a word (quotes removed,
/// escapes applied, `$VAR`/`${VAR…}` expanded from the build's ARG/ENV, for execution).
package struct ShellWords: Sendable {
    /// The escape character (`\`, or `` ` `` with `# escape=`).
    package var escape: Character

    package init(escape: Character = "\\") {
        self.escape = escape
    }

    /// Splits on unquoted whitespace; quotes and escapes stay in the words.
    package func split(_ s: String) -> [String] {
        var words: [String] = []
        var cur = ""
        var inWord = false
        var quote: Character?
        var it = Array(s)
        var i = 0
        while i < it.count {
            let c = it[i]
            if let q = quote {
                cur.append(c)
                if c == escape && q == "\"" && i + 1 < it.count {
                    cur.append(it[i + 1])
                    i += 2
                    continue
                }
                if c == q { quote = nil }
                i += 1
                continue
            }
            if c == " " || c == "\t" || c == "\n" {
                if inWord {
                    words.append(cur)
                    cur = ""
                    inWord = false
                }
                i += 1
                continue
            }
            inWord = true
            cur.append(c)
            if c == escape && i + 1 < it.count {
                cur.append(it[i + 1])
                i += 2
                continue
            }
            if c == "\"" || c == "'" { quote = c }
            i += 1
        }
        if inWord { words.append(cur) }
        it.removeAll()
        return words
    }

    /// Processes one word: removes quotes, applies escapes and expands variables from
    /// `env` (unset variables expand to ""). Throws for `${VAR:?message}` on unset/empty.
    package func process(_ word: String, env: [String: String]) throws -> String {
        try processWords(word, env: env, split: false).joined()
    }

    /// Processes a string into words (unquoted whitespace separates, including
    /// whitespace that comes from unquoted variable expansion is NOT split, as BuildKit).
    package func processWords(_ s: String, env: [String: String], split: Bool = true) throws -> [String] {
        var processor = WordProcessor(chars: Array(s), env: env, escape: escape, split: split)
        return try processor.run()
    }
}

/// One pass of `ShellWords.processWords` over a string: a cursor, the words so far and
/// the word being built, with one step per kind of thing the cursor can be on.
private struct WordProcessor {
    let chars: [Character]
    let env: [String: String]
    let escape: Character
    /// Whether unquoted whitespace separates words (false: one word, as `process`).
    let split: Bool
    /// How many `${…}` operands this pass is inside.
    let depth: Int
    var i = 0
    var words: [String] = []
    var cur = ""
    var inWord = false

    /// Operands nest by recursion: deeper than this is refused before the stack runs out
    /// (real Dockerfiles nest two or three).
    static let maxDepth = 100

    init(chars: [Character], env: [String: String], escape: Character, split: Bool, depth: Int = 0) {
        self.chars = chars
        self.env = env
        self.escape = escape
        self.split = split
        self.depth = depth
    }

    mutating func run() throws -> [String] {
        while i < chars.count {
            let c = chars[i]
            if c == "'" {
                try singleQuoted()
            } else if c == "\"" {
                try doubleQuoted()
            } else if c == escape {
                escaped()
            } else if c == "$" {
                inWord = true
                cur += try expandDollar()
            } else if split && (c == " " || c == "\t" || c == "\n") {
                endWord()
            } else {
                inWord = true
                cur.append(c)
                i += 1
            }
        }
        if inWord || !split { words.append(cur) }
        return words
    }

    /// `'…'`: everything literal up to the next single quote.
    private mutating func singleQuoted() throws {
        inWord = true
        i += 1
        while i < chars.count, chars[i] != "'" {
            cur.append(chars[i])
            i += 1
        }
        guard i < chars.count else { throw ShellError("unexpected end of statement while looking for matching single-quote") }
        i += 1
    }

    /// `"…"`: escapes of `"`, `$` and the escape character, and expansions.
    private mutating func doubleQuoted() throws {
        inWord = true
        i += 1
        while i < chars.count, chars[i] != "\"" {
            if chars[i] == escape, i + 1 < chars.count, ["\"", "$", escape].contains(chars[i + 1]) {
                cur.append(chars[i + 1])
                i += 2
                continue
            }
            if chars[i] == "$" {
                cur += try expandDollar()
                continue
            }
            cur.append(chars[i])
            i += 1
        }
        guard i < chars.count else { throw ShellError("unexpected end of statement while looking for matching double-quote") }
        i += 1
    }

    /// The escape character outside quotes: the next character, literally.
    private mutating func escaped() {
        inWord = true
        if i + 1 < chars.count {
            cur.append(chars[i + 1])
            i += 2
        } else {
            i += 1
        }
    }

    /// Unquoted whitespace: ends the word being built, if any.
    private mutating func endWord() {
        if inWord {
            words.append(cur)
            cur = ""
            inWord = false
        }
        i += 1
    }

    private mutating func readName() -> String {
        var n = ""
        while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" {
            n.append(chars[i])
            i += 1
        }
        return n
    }

    /// `$NAME` or `${…}` at `chars[i] == "$"`: the expansion.
    private mutating func expandDollar() throws -> String {
        i += 1
        guard i < chars.count else { return "$" }
        if chars[i] == "{" { return try expandBraced() }
        let name = readName()
        if name.isEmpty { return "$" }
        return env[name] ?? ""
    }

    /// `${NAME}` and `${NAME<modifier>word}` after the `$`.
    private mutating func expandBraced() throws -> String {
        i += 1
        let name = readName()
        guard !name.isEmpty else { throw ShellError("bad substitution") }
        var op = ""
        if i < chars.count, chars[i] == ":" {
            op = ":"
            i += 1
        }
        var word = ""
        if i < chars.count, chars[i] != "}" {
            op.append(chars[i])
            i += 1
            guard depth < Self.maxDepth else {
                throw ShellError("substitutions nested more than \(Self.maxDepth) deep in ${\(name)…}")
            }
            var operand = WordProcessor(chars: Array(readOperand()), env: env, escape: escape, split: false, depth: depth + 1)
            word = try operand.run().joined()
        }
        guard i < chars.count, chars[i] == "}" else { throw ShellError("missing '}' in ${\(name)…}") }
        i += 1
        return try Self.apply(op, name: name, value: env[name], word: word)
    }

    /// The modifier's operand up to the closing brace; it may itself contain expansions
    /// and nested braces.
    private mutating func readOperand() -> String {
        var depth = 0
        var raw = ""
        while i < chars.count {
            if chars[i] == "{" { depth += 1 }
            if chars[i] == "}" {
                if depth == 0 { break }
                depth -= 1
            }
            raw.append(chars[i])
            i += 1
        }
        return raw
    }

    /// A substitution modifier (`:-`, `-`, `:+`, `+`, `:?`, `?`, `#`, `%`) on the
    /// variable's value.
    private static func apply(_ op: String, name: String, value: String?, word: String) throws -> String {
        switch op {
        case "": return value ?? ""
        case ":-": return (value ?? "").isEmpty ? word : value!
        case "-": return value ?? word
        case ":+": return (value ?? "").isEmpty ? "" : word
        case "+": return value == nil ? "" : word
        case ":?":
            if (value ?? "").isEmpty { throw ShellError("\(name): \(word.isEmpty ? "is not allowed to be empty" : word)") }
            return value!
        case "?":
            if value == nil { throw ShellError("\(name): \(word.isEmpty ? "is not allowed to be unset" : word)") }
            return value!
        case "#", "%":
            let v = value ?? ""
            if op == "#" { return v.hasPrefix(word) ? String(v.dropFirst(word.count)) : v }
            return v.hasSuffix(word) ? String(v.dropLast(word.count)) : v
        default:
            throw ShellError("unsupported modifier (\(op)) in substitution")
        }
    }
}

/// A variable-expansion failure (`${X:?msg}`, unbalanced quotes or braces).
package struct ShellError: Error, CustomStringConvertible, Equatable {
    package var description: String
    init(_ message: String) { self.description = message }
}
