import Foundation
import Testing
import TestSupport

@testable import KollaFront

/// The YAML loader against PyYAML's `yaml.safe_load` (what kolla-build reads its data files
/// and `--repos-yaml` with): every file of the corpus in Fixtures/yaml, and the shipped data
/// files, loaded by both and compared with types (int 1, float 1.0, bool and string "1" all
/// differ); a file PyYAML rejects must be rejected too, at the line PyYAML names.
@Suite struct YAMLDifferentialTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let corpus = repoRoot + "/Tests/KollaFrontTests/Fixtures/yaml"

    /// Debian's python3 with python3-yaml (tools/setup installs both).
    static let hasPyYAML: Bool = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
        && (try? runTool("/usr/bin/python3", ["-c", "import yaml"]))?.status == 0

    /// Types every loaded value with a tag, so that JSON keeps what Python's types say;
    /// leaves are strings so that both sides print them the same way.
    static let script = #"""
        import base64, datetime, json, sys, yaml
        def t(v):
            if v is None: return ["null"]
            if isinstance(v, bool): return ["bool", str(v)]
            if isinstance(v, int): return ["int", str(v)]
            if isinstance(v, float): return ["float", repr(v)]
            if isinstance(v, str): return ["str", v]
            if isinstance(v, bytes): return ["binary", base64.b64encode(v).decode()]
            if isinstance(v, (datetime.date, datetime.datetime)): return ["timestamp", str(v)]
            if isinstance(v, (list, tuple)): return ["seq", [t(x) for x in v]]
            if isinstance(v, dict): return ["map", [[t(k), t(x)] for k, x in v.items()]]
            raise TypeError(type(v).__name__)
        out = {}
        for path in sys.argv[1:]:
            try:
                with open(path, "rb") as f:
                    out[path] = t(yaml.safe_load(f))
            except yaml.MarkedYAMLError as e:
                out[path] = ["error", str(e.problem_mark.line + 1)]
            except Exception as e:
                out[path] = ["error", "0"]
        print(json.dumps(out))
        """#

    static func tagged(_ v: YAMLValue) -> [Any] {
        switch v {
        case .null: return ["null"]
        case .bool(let b): return ["bool", b ? "True" : "False"]
        case .int(let i): return ["int", String(i)]
        case .float: return ["float", v.jinjaValue.repr]
        case .string(let s): return ["str", s]
        case .binary(let b): return ["binary", Data(b).base64EncodedString()]
        case .timestamp(let s): return ["timestamp", s]
        case .sequence(let items): return ["seq", items.map(tagged)]
        case .mapping(let pairs): return ["map", pairs.map { [tagged($0.key), tagged($0.value)] }]
        }
    }

    static func json(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func files() throws -> [String] {
        let fm = FileManager.default
        let fixtures = try fm.contentsOfDirectory(atPath: corpus).filter { $0.hasSuffix(".yaml") }.sorted()
            .map { corpus + "/" + $0 }
        let dataDir = repoRoot + "/etc/kolla/data"
        let data = try fm.contentsOfDirectory(atPath: dataDir).filter { $0.hasSuffix(".yaml") }.sorted()
            .map { dataDir + "/" + $0 }
        return fixtures + data
    }

    @Test(.enabled(if: hasPyYAML, "the expected values come from PyYAML: install python3-yaml (tools/setup does)"))
    func corpusMatchesPyYAML() throws {
        let paths = try Self.files()
        #expect(paths.count > 40)
        let run = try runTool("/usr/bin/python3", ["-c", Self.script] + paths)
        try #require(run.status == 0, "python3: \(run.stderr)")
        let expected = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        var errors = 0
        for path in paths {
            let name = (path as NSString).lastPathComponent
            let want = try #require(expected[path] as? [Any], "no PyYAML result for \(name)")
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            let got: [Any]
            do {
                got = Self.tagged(try YAMLLoader.load(bytes: bytes))
            } catch {
                got = ["error", String(error.line)]
                // PyYAML failed outside its marked errors (ValueError of `!!int abc`): any line.
                if want.first as? String == "error", want.last as? String == "0" {
                    errors += 1
                    continue
                }
            }
            if (want.first as? String) == "error" { errors += 1 }
            let (ours, pyyaml) = (try Self.json(got), try Self.json(want))
            #expect(ours == pyyaml, "\(name)")
        }
        // The corpus exercises rejection too, and the rejected files were found as such.
        #expect(errors >= 15)
    }
}

/// Each line nests the previous anchor 100 levels deeper: 101 levels in the text, 800 as a
/// value; the third line is the first beyond the limit.
private let deepThroughAliases: String = (0..<8).map { i in
    let inner = i == 0 ? "x" : "*a\(i - 1)"
    return "a\(i): &a\(i) " + String(repeating: "[", count: 100) + inner + String(repeating: "]", count: 100)
}.joined(separator: "\n") + "\nlast: *a7\n"

@Suite struct YAMLLoaderTests {
    @Test func typesScalarsAsSafeLoader() throws {
        let doc = try YAMLLoader.load(
            """
            a: yes
            b: 0755
            c: 0o17
            d: 1:30
            e: ~
            f: .inf
            g: '1'
            h: 2002-12-14
            """)
        #expect(doc["a"] == .bool(true))
        #expect(doc["b"] == .int(0o755))
        #expect(doc["c"] == .string("0o17"))
        #expect(doc["d"] == .int(90))
        #expect(doc["e"] == .null)
        #expect(doc["f"] == .float(.infinity))
        #expect(doc["g"] == .string("1"))
        #expect(doc["h"] == .timestamp("2002-12-14"))
    }

    @Test func mergeKeysAndAliases() throws {
        let doc = try YAMLLoader.load(
            """
            base: &b {image: debian, tag: bookworm}
            child:
              <<: *b
              tag: trixie
            """)
        #expect(doc["child"]?.pairs.map(\.0) == ["image", "tag"])
        #expect(doc["child"]?["tag"] == .string("trixie"))
        #expect(doc["child"]?["image"] == .string("debian"))
    }

    @Test func pythonStringsOfScalars() throws {
        let doc = try YAMLLoader.load("[on, 1_000, 1e+16, 2.50, x, null]")
        #expect(doc.items.map(\.pythonString) == ["True", "1000", "1e+16", "2.5", "x", "None"])
        #expect(doc.items.map(\.isTruthy) == [true, true, true, true, true, false])
    }

    @Test(arguments: [
        ("a:\n  b: 1\n c: 2\n", 3),
        ("a: 1\nb: *x\n", 2),
        ("a: &x [*x]\n", 1),
        ("x: 1\ny: 99999999999999999999\n", 2),
        ("a: 1\n---\nb: 2\n", 2),
        ("a: {b: 1\n\nc: 2\n", 3),
        ("a: 1\nb: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "\n", 2),
        (deepThroughAliases, 3),
    ])
    func errorsNameTheLine(text: String, line: Int) {
        #expect(throws: YAMLError.self) { try YAMLLoader.load(text) }
        do {
            _ = try YAMLLoader.load(text)
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(!error.message.contains("\n"))
        }
    }
}

/// The hand-written matchers of PyYAML's bool, null, int and float resolvers against the
/// resolver's own patterns: every string of up to three characters over an alphabet of
/// what the patterns care about, and 40,000 longer ones from a fixed-seed generator.
@Suite struct PlainScalarTests {
    static let alphabet: [String] = [
        "0", "1", "5", "6", "7", "9", "_", ":", ".", "+", "-", "e", "E", "x", "b", "i", "n", "f", "a", "N", "I", "F",
        "A", " ", "o", "y",
    ]

    static func corpus() -> [String] {
        var out: [String] = [""]
        var level: [String] = [""]
        for _ in 0..<3 {
            level = level.flatMap { p in alphabet.map { p + $0 } }
            out += level
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        // Longer strings, mostly digits with the separators the patterns use.
        let weighted = ["0", "1", "2", "5", "6", "7", "9", "0", "3", "8"] + alphabet
        for _ in 0..<40_000 {
            out.append((0..<(4 + next(9))).map { _ in weighted[next(weighted.count)] }.joined())
        }
        out += ["1:30", "190:20:30", "1:30.5", "-1:5:59.2_", "0x_fF", "0b1_0", "0o17", "1e+16", "1.5e3", "1.5e+3",
                ".5E-1", "+.inf", "-.nan", ".NaN", "1_000", "0755", "08", "1:60", "1:5:7", "12:345", "~", "null", "Null",
                "NULL", "nul", "nULL", "NULLx", "yes", "Yes", "yES", "true", "TRUE", "tRUE", "Off", "oFF"]
        return out
    }

    @Test func matchersAgreeWithPyYAMLPatterns() throws {
        let pairs: [(String, (String) -> Bool)] = [
            (YAMLScalars.boolPattern, PlainScalar.isBool), (YAMLScalars.nullPattern, PlainScalar.isNull),
            (YAMLScalars.intPattern, PlainScalar.isInt), (YAMLScalars.floatPattern, PlainScalar.isFloat),
        ]
        let strings = Self.corpus()
        for (pattern, matcher) in pairs {
            let regex = try NSRegularExpression(pattern: pattern)
            var disagreements: [String] = []
            var matched = 0
            for s in strings {
                let expected = regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
                if expected { matched += 1 }
                if matcher(s) != expected { disagreements.append(s) }
            }
            #expect(disagreements.isEmpty, "\(pattern): \(disagreements.prefix(10))")
            // The corpus reaches each pattern's accepting paths, not only its rejections.
            #expect(matched >= 3, "\(pattern) matched only \(matched)")
            if pattern == YAMLScalars.intPattern || pattern == YAMLScalars.floatPattern { #expect(matched > 200) }
        }
    }
}
