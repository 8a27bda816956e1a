import Testing

@testable import Jinja

/// Source spans: tokens and expression nodes know where they are, and an error's
/// excerpt puts carets under the expression that failed (Jinja2's messages and line
/// numbers stay as they are).
@Suite struct SpanTests {
    private func failure(_ source: String, strict: Bool = false) -> TemplateError? {
        let env = Environment(options: .init(undefined: strict ? .strict : .default))
        do {
            _ = try env.template(source: source, name: "t.j2").render()
            return nil
        } catch let e as TemplateError {
            return e
        } catch {
            return nil
        }
    }

    @Test func tokensCarryTheirBytes() throws {
        var lexer = Lexer(source: "ab {{ x|f(1) }}\n{% if y %}", name: nil, options: LexerOptions())
        let tokens = try lexer.tokenize()
        let source = Array("ab {{ x|f(1) }}\n{% if y %}".utf8)
        for t in tokens where t.kind != .eof {
            let text = String(decoding: source[t.start..<t.end], as: UTF8.self)
            switch t.kind {
            case .data: #expect(text == t.text)
            case .name, .op: #expect(text == t.text)
            case .integer: #expect(text == "1")
            case .variableBegin: #expect(text == "{{")
            case .variableEnd: #expect(text == "}}")
            case .blockBegin: #expect(text == "{%")
            case .blockEnd: #expect(text == "%}")
            default: break
            }
        }
        #expect(tokens.last?.start == source.count)
    }

    @Test func nodesSpanTheirWholeExpression() throws {
        let source = "{{ (a + b.c[1]) | join(', ') ~ 'x' if z else y }}"
        let env = Environment()
        let t = try env.template(source: source)
        guard case .output(let items) = t.parsed.body[0].kind, case .expr(let e) = items[0] else {
            Issue.record("no output")
            return
        }
        let bytes = Array(source.utf8)
        func text(_ e: Expr) -> String { String(decoding: bytes[e.span.start..<e.span.end], as: UTF8.self) }
        #expect(text(e) == "(a + b.c[1]) | join(', ') ~ 'x' if z else y")
        guard case .condExpr(let test, let then, let otherwise) = e.kind else {
            Issue.record("not a conditional")
            return
        }
        #expect(text(test) == "z")
        #expect(text(then) == "(a + b.c[1]) | join(', ') ~ 'x'")
        #expect(otherwise.map(text) == "y")
        guard case .concat(let parts) = then.kind, case .filter(let operand?, _, _, _) = parts[0].kind else {
            Issue.record("not a concat of a filter")
            return
        }
        #expect(text(parts[0]) == "(a + b.c[1]) | join(', ')")
        #expect(text(operand) == "(a + b.c[1])")
        guard case .binary(.add, _, let right) = operand.kind else {
            Issue.record("not an addition")
            return
        }
        #expect(text(right) == "b.c[1]")
    }

    @Test func caretsUnderTheFailingExpression() throws {
        let e = try #require(failure("line one\n{{ a ~ (1 // 0) ~ b }}"))
        #expect(e.description == "ZeroDivisionError: integer division or modulo by zero (t.j2:2)")
        #expect(e.column == 8)
        #expect(e.excerpt == "2 | {{ a ~ (1 // 0) ~ b }}\n           ^^^^^^^^")
    }

    @Test func caretsUnderAnUndefinedAttribute() throws {
        let e = try #require(failure("{% set v = 1 %}{{ v + foo.bar }}"))
        #expect(e.kind == .undefinedError)
        #expect(e.excerpt == "1 | {% set v = 1 %}{{ v + foo.bar }}\n                          ^^^^^^^")
    }

    @Test func caretsUnderAFailingFilter() throws {
        let e = try #require(failure("{{ 'x' ~ 'abc'|truncate(1) }}"))
        #expect(e.description == "AssertionError: expected length >= 3, got 1 (t.j2:1)")
        #expect(e.excerpt == "1 | {{ 'x' ~ 'abc'|truncate(1) }}\n             ^^^^^^^^^^^^^^^^^")
    }

    @Test func caretsUnderTheTagOfAFailingStatement() throws {
        let e = try #require(failure("a\n  {% for x in 5 %}{{ x }}{% endfor %}"))
        #expect(e.kind == .typeError)
        #expect(e.line == 2)
        #expect(e.excerpt == "2 |   {% for x in 5 %}{{ x }}{% endfor %}\n      ^^^^^^^^^^^^^^^^")
    }

    @Test func caretsUnderTheUnexpectedToken() throws {
        let e = try #require(failure("{{ 1 + }}"))
        #expect(e.description == "TemplateSyntaxError: unexpected 'end of print statement' (t.j2:1)")
        #expect(e.excerpt == "1 | {{ 1 + }}\n           ^^")
    }

    @Test func caretsUnderALexingError() throws {
        let e = try #require(failure("ok\n{{ 'abc }}"))
        #expect(e.kind == .templateSyntaxError)
        #expect(e.excerpt == "2 | {{ 'abc }}\n       ^")
    }

    @Test func tabsAndWideCharactersKeepTheCaretsAligned() throws {
        let e = try #require(failure("\tÉté {{ 1 % 0 }}"))
        #expect(e.excerpt == "1 | \tÉté {{ 1 % 0 }}\n    \t       ^^^^^")
    }

    @Test func anExpressionGoingOnBelowIsMarkedToTheLineEnd() throws {
        let e = try #require(failure("{{ x ~ (1 //\n 0) }}"))
        #expect(e.line == 1)
        #expect(e.excerpt == "1 | {{ x ~ (1 //\n           ^^^^^")
    }

    @Test func withoutASpanTheCaretMarksTheLineStart() {
        var e = TemplateError(.templateNotFound, "x", template: "t.j2", line: 1)
        e.source = "  {% include 'x' %}"
        #expect(e.excerpt == "1 |   {% include 'x' %}\n      ^")
    }
}
