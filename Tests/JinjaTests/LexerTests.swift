import Testing

@testable import Jinja

/// Token streams, whitespace control and line numbers of the lexer.
@Suite struct LexerTests {
    func lex(_ s: String, _ o: LexerOptions = LexerOptions()) throws -> [Token] {
        var l = Lexer(source: s, name: "t", options: o)
        return try l.tokenize()
    }

    func kinds(_ s: String) throws -> [String] {
        try lex(s).map { t in
            switch t.kind {
            case .data: return "data(\(t.text))"
            case .name: return "name(\(t.text))"
            case .op: return "op(\(t.text))"
            case .string: return "str(\(t.text))"
            case .integer: return "int(\(t.intValue))"
            case .float: return "float(\(t.floatValue))"
            default: return t.description
            }
        }
    }

    @Test func expressionTokens() throws {
        #expect(
            try kinds("a{{ x.y[0] | f(1, 'b') }}")
                == [
                    "data(a)", "begin of print statement", "name(x)", "op(.)", "name(y)", "op([)", "int(0)", "op(])",
                    "op(|)", "name(f)", "op(()", "int(1)", "op(,)", "str(b)", "op())", "end of print statement",
                    "end of template",
                ])
    }

    @Test func numbersLikePython() throws {
        #expect(try kinds("{{ 1_000 0x1F 0b101 0o17 1.5e3 2E-2 .5 }}").dropFirst().dropLast(2)
            == ["int(1000)", "int(31)", "int(5)", "int(15)", "float(1500.0)", "float(0.02)", "op(.)", "int(5)"])
        // `xs.1` is an attribute index, not a float (float_re refuses a leading '.').
        #expect(try kinds("{{ xs.1.2 }}").contains("int(2)"))
    }

    @Test func stringEscapes() throws {
        let t = try lex(#"{{ 'a\tb\n\'c\' \u00e9 \x41 \d' }}"#)
        #expect(t[1].text == "a\tb\n'c' é A \\d")
    }

    @Test func whitespaceControl() throws {
        #expect(try kinds("a  {%- if x -%}  b") == [
            "data(a)", "begin of statement block", "name(if)", "name(x)", "end of statement block", "data(b)",
            "end of template",
        ])
        // trim_blocks eats one newline after a block tag, lstrip_blocks the indentation before it.
        let o = LexerOptions(trimBlocks: true, lstripBlocks: true)
        let toks = try lex("x\n    {% if a %}\ny\n", o).filter { $0.kind == .data }.map(\.text)
        #expect(toks == ["x\n", "y"])
        // `+%}` keeps the newline even with trim_blocks; `{%+` keeps the indentation.
        let kept = try lex("  {%+ if a +%}\nz", o).filter { $0.kind == .data }.map(\.text)
        #expect(kept == ["  ", "\nz"])
    }

    @Test func rawAndComments() throws {
        #expect(try kinds("{% raw %}{{ x }}{% endraw %}{# c #}!") == ["data({{ x }})", "data(!)", "end of template"])
    }

    @Test func oneTrailingNewlineDropped() throws {
        #expect(try lex("a\n\n").first?.text == "a\n")
        #expect(try lex("a\n", LexerOptions(keepTrailingNewline: true)).first?.text == "a\n")
        #expect(try lex("a\r\nb\rc").first?.text == "a\nb\nc")
    }

    @Test func lineNumbers() throws {
        let t = try lex("line1\n{{ a }}\n{% if\n b %}")
        #expect(t.first { $0.isName("a") }?.line == 2)
        #expect(t.first { $0.isName("b") }?.line == 4)
    }

    @Test func bracesBalanceInsideTags() throws {
        // `}}` inside a dict literal does not end the print statement.
        let t = try kinds("{{ {'a': {'b': 1}} }}")
        #expect(t.filter { $0 == "op(})" }.count == 2)
        #expect(t.last == "end of template")
    }

    @Test func lexerErrors() throws {
        #expect(throws: TemplateError.self) { try lex("{# never closed") }
        do {
            _ = try lex("a\n{{ 1 ) }}")
            Issue.record("expected an error")
        } catch let e as TemplateError {
            #expect(e.kind == .templateSyntaxError)
            #expect(e.message == "unexpected ')'")
            #expect(e.line == 2)
        }
    }
}
