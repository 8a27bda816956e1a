import Jinja

/// A YAML document as PyYAML's `yaml.safe_load` returns it: YAML 1.1 scalars typed by
/// SafeLoader's rules (`yes`/`off` are booleans, `0755` is octal, `1:30` is 90, `~` is None),
/// mappings in document order with Python's key equality (`1`, `1.0` and `true` are one key).
///
/// Two departures, both for values kolla's data files never hold: a timestamp keeps the text
/// Python's `str()` gives its `date`/`datetime` (there is no calendar type here), and integers
/// must fit in 64 bits (Python's are unbounded; a larger one is a load error).
indirect enum YAMLValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    /// `!!binary`: the decoded bytes.
    case binary([UInt8])
    /// `!!timestamp` (`2002-12-14`, `2001-12-14t21:59:43.10-05:00`) as Python's `str()` shows it.
    case timestamp(String)
    case sequence([YAMLValue])
    case mapping([(key: YAMLValue, value: YAMLValue)])

    static func == (a: YAMLValue, b: YAMLValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.float(x), .float(y)): return x == y || (x.isNaN && y.isNaN)
        case let (.string(x), .string(y)): return x == y
        case let (.binary(x), .binary(y)): return x == y
        case let (.timestamp(x), .timestamp(y)): return x == y
        case let (.sequence(x), .sequence(y)): return x == y
        case let (.mapping(x), .mapping(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The value for the string key `key` of a mapping.
    subscript(key: String) -> YAMLValue? {
        guard case .mapping(let pairs) = self else { return nil }
        return pairs.first { $0.key == .string(key) }?.value
    }

    /// Python's `str()` of a scalar (`True`, `42`, `1.5`, the text of a string); nil for
    /// null and collections.
    var string: String? {
        switch self {
        case .null, .sequence, .mapping: return nil
        default: return pythonString
        }
    }

    /// The value of a `!!bool` (`true`, `yes`, `on` ...); nil for any other type.
    var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The value of a `!!int`; nil for any other type.
    var int: Int? {
        if case .int(let i) = self { return i }
        return nil
    }

    /// A mapping's pairs with each key as Python's `str()` of it; empty for other values.
    var pairs: [(String, YAMLValue)] {
        if case .mapping(let p) = self { return p.map { ($0.key.pythonString, $0.value) } }
        return []
    }

    /// A sequence's items; empty for other values.
    var items: [YAMLValue] {
        if case .sequence(let s) = self { return s }
        return []
    }

    /// Python's truth value (`if repo.get('build_only'):` in kolla).
    var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .float(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .binary(let b): return !b.isEmpty
        case .timestamp: return true
        case .sequence(let s): return !s.isEmpty
        case .mapping(let m): return !m.isEmpty
        }
    }

    /// Python's `str()` of the value (`None`, `True`, `1e+16`, `['a', 1]`), what kolla gets
    /// when it formats the loaded value into a command.
    var pythonString: String { jinjaValue.str }

    /// The value as the template engine's Python value (bytes become their latin-1 text).
    var jinjaValue: Value {
        switch self {
        case .null: return .none
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let d): return .float(d)
        case .string(let s), .timestamp(let s): return .string(s)
        case .binary(let b): return .string(String(b.map { Character(Unicode.Scalar($0)) }))
        case .sequence(let s): return .list(ListBox(s.map(\.jinjaValue)))
        case .mapping(let m): return .dict(DictBox(m.map { ($0.key.jinjaValue, $0.value.jinjaValue) }))
        }
    }
}
