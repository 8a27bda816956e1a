import Testing

@testable import Jinja

/// Integer overflow and unbounded allocation: Python raises OverflowError, MemoryError or
/// ValueError (or computes a big int); the engine must raise a `TemplateError`, never trap
/// nor try to allocate without bound. Each case once crashed `kolla-oci render`.
@Suite struct SizeLimitTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let source: String
        let expected: Result
        enum Result: Sendable, Equatable {
            case output(String)
            case error(TemplateError.Kind, String?)
        }
        init(_ source: String, _ expected: Result) {
            self.source = source
            self.expected = expected
        }
        var testDescription: String { source }
    }

    static let intMin = "(-9223372036854775807 - 1)"
    static let intMax = "9223372036854775807"

    static let cases: [Case] = [
        // Repetition and padding: Python's MemoryError (its allocation fails).
        Case("{{ [1,2]*4611686018427387904 }}", .error(.memoryError, "")),
        Case("{{ 4611686018427387904 * [1,2] }}", .error(.memoryError, "")),
        Case("{{ (1,2) * 4611686018427387904 }}", .error(.memoryError, "")),
        Case("{{ 'a' * 10**12 }}", .error(.memoryError, "")),
        Case("{{ 'ab' * 4611686018427387904 }}", .error(.overflowError, "repeated string is too long")),
        Case(#"{{ "%10000000000d"|format(1) }}"#, .error(.memoryError, "")),
        Case(#"{{ "%-10000000000s"|format(1) }}"#, .error(.memoryError, "")),
        Case(#"{{ "%*d"|format(4611686018427387904, 1) }}"#, .error(.memoryError, "")),
        Case(#"{{ "%.999999999d"|format(1) }}"#, .error(.memoryError, "")),
        Case("{{ '{:>99999999999}'.format(1) }}", .error(.memoryError, "")),
        Case("{{ '{:099999999999d}'.format(1) }}", .error(.memoryError, "")),
        Case("{{ '{:.999999999f}'.format(1.5) }}", .error(.memoryError, "")),
        Case("{{ 'a'.center(10**12) }}", .error(.memoryError, "")),
        Case("{{ 'a'|center(99999999999) }}", .error(.memoryError, "")),
        // Found by bench/fuzz jinja-render: a width of Int.min overflowed `width - len`.
        Case("{{ 'a'|center(\(intMin)) }}{{ 'a'.ljust(\(intMin)) }}{{ 'a'.rjust(\(intMin)) }}", .output("aaa")),
        // Found by the limit probes: a paragraph of ~4 * 10**18 words overflowed the size sum.
        Case("{{ lipsum(1, false, 4 * 10**18, 5 * 10**18) }}", .error(.memoryError, "")),
        // And a negative word count made an invalid range.
        Case("{{ lipsum(1, false, -5, -3) }}", .output(".")),
        Case("{{ 'abc'.zfill(4611686018427387904) }}", .error(.memoryError, "")),
        Case("{{ 'a\\nb'|indent(99999999999) }}", .error(.memoryError, "")),
        Case("{{ [1,2,3]|batch(4611686018427387904, 'x')|list }}", .error(.memoryError, "")),
        Case("{{ [1,2,3]|slice(\(intMax))|list }}", .error(.memoryError, "")),
        Case("{{ ['a', 'b']|join('x' * 200000000) * 2 }}", .error(.memoryError, "")),
        Case("{{ {'a': [1]}|tojson(indent=\(intMax)) }}", .error(.memoryError, "")),
        Case("{{ lipsum(2, false, 99999999999, 99999999999) }}", .error(.valueError, "empty range for randrange() (99999999999, 99999999999, 0)")),
        Case("{{ 'ab'.replace('', 'x' * 200000000) }}", .error(.memoryError, "")),
        Case("{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}", .error(.memoryError, "")),
        Case("{% set ns = namespace(s=[1]) %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}", .error(.memoryError, "")),
        Case("{% set l = [1] %}{% for i in range(40) %}{{ l.extend(l) }}{% endfor %}", .error(.memoryError, "")),
        // Widths and precisions that do not fit Python's C types: its ValueError/OverflowError.
        Case(#"{{ "%10000000000000000000000d"|format(1) }}"#, .error(.valueError, "width too big")),
        Case(#"{{ "%.10000000000f"|format(1.5) }}"#, .error(.valueError, "precision too big")),
        Case(#"{{ "%.*f"|format(1099511627776, 1.5) }}"#, .error(.overflowError, "Python int too large to convert to C int")),
        Case("{{ '{:>9999999999999999999999}'.format(1) }}", .error(.valueError, "Too many decimal digits in format string")),
        Case("{{ '{:.99999999999}'.format(1.5) }}", .error(.valueError, "precision too big")),
        Case("{{ '{99999999999999999999}'.format(1) }}", .error(.valueError, "Too many decimal digits in format string")),
        Case("{{ '{0[99999999999999999999]}'.format([1]) }}", .error(.valueError, "Too many decimal digits in format string")),
        Case("{{ '{-1}'.format(1) }}", .error(.keyError, "'-1'")),
        Case("{{ 'a\\tb'.expandtabs(1099511627776) }}", .error(.overflowError, "Python int too large to convert to C int")),
        // %c and {:c} of a number outside Unicode: Python's OverflowError.
        Case("{{ '{:c}'.format(-1) }}", .error(.overflowError, "%c arg not in range(0x110000)")),
        Case("{{ '{:c}'.format(\(intMax)) }}", .error(.overflowError, "%c arg not in range(0x110000)")),
        Case(#"{{ "%c"|format(\#(intMax)) }}"#, .error(.overflowError, "%c arg not in range(0x110000)")),
        Case(#"{{ "%c"|format(-1) }}"#, .error(.overflowError, "%c arg not in range(0x110000)")),
        Case("{{ '{:c}'.format(65) }}", .output("A")),
        // Integer arithmetic at the ends of Int (Python has big ints: where the result does
        // not fit, OverflowError instead of a trap).
        Case("{{ \(intMin) // -1 }}", .error(.overflowError, "integer result too large")),
        Case("{{ \(intMin) % -1 }}", .output("0")),
        Case("{{ \(intMin) % 3 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ -7 // 2 }}", .output("1 2 -2 -4")),
        Case("{{ -\(intMin) }}", .error(.overflowError, "integer result too large")),
        Case("{{ \(intMin)|abs }}", .error(.overflowError, "integer result too large")),
        Case("{{ 1e19|int }}", .error(.overflowError, "int too large to convert to int64")),
        Case(#"{{ "%d"|format(1e19) }}"#, .error(.overflowError, "integer result too large")),
        Case("{{ (-1e308)|filesizeformat|length }}", .output("316")),
        // range() at the ends of Int.
        Case("{{ range(\(intMin), \(intMax)) }}", .error(.overflowError, nil)),
        Case("{{ range(0, 10, \(intMin))|list }}", .output("[]")),
        Case("{{ range(9223372036854775806, \(intMax))|list }}", .output("[9223372036854775806]")),
        Case("{{ range(-9223372036854775807, \(intMax), \(intMax))|list }}", .output("[-9223372036854775807, 0]")),
        Case("{{ 5 in range(-9223372036854775807, \(intMax), \(intMax)) }}", .output("False")),
        Case("{{ 0 in range(-9223372036854775807, \(intMax), \(intMax)) }}", .output("True")),
        Case("{{ range(0, \(intMax), 4611686018427387904)[::-1] }}", .output("range(4611686018427387904, -4611686018427387904, -4611686018427387904)")),
        Case("{{ range(0, \(intMax), 4611686018427387904)[1:] }}", .error(.overflowError, nil)),
        // round at the ends.
        Case("{{ 12345|round(\(intMin)) }} {{ 12345|round(-2) }} {{ 12350|round(-2) }} {{ 12250|round(-2) }}", .output("0 12300 12400 12200")),
        Case("{{ 9000000000000000000|round(-19) }}", .error(.overflowError, nil)),
        Case("{{ 1.5|round(\(intMin)) }} {{ 1.5|round(\(intMax)) }} {{ 12345|round(\(intMax)) }}", .output("0.0 1.5 12345")),
        // Slicing and truncation with extreme bounds.
        Case("{{ [1,2,3][\(intMax):] }}{{ [1,2,3][\(intMin):] }}{{ [1,2,3][::\(intMin)] }}", .output("[][1, 2, 3][3]")),
        Case("{{ 'abc'[\(intMin):\(intMax):\(intMin)] }}|{{ 'abc'.find('b', \(intMin), \(intMax)) }}", .output("|1")),
        Case("{{ 'a b c d e'|truncate(\(intMax)) }}|{{ 'a b c d e'|truncate(3, leeway=\(intMax)) }}", .output("a b c d e|a b c d e")),
        Case("{{ 'a b c'|wordwrap(\(intMax)) }}|{{ ''|wordwrap(\(intMin)) }}", .output("a b c|")),
        Case("{{ 'a b c'|wordwrap(\(intMin)) }}", .error(.valueError, "invalid width -9223372036854775808 (must be > 0)")),
    ]

    @Test(arguments: cases) func failsOrComputesWithoutTrapping(_ c: Case) throws {
        let env = Environment()
        switch c.expected {
        case .output(let expected):
            #expect(try env.template(source: c.source).render() == expected)
        case .error(let kind, let message):
            do {
                let out = try env.template(source: c.source).render()
                Issue.record("rendered \(out.prefix(80).debugDescription) instead of failing")
            } catch let e as TemplateError {
                #expect(e.kind == kind)
                if let message { #expect(e.message == message) }
            }
        }
    }

    @Test func memoryErrorPrintsItsClassAlone() {
        let e = TemplateError(.memoryError, "", template: "t.j2", line: 3)
        #expect(e.description == "MemoryError (t.j2:3)")
    }
}
