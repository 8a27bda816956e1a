/// The token kinds of Jinja2's lexer (`jinja2/lexer.py`), less the ignored ones.
enum TokenKind: Equatable, Sendable {
    case data
    case variableBegin
    case variableEnd
    case blockBegin
    case blockEnd
    case name
    case string
    case integer
    case float
    /// An operator; `Token.text` holds its spelling (`+`, `//`, `|` ...).
    case op
    case eof
}

/// One token with its 1-based source line and its span.
struct Token: Sendable {
    var kind: TokenKind
    /// Name, operator spelling, unescaped string value or template data.
    var text: String
    var line: Int
    var intValue: Int = 0
    var floatValue: Double = 0
    /// Byte offsets of the token in the (newline-normalised) source.
    var start = 0
    var end = 0

    var span: SourceSpan { SourceSpan(start: start, end: end) }

    /// True for a name token spelled `name` (keywords are names in Jinja).
    @inline(__always)
    func isName(_ name: String) -> Bool { kind == .name && text == name }

    /// True for the operator `op`.
    @inline(__always)
    func isOp(_ op: String) -> Bool { kind == .op && text == op }

    /// Jinja2's `describe_token`: names by value, operators by spelling, the rest by role.
    var description: String {
        switch kind {
        case .name, .op: return text
        case .data: return "template data / text"
        case .variableBegin: return "begin of print statement"
        case .variableEnd: return "end of print statement"
        case .blockBegin: return "begin of statement block"
        case .blockEnd: return "end of statement block"
        case .string: return "string"
        case .integer: return "integer"
        case .float: return "float"
        case .eof: return "end of template"
        }
    }
}
