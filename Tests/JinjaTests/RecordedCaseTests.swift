import Testing

@testable import Jinja

/// One template rendered by Python Jinja2 3.1.6 and recorded by `tools/record-cases`
/// (the cases are in `RecordedCases.swift`, generated from
/// `Differential/recorded.py`).
struct RecordedCase: CustomTestStringConvertible, Sendable {
    enum Option: Sendable {
        case trimBlocks, lstripBlocks, keepTrailingNewline, strict
    }

    let name: String
    let source: String
    let context: String
    let files: [String: String]
    let options: Set<Option>
    let expected: String?
    /// Python's exception class, message and (syntax errors) line.
    let error: String?
    let message: String?
    let line: Int?

    init(
        _ name: String, _ source: String, context: String = "{}", files: [String: String] = [:],
        options: Set<Option> = [], expected: String? = nil, error: String? = nil, message: String? = nil,
        line: Int? = nil
    ) {
        self.name = name
        self.source = source
        self.context = context
        self.files = files
        self.options = options
        self.expected = expected
        self.error = error
        self.message = message
        self.line = line
    }

    var testDescription: String { name }
}

/// Behaviour recorded from Python Jinja2: lazy values, undefined semantics, scoping,
/// whitespace and the smaller Python details (see `Differential/recorded.py`).
@Suite struct RecordedCaseTests {
    /// Masks object addresses (`<generator object f at 0x7f…>`, also HTML-escaped) as the
    /// recorder does.
    static func maskAddresses(_ s: String) -> String {
        var out = ""
        var rest = Substring(s)
        while let r = rest.range(of: " at 0x") {
            out += rest[..<r.lowerBound]
            var j = r.upperBound
            while j < rest.endIndex, rest[j].isHexDigit { j = rest.index(after: j) }
            if j > r.upperBound, j < rest.endIndex, rest[j] == ">" || rest[j...].hasPrefix("&gt;") {
                out += " at 0x…"
            } else {
                out += rest[r]
            }
            rest = rest[(j > r.upperBound ? j : r.upperBound)...]
        }
        return out + rest
    }

    @Test(arguments: RecordedCase.all)
    func recorded(_ c: RecordedCase) throws {
        let env = Environment(
            options: .init(
                trimBlocks: c.options.contains(.trimBlocks), lstripBlocks: c.options.contains(.lstripBlocks),
                keepTrailingNewline: c.options.contains(.keepTrailingNewline),
                undefined: c.options.contains(.strict) ? .strict : .default),
            loader: DictLoader(c.files.merging(["template.j2": c.source]) { a, _ in a }))
        var vars: [String: Value] = [:]
        if case .dict(let d) = try Value.parseJSON(c.context) {
            for (k, v) in d.pairs { vars[k.str] = v }
        }
        do {
            let out = try env.template(named: "template.j2").render(vars)
            #expect(c.error == nil, "rendered \(out.debugDescription), expected \(c.error ?? "")")
            if let expected = c.expected { #expect(Self.maskAddresses(out) == expected) }
        } catch let e as TemplateError {
            #expect(e.kind.rawValue == c.error, "\(e)")
            if let message = c.message { #expect(Self.maskAddresses(e.message) == message) }
            if let line = c.line { #expect(e.line == line) }
        }
    }
}
