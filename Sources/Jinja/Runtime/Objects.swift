/// Behaviour shared by the engine's runtime objects.
protocol RuntimeObject: ValueObject {
    var repr: String { get }
    var str: String { get }
    /// An attribute, or nil for "no such attribute" (the caller makes the undefined).
    func attribute(_ name: String) -> Value?
    /// Calls the object; non-callables raise TypeError.
    func call(_ args: Arguments, _ r: Renderer) throws -> Value
    var isCallable: Bool { get }
    /// The items when the object is a re-iterable collection (group tuples, ranges,
    /// dict views), else nil. One-shot iterators are `PyIterator`s instead.
    var iterationValues: [Value]? { get }
    /// Python's `len(obj)`, or nil when the type has no `__len__`.
    var length: Int? { get }
    /// Python's `bool(obj)` (objects are true unless they have a length of 0).
    var isTruthy: Bool { get }
    /// True when the type has `__len__` and `__getitem__` (Jinja's `sequence` test).
    var isSequence: Bool { get }
    /// `obj[key]` for an int key of a sequence, or nil (Jinja then makes an undefined).
    func item(_ key: Value) -> Value?
}

extension RuntimeObject {
    var repr: String { "<\(typeName) object>" }
    var str: String { repr }
    func attribute(_ name: String) -> Value? { nil }
    func call(_ args: Arguments, _ r: Renderer) throws -> Value {
        throw TemplateError(.typeError, "'\(typeName)' object is not callable")
    }
    var isCallable: Bool { false }
    var iterationValues: [Value]? { nil }
    var length: Int? { nil }
    var isTruthy: Bool { length.map { $0 != 0 } ?? true }
    var isSequence: Bool { false }
    func item(_ key: Value) -> Value? { nil }
}

/// The `0x…` address Python prints in default reprs (`<generator object f at 0x…>`).
func pyAddress(_ o: AnyObject) -> String {
    "0x" + String(UInt(bitPattern: Unmanaged.passUnretained(o).toOpaque()), radix: 16)
}

/// A function implemented in Swift (globals such as `range`, or a host's own).
public final class NativeFunction: RuntimeObject, @unchecked Sendable {
    public typealias Body = @Sendable (Arguments, Renderer) throws -> Value
    public let name: String
    let body: Body

    /// A callable named `name` (for messages) running `body`.
    public init(_ name: String, _ body: @escaping Body) {
        self.name = name
        self.body = body
    }

    public var typeName: String { "function" }
    var repr: String { "<function \(name)>" }
    func call(_ args: Arguments, _ r: Renderer) throws -> Value { try body(args, r) }
    var isCallable: Bool { true }
}

/// A method bound to its receiver (`'a,b'.split`, `d.items`).
final class BoundMethod: RuntimeObject, @unchecked Sendable {
    let receiver: Value
    let name: String

    init(_ receiver: Value, _ name: String) {
        self.receiver = receiver
        self.name = name
    }

    var typeName: String { "builtin_function_or_method" }
    var repr: String { "<built-in method \(name) of \(receiver.typeName) object>" }
    func call(_ args: Arguments, _ r: Renderer) throws -> Value {
        try r.callMethod(receiver, name, args)
    }
    var isCallable: Bool { true }
}

/// A `{% macro %}` (or the `caller` of a call block) closed over its defining scope.
final class Macro: RuntimeObject, @unchecked Sendable {
    let def: Stmt.MacroDef
    let closure: Scope
    /// For a call block's `caller`: true. Affects nothing but the repr.
    let isCaller: Bool

    init(_ def: Stmt.MacroDef, closure: Scope, isCaller: Bool = false) {
        self.def = def
        self.closure = closure
        self.isCaller = isCaller
    }

    var typeName: String { "Macro" }
    var repr: String { isCaller ? "<Macro anonymous>" : "<Macro \(pyRepr(def.name))>" }
    var isCallable: Bool { true }

    func attribute(_ name: String) -> Value? {
        switch name {
        case "name": return isCaller ? Value.none : .string(def.name)
        case "arguments": return .tuple(def.signature.params.map { .string($0) })
        case "catch_kwargs": return .bool(def.usesKwargs)
        case "catch_varargs": return .bool(def.usesVarargs)
        case "caller": return .bool(def.usesCaller)
        default: return nil
        }
    }

    func call(_ args: Arguments, _ r: Renderer) throws -> Value {
        try r.invoke(self, args)
    }
}

/// The `loop` variable of a for loop.
final class LoopContext: RuntimeObject, @unchecked Sendable {
    let items: [Value]
    var index0 = 0
    let depth0: Int
    private var lastChanged: [Value]?
    /// Re-entry for `loop(children)` in recursive loops.
    let recurse: ((Value, Renderer) throws -> Value)?

    init(items: [Value], depth0: Int, recurse: ((Value, Renderer) throws -> Value)?) {
        self.items = items
        self.depth0 = depth0
        self.recurse = recurse
    }

    var typeName: String { "LoopContext" }
    var repr: String { "<LoopContext \(index0 + 1)/\(items.count)>" }
    var length: Int? { items.count }
    var isCallable: Bool { recurse != nil }

    func attribute(_ name: String) -> Value? {
        let n = items.count
        switch name {
        case "index": return .int(index0 + 1)
        case "index0": return .int(index0)
        case "revindex": return .int(n - index0)
        case "revindex0": return .int(n - index0 - 1)
        case "first": return .bool(index0 == 0)
        case "last": return .bool(index0 == n - 1)
        case "length": return .int(n)
        case "depth": return .int(depth0 + 1)
        case "depth0": return .int(depth0)
        case "previtem":
            return index0 > 0 ? items[index0 - 1] : .undefined(Undefined(hint: "there is no previous item"))
        case "nextitem":
            return index0 + 1 < n ? items[index0 + 1] : .undefined(Undefined(hint: "there is no next item"))
        case "cycle", "changed": return .object(BoundLoopMethod(self, name))
        default: return nil
        }
    }

    func call(_ args: Arguments, _ r: Renderer) throws -> Value {
        guard let recurse else {
            throw TemplateError(
                .typeError, "The loop must have the 'recursive' marker to be called recursively.")
        }
        guard args.positional.count == 1 else {
            throw TemplateError(.typeError, "loop() takes exactly one argument")
        }
        return try recurse(args.positional[0], r)
    }

    /// `loop.changed(*values)`: true when the values differ from the last call's.
    func changed(_ values: [Value]) -> Bool {
        if let last = lastChanged, last.count == values.count, zip(last, values).allSatisfy({ pyEquals($0, $1) }) {
            return false
        }
        lastChanged = values
        return true
    }
}

/// `loop.cycle` and `loop.changed` as callables.
final class BoundLoopMethod: RuntimeObject, @unchecked Sendable {
    let loop: LoopContext
    let name: String

    init(_ loop: LoopContext, _ name: String) {
        self.loop = loop
        self.name = name
    }

    var typeName: String { "method" }
    var isCallable: Bool { true }

    func call(_ args: Arguments, _ r: Renderer) throws -> Value {
        if name == "changed" { return .bool(loop.changed(args.positional)) }
        guard !args.positional.isEmpty else { throw TemplateError(.typeError, "no items for cycling given") }
        return args.positional[loop.index0 % args.positional.count]
    }
}

/// `cycler(*items)`: `next()`, `current`, `reset()`.
final class Cycler: RuntimeObject, @unchecked Sendable {
    let items: [Value]
    var pos = 0

    init(_ items: [Value]) { self.items = items }

    var typeName: String { "Cycler" }

    func attribute(_ name: String) -> Value? {
        switch name {
        case "current": return items[pos]
        case "items": return .list(ListBox(items))
        case "next", "reset", "__next__": return .object(NativeFunction(name) { [self] _, _ in
                if name == "reset" {
                    self.pos = 0
                    return .none
                }
                let v = self.items[self.pos]
                self.pos = (self.pos + 1) % self.items.count
                return v
            })
        default: return nil
        }
    }
}

/// `joiner(sep)`: returns "" on the first call and `sep` afterwards.
final class Joiner: RuntimeObject, @unchecked Sendable {
    let sep: String
    var used = false

    init(_ sep: String) { self.sep = sep }

    var typeName: String { "Joiner" }
    var isCallable: Bool { true }

    func call(_ args: Arguments, _ r: Renderer) throws -> Value {
        if !used {
            used = true
            return .string("")
        }
        return .string(sep)
    }
}

/// `namespace(...)`: the one object templates may assign attributes on.
final class Namespace: RuntimeObject, @unchecked Sendable {
    let attrs: DictBox

    init(_ attrs: DictBox) { self.attrs = attrs }

    var typeName: String { "Namespace" }
    var repr: String { "<Namespace \(Value.dict(attrs).repr)>" }
    func attribute(_ name: String) -> Value? { attrs.get(name) }
}

/// An imported template (`{% import 'x' as m %}`): its exported names.
final class TemplateModule: RuntimeObject, @unchecked Sendable {
    let name: String
    let exports: [String: Value]
    let body: String

    init(name: String, exports: [String: Value], body: String) {
        self.name = name
        self.exports = exports
        self.body = body
    }

    var typeName: String { "TemplateModule" }
    var repr: String { "<Template Module '\(name)'>" }
    var str: String { body }
    func attribute(_ name: String) -> Value? { exports[name] }
}

/// One result of the `groupby` filter: a tuple `(grouper, list)` with named fields.
final class GroupTuple: RuntimeObject, @unchecked Sendable {
    let grouper: Value
    let list: Value

    init(grouper: Value, list: Value) {
        self.grouper = grouper
        self.list = list
    }

    var asTuple: [Value] { [grouper, list] }
    var typeName: String { "tuple" }
    var repr: String { Value.tuple(asTuple).repr }
    var iterationValues: [Value]? { asTuple }
    var length: Int? { 2 }
    var isSequence: Bool { true }
    func item(_ key: Value) -> Value? {
        guard let i = key.intValue, !key.isFloat, i >= -2, i < 2 else { return nil }
        return asTuple[i < 0 ? i + 2 : i]
    }

    func attribute(_ name: String) -> Value? {
        switch name {
        case "grouper": return grouper
        case "list": return list
        default: return nil
        }
    }
}

/// `self` in templates: `self.blockname()` renders a block of the current context.
final class TemplateReference: RuntimeObject, @unchecked Sendable {
    let context: Context

    init(_ context: Context) { self.context = context }

    var typeName: String { "TemplateReference" }
    var repr: String { "<TemplateReference '\(context.templateName ?? "")'>" }

    func attribute(_ name: String) -> Value? {
        guard let chain = context.blocks[name], !chain.isEmpty else { return nil }
        return .object(BlockCaller(context: context, name: name, level: 0))
    }
}

/// A callable rendering level `level` of block `name` (`self.x()` and `super()`).
final class BlockCaller: RuntimeObject, @unchecked Sendable {
    let context: Context
    let name: String
    let level: Int

    init(context: Context, name: String, level: Int) {
        self.context = context
        self.name = name
        self.level = level
    }

    var typeName: String { "BlockReference" }
    var isCallable: Bool { true }

    func call(_ args: Arguments, _ r: Renderer) throws -> Value {
        .string(try r.renderBlock(name, level: level, context: context))
    }
}

/// A template passed as a value (kolla's `parent_template`), usable in `extends`,
/// `include` and `import` like a name.
final class TemplateReferenceValue: RuntimeObject, @unchecked Sendable {
    let template: Template

    init(_ template: Template) { self.template = template }

    var typeName: String { "Template" }
    var repr: String { "<Template \(template.name.map { pyRepr($0) } ?? "memory")>" }
}

extension Value {
    /// A template as a value: `{% extends parent_template %}` renders it as the parent.
    public static func template(_ t: Template) -> Value { .object(TemplateReferenceValue(t)) }
}
