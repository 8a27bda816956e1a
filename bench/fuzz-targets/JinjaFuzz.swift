// libFuzzer entry point for the Jinja engine, compiled into the Jinja module by bench/fuzz
// (it reaches the lexer, parser and renderer directly). FUZZ_TARGET picks the stage:
// jinja-lexer, jinja-parser or jinja-render. Every input must end in a value or a
// TemplateError; a trap, a sanitizer report, a leak of the size bound or a hang is a bug.
import Foundation

private let stage: String = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? "jinja-render"

/// Templates the fuzzed one can extend, include and import.
private let library: [String: String] = [
    "base.j2": "<{% block head %}H{% endblock %}|{% block body %}{% endblock %}>",
    "macros.j2": "{% macro m(a, b=2) %}[{{ a }}{{ b }}{{ caller() if caller else '' }}]{% endmacro %}{% set v = 7 %}",
    "inc.j2": "{{ x | default('dx') }}{% for i in items %}{{ i }}{% endfor %}",
]

/// The context of one render, made anew for each input: templates may mutate lists and
/// dicts (`items.append(items)`), and a context shared between inputs grew without bound
/// (the campaign's memory and time per input rose with every such input).
private func variables() -> [String: Value] {
    [
        "items": .list(ListBox([.int(1), .int(2), .string("three"), .float(4.5), .none])),
        "d": .dict(DictBox([(.string("a"), .int(1)), (.string("b"), .list(ListBox([.bool(true)])))])),
        "s": .string("Hello, Wörld <b>&</b>\n\tend"),
        "n": .int(-3),
        "big": .int(Int.max),
    ]
}

/// One environment per settings combination: trim_blocks, lstrip_blocks, strict.
private let environments: [Environment] = (0..<8).map { bits in
    Environment(
        options: .init(
            trimBlocks: bits & 1 != 0, lstripBlocks: bits & 2 != 0, keepTrailingNewline: bits & 1 != 0,
            undefined: bits & 4 != 0 ? .strict : .default),
        loader: DictLoader(library))
}

@_cdecl("LLVMFuzzerTestOneInput")
public func jinjaFuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let source = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let env = environments[size % environments.count]
    do {
        switch stage {
        case "jinja-lexer":
            var lexer = Lexer(
                source: source, name: "fuzz.j2",
                options: LexerOptions(trimBlocks: size & 1 != 0, lstripBlocks: size & 2 != 0, keepTrailingNewline: false))
            let tokens = lexer.tokenizeUntilError()
            for t in tokens { _ = t.description }
            if let e = lexer.error { throw e }
        case "jinja-parser":
            _ = try env.template(source: source, name: "fuzz.j2")
        default:
            let template = try env.template(source: source, name: "fuzz.j2")
            let renderer = Renderer(environment: env)
            _ = try renderer.renderTemplate(template, vars: variables())
        }
    } catch let e as TemplateError {
        // The message and the excerpt are built for every failure, as the CLI does.
        var located = e
        if located.source == nil { located.source = source }
        _ = located.description
        _ = located.excerpt
    } catch {
        fatalError("not a TemplateError: \(error)")
    }
    return 0
}
