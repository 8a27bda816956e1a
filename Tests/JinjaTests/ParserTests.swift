import Testing

@testable import Jinja

/// Syntax errors: class, Jinja2's message and the line they point at.
@Suite struct ParserTests {
    func syntaxError(_ source: String, name: String = "t.j2") -> TemplateError? {
        do {
            _ = try Environment().template(source: source, name: name)
            return nil
        } catch let e as TemplateError {
            return e
        } catch {
            return nil
        }
    }

    @Test(arguments: [
        ("{% if x %}\nnever closed", "Unexpected end of template. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'.", 1),
        ("{% frobnicate %}", "Encountered unknown tag 'frobnicate'.", 1),
        ("a\n{% for x in y %}{% endif %}", "Encountered unknown tag 'endif'. Jinja was looking for the following tags: 'endfor' or 'else'. The innermost block that needs to be closed is 'for'.", 2),
        ("{% if a %}{% for x in y %}{% endif %}{% endfor %}", "Encountered unknown tag 'endif'. You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for 'endfor' or 'else'. The innermost block that needs to be closed is 'for'.", 1),
        ("{{ 1 + }}", "unexpected 'end of print statement'", 1),
        ("\n\n{{ value", "unexpected end of template, expected 'end of print statement'.", 3),
        ("{% macro m(a=1, b) %}{% endmacro %}", "non-default argument follows default argument", 1),
        ("{% block a-b %}{% endblock %}", "Block names in Jinja have to be valid Python identifiers and may not contain hyphens, use an underscore instead.", 1),
        ("{% set 1 = 2 %}", "can't assign to 'const'", 1),
        ("{{ x is divisibleby is y }}", "You cannot chain multiple tests with is", 1),
    ])
    func syntaxErrors(_ source: String, _ message: String, _ line: Int) throws {
        let e = try #require(syntaxError(source))
        #expect(e.kind == .templateSyntaxError)
        #expect(e.message == message)
        #expect(e.line == line)
        #expect(e.templateName == "t.j2")
    }

    @Test func unknownFilterIsCompileTimeOutsideIf() throws {
        let e = try #require(syntaxError("ok\n{{ x|nope }}"))
        #expect(e.kind == .templateAssertionError)
        #expect(e.message == "No filter named 'nope'.")
        #expect(e.line == 2)
        let t = try #require(syntaxError("{{ x is nope }}"))
        #expect(t.message == "No test named 'nope'.")
    }

    @Test func unknownFilterInsideIfFailsOnlyWhenRun() throws {
        let env = Environment()
        let t = try env.template(source: "{% if x %}{{ x|nope }}{% endif %}{{ 'y' if not x else z|nope2 }}")
        #expect(try t.render(["x": .bool(false), "z": "z"]) == "y")
        do {
            _ = try t.render(["x": .bool(true)])
            Issue.record("expected a runtime error")
        } catch let e as TemplateError {
            #expect(e.kind == .templateRuntimeError)
            #expect(e.message == "No filter named 'nope' found.")
        }
        // A for loop inside the if is a new frame again: compile-time.
        #expect(syntaxError("{% if x %}{% for a in b %}{{ a|nope }}{% endfor %}{% endif %}")?.kind == .templateAssertionError)
    }

    @Test func blockDefinedTwice() throws {
        let e = try #require(syntaxError("{% block a %}{% endblock %}\n{% block a %}{% endblock %}"))
        #expect(e.kind == .templateAssertionError)
        #expect(e.message == "block 'a' defined twice")
        #expect(e.line == 2)
    }

    @Test func excerptPointsAtTheUnexpectedToken() throws {
        let e = try #require(syntaxError("FROM x\n  RUN {{ 1 + }}\n"))
        #expect(e.excerpt == "2 |   RUN {{ 1 + }}\n                 ^^")
        #expect(e.description == "TemplateSyntaxError: unexpected 'end of print statement' (t.j2:2)")
    }
}
