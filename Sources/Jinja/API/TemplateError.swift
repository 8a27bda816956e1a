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

    /// The offending source line with a caret under its first non-blank character,
    /// or nil when the source is not known.
    public var excerpt: String? {
        guard let source, let line, line >= 1 else { return nil }
        var n = 1
        for text in source.split(separator: "\n", omittingEmptySubsequences: false) {
            if n == line {
                let indent = text.prefix { $0 == " " || $0 == "\t" }
                let gutter = "\(line) | "
                return gutter + text + "\n" + String(repeating: " ", count: gutter.count) + indent
                    + "^"
            }
            n += 1
        }
        return nil
    }

    /// Adds a location unless one is already known (the innermost location wins).
    func located(_ name: String?, _ line: Int, _ source: String?) -> TemplateError {
        var e = self
        if e.line == nil {
            e.line = line
            e.templateName = name
            e.source = source
        } else if e.templateName == nil {
            e.templateName = name
            e.source = source
        }
        return e
    }
}
