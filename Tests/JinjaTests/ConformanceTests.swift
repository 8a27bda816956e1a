import Foundation
import Testing

@testable import Jinja

/// Runs the 188-case corpus recorded from Python Jinja2 3.1.6 (kept under
/// Tests/JinjaTests/Conformance) through the
/// engine in-process: exact output bytes, or the Jinja2 exception class.
@Suite struct ConformanceTests {
    static let casesDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Conformance/cases")

    static let caseNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: casesDir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }()

    @Test func corpusIsPresent() {
        #expect(Self.caseNames.count == 188, "expected the 188 recorded cases in \(Self.casesDir.path)")
    }

    @Test(arguments: caseNames)
    func conformance(_ name: String) throws {
        let dir = Self.casesDir.appendingPathComponent(name)
        func read(_ file: String) -> String? {
            FileManager.default.contents(atPath: dir.appendingPathComponent(file).path).map {
                String(decoding: $0, as: UTF8.self)
            }
        }
        var options = Environment.Options()
        if let envText = read("env.json"), case .dict(let env) = try Value.parseJSON(envText) {
            options.trimBlocks = env.get("trim_blocks").map { pyEquals($0, .bool(true)) } ?? false
            options.lstripBlocks = env.get("lstrip_blocks").map { pyEquals($0, .bool(true)) } ?? false
            options.keepTrailingNewline = env.get("keep_trailing_newline").map { pyEquals($0, .bool(true)) } ?? false
            if case .string("strict")? = env.get("undefined") { options.undefined = .strict }
        }
        var vars: [String: Value] = [:]
        if let ctx = read("context.json"), case .dict(let d) = try Value.parseJSON(ctx) {
            for (k, v) in d.pairs { vars[k.str] = v }
        }
        let environment = Environment(
            options: options,
            loader: FileSystemLoader(searchPaths: [dir.path, dir.appendingPathComponent("templates").path]))
        if let expectedError = read("expected-error.txt")?.trimmingCharacters(in: .whitespacesAndNewlines) {
            do {
                let out = try environment.template(named: "template.j2").render(vars)
                Issue.record("expected \(expectedError), rendered: \(out)")
            } catch let e as TemplateError {
                #expect(e.kind.rawValue == expectedError, "\(e)")
            }
        } else {
            let expected = read("expected.txt") ?? ""
            let out = try environment.template(named: "template.j2").render(vars)
            #expect(out == expected)
        }
    }
}
