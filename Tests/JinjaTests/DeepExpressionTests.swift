import Testing

@testable import Jinja

/// Operator chains build deep trees without brackets: 30000 `1 + 1 + …` or `x|f|f…`
/// overflowed the stack (SIGSEGV) in the resolver and the renderer, and
/// `a if b else c if d else …` in the parser. Python's compiler gives up on them with
/// RecursionError, and so do we; chains of a few hundred still render.
@Suite struct DeepExpressionTests {
    static let chains: [String] = [
        "{{ " + Array(repeating: "1", count: 30000).joined(separator: " + ") + " }}",
        "{{ " + Array(repeating: "1", count: 30000).joined(separator: " and ") + " }}",
        "{{ x" + String(repeating: "|string", count: 30000) + " }}",
        "{{ x" + String(repeating: ".a", count: 30000) + " }}",
        "{{ x" + String(repeating: "[0]", count: 30000) + " }}",
        "{{ x" + String(repeating: "()", count: 30000) + " }}",
        "{{ 1" + String(repeating: " if 1 else 1", count: 30000) + " }}",
    ]

    @Test(arguments: chains) func tooDeepIsARecursionError(_ source: String) {
        do {
            _ = try Environment().template(source: source).render()
            Issue.record("rendered")
        } catch let e as TemplateError {
            #expect(e.kind == .recursionError)
            #expect(e.message == "maximum recursion depth exceeded during compilation")
        } catch {
            Issue.record("\(error)")
        }
    }

    /// A list nested 100000 deep through a namespace: freeing it recursed once per level
    /// and overflowed the stack (found by bench/fuzz); Python frees it without trouble.
    @Test func deeplyNestedListIsFreed() throws {
        let source = "{% set ns = namespace(l=[]) %}{% for i in range(100000) %}{% set ns.l = [ns.l] %}{% endfor %}x"
        #expect(try Environment().template(source: source).render() == "x")
    }

    @Test func chainsOfAFewHundredRender() throws {
        let sum = "{{ " + Array(repeating: "1", count: 399).joined(separator: "+") + " }}"
        #expect(try Environment().template(source: sum).render() == "399")
        let filters = "{{ 7" + String(repeating: "|string", count: 300) + " }}"
        #expect(try Environment().template(source: filters).render() == "7")
    }

    /// 100000 nested arrays in --vars overflowed the JSON reader's stack; Python's json
    /// stops at its recursion limit, and so does the reader (values 1000 deep still load
    /// and print).
    @Test func deeplyNestedJSONIsAnErrorNotACrash() throws {
        let deep = "[" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "]"
        #expect(throws: JSONParseError.self) { try Value.parseJSON(deep) }
        let object = String(repeating: "{\"b\": ", count: 100_000) + "1" + String(repeating: "}", count: 100_000)
        #expect(throws: JSONParseError.self) { try Value.parseJSON(object) }
        let ok = String(repeating: "[", count: 999) + String(repeating: "]", count: 999)
        let v = try Value.parseJSON(ok)
        #expect(try Environment().template(source: "{{ v|length }}{{ v == v }}").render(["v": v]) == "1True")
    }
}
