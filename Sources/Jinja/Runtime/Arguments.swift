/// Arguments of a call, filter or test after `*args`/`**kwargs` expansion.
public struct Arguments: Sendable {
    public var positional: [Value]
    public var keywords: [(String, Value)]

    public init(_ positional: [Value] = [], keywords: [(String, Value)] = []) {
        self.positional = positional
        self.keywords = keywords
    }

    /// Binds the arguments to Python-style parameters `names` of `function`:
    /// positional first, then by keyword; unknown keywords and surplus positionals
    /// raise `TypeError` as Python does. Returns one optional value per name.
    public func bind(_ names: [String], function: String, allowExtraPositional: Bool = false) throws -> BoundArguments {
        if !allowExtraPositional && positional.count > names.count {
            throw TemplateError(
                .typeError,
                "\(function)() takes at most \(names.count) argument\(names.count == 1 ? "" : "s") (\(positional.count) given)")
        }
        var values = [Value?](repeating: nil, count: names.count)
        for (i, v) in positional.prefix(names.count).enumerated() { values[i] = v }
        for (k, v) in keywords {
            guard let i = names.firstIndex(of: k) else {
                throw TemplateError(.typeError, "\(function)() got an unexpected keyword argument '\(k)'")
            }
            if values[i] != nil {
                throw TemplateError(.typeError, "\(function)() got multiple values for argument '\(k)'")
            }
            values[i] = v
        }
        return BoundArguments(values: values, extra: Array(positional.dropFirst(names.count)))
    }

    /// The keyword value for `name`, if given.
    public func keyword(_ name: String) -> Value? {
        keywords.first { $0.0 == name }?.1
    }
}

/// Parameters bound by `Arguments.bind`.
public struct BoundArguments: Sendable {
    public var values: [Value?]
    /// Positionals beyond the named parameters (`*args`).
    public var extra: [Value]

    /// The value of parameter `i`, or `fallback` when not given.
    public subscript(_ i: Int, default fallback: Value) -> Value {
        values[i] ?? fallback
    }

    /// The value of parameter `i`, or nil.
    public subscript(_ i: Int) -> Value? { values[i] }
}
