/// The one error type of the engine. Its `kind` is the Python Jinja2 exception class the
/// same failure raises, so tools and tests can match on Jinja2's names.
public struct TemplateError: Error, Sendable, CustomStringConvertible {
    /// Jinja2's exception classes (and the Python built-ins templates can raise).
    public enum Kind: String, Sendable {
        case templateSyntaxError = "TemplateSyntaxError"
        case templateAssertionError = "TemplateAssertionError"
        case templateNotFound = "TemplateNotFound"
        case templatesNotFound = "TemplatesNotFound"
        case templateRuntimeError = "TemplateRuntimeError"
        case undefinedError = "UndefinedError"
        case filterArgumentError = "FilterArgumentError"
        case securityError = "SecurityError"
        case typeError = "TypeError"
        case valueError = "ValueError"
        case zeroDivisionError = "ZeroDivisionError"
        case overflowError = "OverflowError"
        /// A string or list too large to build (the size limit of one value).
        case memoryError = "MemoryError"
        case indexError = "IndexError"
        case keyError = "KeyError"
        /// A missing attribute Python itself looks up (`dictsort` of a list: `.items()`).
        case attributeError = "AttributeError"
        /// Python's recursion limit (deeply nested macro calls, includes or blocks).
        case recursionError = "RecursionError"
        /// A failed `assert` in Jinja2's own code (`truncate` with a too short length).
        case assertionError = "AssertionError"
        /// Raised by templates on purpose (kolla's `raise_error` global).
        case raisedError = "Exception"
    }

    /// The Jinja2 class name of the failure.
    public var kind: Kind
    /// The message, worded as Python Jinja2 words it.
    public var message: String
    /// The template the failure happened in, once known.
    public var templateName: String?
    /// 1-based line in `templateName`, once known.
    public var line: Int?
    /// The source text of the template, to render a caret excerpt.
    public var source: String?
    /// Where in `source` the failing expression (or token, for a syntax error) is, once
    /// known: its line is usually `line` (Jinja2 reports some nodes on a later line of a
    /// multi-line expression).
    public var span: SourceSpan?

    public init(_ kind: Kind, _ message: String, template: String? = nil, line: Int? = nil) {
        self.kind = kind
        self.message = message
        self.templateName = template
        self.line = line
    }

    /// `Kind: message (template:line)`; the format `kolla-oci render` prints last.
    public var description: String {
        // Python prints an exception without a message by its class name alone.
        var s = message.isEmpty ? kind.rawValue : "\(kind.rawValue): \(message)"
        switch (templateName, line) {
        case let (name?, line?): s += " (\(name):\(line))"
        case let (name?, nil): s += " (\(name))"
        case let (nil, line?): s += " (line \(line))"
        default: break
        }
        return s
    }

    /// The 1-based column (in characters) where `span` starts on `line`, nil when the
    /// span or the source is not known or the span starts on another line.
    public var column: Int? { caretColumns?.first }

    /// The columns of `line` that the failing expression covers (the first and the last),
    /// as `excerpt` marks them.
    var caretColumns: (first: Int, last: Int)? {
        guard let span, let source, let line else { return nil }
        let at = span.location(in: source)
        guard at.line == line else { return nil }
        // An expression that goes on below `line` is marked up to the line's end.
        let lineLength = Self.lines(of: source).dropFirst(line - 1).first.map { $0.count } ?? at.column
        let last = at.endLine == line ? at.endColumn : max(lineLength, at.column)
        return (at.column, max(last, at.column))
    }

    /// The offending source line with carets under the failing expression (under the
    /// line's first non-blank character when the expression is not known), or nil when
    /// the source is not known.
    public var excerpt: String? {
        guard let source, let line, line >= 1 else { return nil }
        guard let text = Self.lines(of: source).dropFirst(line - 1).first else { return nil }
        let gutter = "\(line) | "
        var marker: String
        if let (first, last) = caretColumns {
            // Tabs before the expression stay tabs, so the carets line up under it.
            marker = String(text.prefix(first - 1).map { $0 == "\t" ? "\t" : " " })
            marker += String(repeating: "^", count: last - first + 1)
        } else {
            marker = text.prefix { $0 == " " || $0 == "\t" } + "^"
        }
        return gutter + text + "\n" + String(repeating: " ", count: gutter.count) + marker
    }

    /// The lines of `source` as the lexer numbers them (`\r\n` and `\r` end lines too).
    private static func lines(of source: String) -> [Substring] {
        source.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
    }

    /// Adds a location unless one is already known (the innermost location wins).
    func located(_ name: String?, _ line: Int, _ source: String?, span: SourceSpan? = nil) -> TemplateError {
        var e = self
        if e.line == nil {
            e.line = line
            e.templateName = name
            e.source = source
            e.span = span
        } else if e.templateName == nil {
            e.templateName = name
            e.source = source
        }
        return e
    }
}
