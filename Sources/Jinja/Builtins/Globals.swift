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
                return .string(try lipsum(n: b[0]?.intValue ?? 5, html: try r.truthy(b[1, default: .bool(true)]),
                                      min: b[2]?.intValue ?? 20, max: b[3]?.intValue ?? 100))
            }),
    ]

    /// Jinja's `generate_lorem_ipsum`: random paragraphs of lorem-ipsum words.
    static func lipsum(n: Int, html: Bool, min: Int, max: Int) throws -> String {
        let words = """
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
        var paragraphs: [String] = []
        var size = 0
        for _ in 0..<Swift.max(0, n) {
            let count = Int.random(in: Swift.min(min, max)...Swift.max(min, max))
            // Every word takes at least three bytes with its space.
            if count > SizeLimit.maxBytes { throw SizeLimit.memoryError }
            size += Swift.max(count, 0) * 3 + 1
            if size > SizeLimit.maxBytes { throw SizeLimit.memoryError }
            // A negative count (min below zero) is an empty paragraph, as Python's range().
            var p = (0..<Swift.max(count, 0)).map { _ in words.randomElement()! }.joined(separator: " ")
            p = p.prefix(1).uppercased() + p.dropFirst() + "."
            paragraphs.append(p)
        }
        return html ? paragraphs.map { "<p>\($0)</p>" }.joined(separator: "\n") : paragraphs.joined(separator: "\n\n")
    }
}
