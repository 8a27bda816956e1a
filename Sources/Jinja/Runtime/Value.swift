/// A Jinja value with Python's data model: what templates see and produce.
///
/// Scalars are Swift values; lists and dicts are reference types because Python's are
/// (`{% set _ = xs.append(1) %}` is visible through every name bound to `xs`). A render
/// owns the boxes it creates; a box handed to two concurrent renders must not be mutated
/// by a template (Python's sandbox has the same rule, without the memory safety).
public enum Value: Sendable {
    /// A missing variable, attribute or item; see `Undefined`.
    case undefined(Undefined)
    /// Python's `None`.
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    /// A mutable Python list.
    case list(ListBox)
    /// An immutable Python tuple.
    case tuple([Value])
    /// A Python dict: insertion-ordered, keys hashed with Python's equality.
    case dict(DictBox)
    /// Runtime objects: macros, functions, `loop`, cyclers, namespaces, modules ...
    case object(any ValueObject)
}

/// A runtime object that templates can hold (macro, function, namespace, loop ...).
public protocol ValueObject: AnyObject, Sendable {
    /// Python's type name, used in error messages (`'int' object is not callable`).
    var typeName: String { get }
}

/// What a missing name, attribute or item evaluates to; using it in most operations
/// raises `UndefinedError` with the message Python Jinja2 would give.
public struct Undefined: Sendable {
    /// An explicit message (`parameter 'b' was not provided`), else derived from the rest.
    public var hint: String?
    /// The missing name, attribute or item key (as Python's repr when not a string).
    public var name: String?
    /// Python's `object_type_repr` of the object the lookup was made on, if any.
    public var owner: String?
    /// True when `name` is an item key that is not a string (`has no element 10`).
    public var isElement: Bool
    /// Behaves as Jinja2's default `Undefined` even under strict undefined: the value of
    /// a conditional expression without `else` (Jinja's `cond_expr_undefined`).
    public var lenient: Bool
    /// The exception using the value raises (`SecurityError` for the sandbox's
    /// `unsafe_undefined`), `UndefinedError` otherwise.
    public var errorKind: TemplateError.Kind

    /// An undefined value; with no arguments, `value is undefined`.
    public init(
        hint: String? = nil, name: String? = nil, owner: String? = nil, isElement: Bool = false, lenient: Bool = false,
        errorKind: TemplateError.Kind = .undefinedError
    ) {
        self.hint = hint
        self.name = name
        self.owner = owner
        self.isElement = isElement
        self.lenient = lenient
        self.errorKind = errorKind
    }

    /// The error that using this value raises.
    public var error: TemplateError { TemplateError(errorKind, message) }

    /// The message Python's `Undefined._undefined_message` produces.
    public var message: String {
        if let hint { return hint }
        guard let name else { return "value is undefined" }
        guard let owner else { return "'\(name)' is undefined" }
        if isElement { return "\(owner) has no element \(name)" }
        return "'\(owner)' has no attribute '\(name)'"
    }
}

/// Storage of a Python list (reference semantics).
public final class ListBox: @unchecked Sendable {
    public var items: [Value]
    public init(_ items: [Value]) { self.items = items }

    // Lists nested deeply (`{% set ns.l = [ns.l] %}` in a loop) are freed in a loop here:
    // left to the release of each item, one list's deinit would run inside the next and a
    // chain of 100,000 would overflow the stack. A nested list that nothing else holds
    // hands its items over and is released empty.
    deinit {
        guard items.contains(where: { if case .list = $0 { return true } else { return false } }) else { return }
        var pending = items
        items = []
        while var value = pending.popLast() {
            guard case .list(var box) = value else { continue }
            value = .none
            if isKnownUniquelyReferenced(&box) {
                pending.append(contentsOf: box.items)
                box.items = []
            }
        }
    }
}

/// Storage of a Python dict: insertion order kept, lookups by Python key equality.
public final class DictBox: @unchecked Sendable {
    public private(set) var keys: [Value] = []
    public private(set) var values: [Value] = []
    private var index: [HashKey: Int] = [:]
    private var deleted = 0

    public init() {}

    /// Builds a dict from pairs; later duplicates overwrite earlier values in place.
    public init<S: Sequence>(_ pairs: S) where S.Element == (Value, Value) {
        for (k, v) in pairs { try? set(k, v) }
    }

    /// Number of live entries.
    public var count: Int { keys.count }

    /// All entries in insertion order.
    public var pairs: Zip2Sequence<[Value], [Value]> { zip(keys, values) }

    /// The value for `key`, or nil.
    public func get(_ key: Value) -> Value? {
        guard let hk = HashKey(key), let i = index[hk] else { return nil }
        return values[i]
    }

    /// The value for a string key, or nil.
    public func get(_ key: String) -> Value? {
        guard let i = index[.string(CodePointKey(key))] else { return nil }
        return values[i]
    }

    /// Inserts or replaces; throws TypeError for unhashable keys (lists, dicts).
    public func set(_ key: Value, _ value: Value) throws {
        guard let hk = HashKey(key) else {
            throw TemplateError(.typeError, "unhashable type: '\(key.typeName)'")
        }
        if let i = index[hk] {
            values[i] = value
        } else {
            index[hk] = keys.count
            keys.append(key)
            values.append(value)
        }
    }

    /// Inserts or replaces a string key.
    public func set(_ key: String, _ value: Value) {
        if let i = index[.string(CodePointKey(key))] {
            values[i] = value
        } else {
            index[.string(CodePointKey(key))] = keys.count
            keys.append(.string(key))
            values.append(value)
        }
    }

    /// Removes `key` and returns its value, keeping the order of the rest.
    @discardableResult
    public func remove(_ key: Value) -> Value? {
        guard let hk = HashKey(key), let i = index[hk] else { return nil }
        let v = values[i]
        keys.remove(at: i)
        values.remove(at: i)
        index.removeValue(forKey: hk)
        for (k, j) in index where j > i { index[k] = j - 1 }
        return v
    }

    /// A shallow copy.
    public func copy() -> DictBox {
        let d = DictBox()
        d.keys = keys
        d.values = values
        d.index = index
        return d
    }
}

/// A dict key normalised to Python's hash equality: `1 == 1.0 == True`.
enum HashKey: Hashable {
    case none
    /// Every Undefined is equal to every other and hashes by type, as in Jinja2.
    case undefined
    case int(Int)
    case float(Double)
    case string(CodePointKey)
    case tuple([HashKey])

    init?(_ v: Value, depth: Int = 0) {
        if depth > Value.maxNesting { return nil }
        switch v {
        case .none: self = .none
        case .bool(let b): self = .int(b ? 1 : 0)
        case .int(let i): self = .int(i)
        case .float(let d):
            if d == d.rounded(), let i = Int(exactly: d) { self = .int(i) } else { self = .float(d) }
        case .string(let s): self = .string(CodePointKey(s))
        case .tuple(let xs):
            var out: [HashKey] = []
            out.reserveCapacity(xs.count)
            for x in xs {
                guard let k = HashKey(x, depth: depth + 1) else { return nil }
                out.append(k)
            }
            self = .tuple(out)
        case .undefined: self = .undefined
        case .list, .dict, .object: return nil
        }
    }
}

extension Value {
    /// A new list value.
    public static func list(_ items: [Value]) -> Value { .list(ListBox(items)) }

    /// A new dict value from string-keyed pairs, in order.
    public static func dict(_ pairs: [(String, Value)]) -> Value {
        let d = DictBox()
        for (k, v) in pairs { d.set(k, v) }
        return .dict(d)
    }

    /// A plain undefined for a missing variable name.
    public static func missing(_ name: String) -> Value { .undefined(Undefined(name: name)) }

    /// Python's type name (`int`, `str`, `NoneType` ...).
    public var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .object(let o): return o.typeName
        }
    }

    /// Python's `object_type_repr`, used in undefined messages (`'dict object'`, `'None'`).
    var objectTypeRepr: String {
        switch self {
        case .none: return "None"
        default: return "\(typeName) object"
        }
    }

    /// True for the undefined value.
    public var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }

    /// The string payload, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// True for int and float (and bool, which Python counts as a number).
    var isNumber: Bool {
        switch self {
        case .int, .float, .bool: return true
        default: return false
        }
    }

    /// The numeric value as Double for int/float/bool.
    var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .float(let d): return d
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// The integer value for int/bool (Python treats bools as ints).
    var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .float(value) }
    public init(arrayLiteral elements: Value...) { self = .list(ListBox(elements)) }
}
