/// Jinja2's default globals: `range`, `dict`, `lipsum`, `cycler`, `joiner`, `namespace`.
enum BuiltinGlobals {
    /// The sandbox's limit on `range()` (`jinja2.sandbox.MAX_RANGE`).
    static let maxRange = 100_000

    static let all: [String: Value] = [
        "range": .object(
            NativeFunction("range") { a, r in
                let ints = try a.positional.map { v -> Int in
                    guard let i = v.intValue, !v.isFloat else {
                        throw TemplateError(.typeError, "'\(r.typeName(v))' object cannot be interpreted as an integer")
                    }
                    return i
                }
                let (start, stop, step): (Int, Int, Int)
                switch ints.count {
                case 1: (start, stop, step) = (0, ints[0], 1)
                case 2: (start, stop, step) = (ints[0], ints[1], 1)
                case 3: (start, stop, step) = (ints[0], ints[1], ints[2])
                default:
                    throw TemplateError(.typeError, "range expected at most 3 arguments, got \(ints.count)")
                }
                if step == 0 { throw TemplateError(.valueError, "range() arg 3 must not be zero") }
                let rg = RangeObject(start: start, stop: stop, step: step)
                if rg.count > maxRange {
                    throw TemplateError(
                        .overflowError,
                        "Range too big. The sandbox blocks ranges larger than MAX_RANGE (\(maxRange)).")
                }
                return .object(rg)
            }),
        "dict": .object(
            NativeFunction("dict") { a, r in
                let d = DictBox()
                if let first = a.positional.first {
                    // dict() probes `hasattr(arg, 'keys')`, which Undefined fails loudly.
                    if case .undefined(let u) = first { throw u.error }
                    if case .dict(let src) = first {
                        for (k, v) in src.pairs { try d.set(k, v) }
                    } else {
                        for item in try r.iterate(first) {
                            let kv = try r.iterate(item)
                            guard kv.count == 2 else {
                                throw TemplateError(
                                    .valueError, "dictionary update sequence element has length \(kv.count); 2 is required")
                            }
                            try d.set(kv[0], kv[1])
                        }
                    }
                }
                for (k, v) in a.keywords { d.set(k, v) }
                return .dict(d)
            }),
        "namespace": .object(
            NativeFunction("namespace") { a, _ in
                let d = DictBox()
                if case .dict(let src)? = a.positional.first {
                    for (k, v) in src.pairs { try d.set(k, v) }
                }
                for (k, v) in a.keywords { d.set(k, v) }
                return .object(Namespace(d))
            }),
        "cycler": .object(
            NativeFunction("cycler") { a, _ in
                guard !a.positional.isEmpty else { throw TemplateError(.typeError, "at least one item has to be provided") }
                return .object(Cycler(a.positional))
            }),
        "joiner": .object(
            NativeFunction("joiner") { a, r in
                let b = try a.bind(["sep"], function: "joiner")
                return .object(Joiner(try r.str(b[0, default: .string(", ")])))
            }),
        "lipsum": .object(
            NativeFunction("lipsum") { a, r in
                let b = try a.bind(["n", "html", "min", "max"], function: "lipsum")
                let text = try lipsum(n: b[0]?.intValue ?? 5, html: try r.truthy(b[1, default: .bool(true)]),
                                      min: b[2]?.intValue ?? 20, max: b[3]?.intValue ?? 100)
                #if FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
                    // About one unit per word, like a loop that built the text.
                    try r.burnFuel(text.utf8.count / 8)
                #endif
                return .string(text)
            }),
    ]

    /// Jinja's `generate_lorem_ipsum`: `n` paragraphs of `randrange(min, max)` random
    /// words (never the same twice in a row), capitalized sentences with commas every
    /// few words and a full stop every ten to twenty, each paragraph ending in a full stop.
    static func lipsum(n: Int, html: Bool, min: Int, max: Int) throws -> String {
        var rng = LipsumRandom()
        var paragraphs: [String] = []
        var size = 0
        for _ in 0..<Swift.max(0, n) {
            let count = try rng.randrange(min, max)
            // Every word takes at least two bytes with its space.
            if count > SizeLimit.maxBytes { throw SizeLimit.memoryError }
            size += Swift.max(count, 0) * 2 + 1
            if size > SizeLimit.maxBytes { throw SizeLimit.memoryError }
            var words: [String] = []
            var nextCapitalized = true
            var lastComma = 0, lastFullstop = 0
            var last = -1
            // A negative count (min below zero) is an empty paragraph, as Python's range().
            for idx in 0..<Swift.max(count, 0) {
                var pick = rng.below(lipsumWords.count)
                while pick == last { pick = rng.below(lipsumWords.count) }
                last = pick
                var word = lipsumWords[pick]
                if nextCapitalized {
                    word = word.prefix(1).uppercased() + word.dropFirst()
                    nextCapitalized = false
                }
                if idx - (try rng.randrange(3, 8)) > lastComma {
                    lastComma = idx
                    lastFullstop += 2
                    word += ","
                }
                if idx - (try rng.randrange(10, 20)) > lastFullstop {
                    lastComma = idx
                    lastFullstop = idx
                    word += "."
                    nextCapitalized = true
                }
                words.append(word)
            }
            var p = words.joined(separator: " ")
            if p.hasSuffix(",") { p.removeLast() }
            if !p.hasSuffix(".") { p += "." }
            paragraphs.append(p)
        }
        return html ? paragraphs.map { "<p>\($0)</p>" }.joined(separator: "\n") : paragraphs.joined(separator: "\n\n")
    }

    /// Jinja's `LOREM_IPSUM_WORDS`.
    private static let lipsumWords = """
        a ac accumsan ad adipiscing aenean aliquam aliquet amet ante aptent arcu at auctor augue bibendum \
        blandit class commodo condimentum congue consectetuer consequat conubia convallis cras cubilia \
        curabitur curae cursus dapibus diam dictum dictumst dignissim dis dolor donec dui duis egestas eget \
        eleifend elementum elit enim erat eros est et etiam eu euismod facilisi facilisis fames faucibus \
        felis fermentum feugiat fringilla fusce gravida habitant habitasse hac hendrerit hymenaeos iaculis \
        id imperdiet in inceptos integer interdum ipsum justo lacinia lacus laoreet lectus leo libero \
        ligula litora lobortis lorem luctus maecenas magna magnis malesuada massa mattis mauris metus mi \
        molestie mollis montes morbi mus nam nascetur natoque nec neque netus nibh nisi nisl non nonummy \
        nostra nulla nullam nunc odio orci ornare parturient pede pellentesque penatibus per pharetra \
        phasellus placerat platea porta porttitor posuere potenti praesent pretium primis proin pulvinar \
        purus quam quis quisque rhoncus ridiculus risus rutrum sagittis sapien scelerisque sed sem semper \
        senectus sit sociis sociosqu sodales sollicitudin suscipit suspendisse taciti tellus tempor tempus \
        tincidunt torquent tortor tristique turpis ullamcorper ultrices ultricies urna ut varius vehicula \
        vel velit venenatis vestibulum vitae vivamus viverra volutpat vulputate
        """.split(separator: " ").map(String.init)
}

/// The random numbers of one `lipsum` call: a SplitMix64 sequence seeded once from the
/// system, since a paragraph draws three numbers per word and asking the kernel for each
/// one made `lipsum` a system call per number. Not for anything that must be unguessable.
struct LipsumRandom {
    private var state: UInt64

    init() { state = UInt64.random(in: .min ... .max) }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound` (`bound` > 0), without modulo bias.
    mutating func below(_ bound: Int) -> Int {
        let b = UInt64(bound)
        let limit = UInt64.max - UInt64.max % b
        var x = next()
        while x >= limit { x = next() }
        return Int(x % b)
    }

    /// Python's `random.randrange(start, stop)`.
    mutating func randrange(_ start: Int, _ stop: Int) throws -> Int {
        let (width, overflow) = stop.subtractingReportingOverflow(start)
        guard !overflow else { throw SizeLimit.memoryError }
        guard width > 0 else {
            throw TemplateError(.valueError, "empty range for randrange() (\(start), \(stop), \(width))")
        }
        return start + below(width)
    }
}
