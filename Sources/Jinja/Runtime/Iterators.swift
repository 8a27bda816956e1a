/// Python's lazy and view objects: one-shot iterators (generators such as `select`'s
/// result, `reversed(list)`), dict views (`d.keys()`) and `range` objects, plus the
/// `iter()` protocol the engine uses to walk any iterable value.

/// A one-shot Python iterator: a generator (`<generator object sync_do_map at 0x…>`)
/// or a built-in iterator (`list_reverseiterator`, `range_iterator` …). Iterating it
/// consumes it; it is always true, has no `len()`, is not subscriptable and not a
/// sequence.
///
/// A generator's body runs only when the first item is requested (as in Python, where
/// `map('nosuchfilter')` fails only once iterated); an error ends the generator.
final class PyIterator: RuntimeObject, @unchecked Sendable {
    /// Produces the next item, or nil when exhausted. Takes the renderer that iterates.
    typealias Step = (Renderer) throws -> Value?
    private enum State {
        case fresh((Renderer) throws -> Step)
        case running(Step)
        case done
    }

    let typeName: String
    /// The generator function's name (`select_or_reject`), nil for built-in iterators.
    let generatorName: String?
    private var state: State

    /// A generator: `body` runs on the first `next` and returns the stepping function.
    init(generator name: String, _ body: @escaping (Renderer) throws -> Step) {
        typeName = "generator"
        generatorName = name
        state = .fresh(body)
    }

    /// A built-in iterator type (`list_reverseiterator` …) stepping with `step`.
    init(type: String, _ step: @escaping Step) {
        typeName = type
        generatorName = nil
        state = .running(step)
    }

    /// An iterator over fixed items.
    convenience init(type: String, items: [Value]) {
        var i = 0
        self.init(type: type) { _ in
            guard i < items.count else { return nil }
            defer { i += 1 }
            return items[i]
        }
    }

    var repr: String {
        if let generatorName { return "<generator object \(generatorName) at \(pyAddress(self))>" }
        return "<\(typeName) object at \(pyAddress(self))>"
    }

    /// Python's `next(it)`: the next item, or nil once exhausted.
    func next(_ r: Renderer) throws -> Value? {
        switch state {
        case .done:
            return nil
        case .fresh(let body):
            let step: Step
            do {
                step = try body(r)
            } catch {
                state = .done
                throw error
            }
            state = .running(step)
            return try next(r)
        case .running(let step):
            do {
                if let v = try step(r) { return v }
            } catch {
                state = .done
                throw error
            }
            state = .done
            return nil
        }
    }

    /// Consumes the rest of the items.
    func drain(_ r: Renderer) throws -> [Value] {
        var out: [Value] = []
        while let v = try next(r) {
            // A generator may yield without end (`slice(2**62)`): Python runs out of memory.
            if out.count >= SizeLimit.maxValues { throw SizeLimit.memoryError }
            out.append(v)
        }
        return out
    }
}

/// A live view of a dict (`d.keys()`, `d.values()`, `d.items()`): iterable, sized,
/// supports `in`, prints as `dict_keys([...])`; not subscriptable, not a sequence.
final class DictView: RuntimeObject, @unchecked Sendable {
    enum Kind: String {
        case keys, values, items
    }

    let dict: DictBox
    let kind: Kind

    init(_ dict: DictBox, _ kind: Kind) {
        self.dict = dict
        self.kind = kind
    }

    var typeName: String { "dict_\(kind.rawValue)" }
    var iterationValues: [Value]? {
        switch kind {
        case .keys: return dict.keys
        case .values: return dict.values
        case .items: return dict.pairs.map { .tuple([$0.0, $0.1]) }
        }
    }
    var length: Int? { dict.count }
    var repr: String { "\(typeName)(\(Value.list(iterationValues ?? []).repr))" }

    /// `x in view`: key lookup for keys and items, equality scan for values.
    func contains(_ needle: Value, _ r: Renderer) throws -> Bool {
        switch kind {
        case .keys:
            return try r.contains(.dict(dict), needle)
        case .values:
            return try dict.values.contains { try r.equals($0, needle) }
        case .items:
            guard case .tuple(let t) = needle, t.count == 2 else { return false }
            guard try r.contains(.dict(dict), t[0]), let v = dict.get(t[0]) else { return false }
            return try r.equals(v, t[1])
        }
    }

    /// The iterator `reversed(view)` returns.
    func reversedIterator() -> PyIterator {
        let name = ["keys": "key", "values": "value", "items": "item"][kind.rawValue]!
        return PyIterator(type: "dict_reverse\(name)iterator", items: (iterationValues ?? []).reversed())
    }
}

/// Python's `range` object: a lazy arithmetic sequence (sized, indexable, sliceable, a
/// sequence for Jinja's tests); prints as `range(0, 3)`.
final class RangeObject: RuntimeObject, @unchecked Sendable {
    let start: Int
    let stop: Int
    let step: Int
    let count: Int

    init(start: Int, stop: Int, step: Int) {
        self.start = start
        self.stop = stop
        self.step = step
        // The distance between two Ints always fits a UInt; a count beyond Int.max (only
        // `range(-2**63, 2**63 - 1)`) saturates, which the size checks of callers reject.
        if step > 0 {
            count = start < stop ? Int(clamping: (UInt(bitPattern: stop &- start) - 1) / step.magnitude + 1) : 0
        } else {
            count = start > stop ? Int(clamping: (UInt(bitPattern: start &- stop) - 1) / step.magnitude + 1) : 0
        }
    }

    var typeName: String { "range" }
    var repr: String { step == 1 ? "range(\(start), \(stop))" : "range(\(start), \(stop), \(step))" }
    var iterationValues: [Value]? { (0..<count).map { at($0) } }
    var length: Int? { count }
    var isSequence: Bool { true }

    /// The `i`th item (0 ≤ i < count). It lies between start and stop, so the wrapping
    /// arithmetic gives the exact value even where `i * step` alone would not fit.
    @inline(__always) func at(_ i: Int) -> Value { .int(start &+ i &* step) }

    func item(_ key: Value) -> Value? {
        guard let i = key.intValue, !key.isFloat else { return nil }
        let j = i < 0 ? i + count : i
        return j >= 0 && j < count ? at(j) : nil
    }

    /// `range[a:b:c]`, another range (as Python computes it).
    func slice(_ a: Int?, _ b: Int?, _ c: Int?) throws -> RangeObject {
        let (i, j, k) = try sliceIndices(count, a, b, c)
        // The new bounds may lie one step outside the old ones, where an Int ends.
        func bound(_ n: Int) throws -> Int {
            let (offset, o1) = n.multipliedReportingOverflow(by: step)
            let (v, o2) = start.addingReportingOverflow(offset)
            if o1 || o2 { throw TemplateError(.overflowError, "Python int too large to convert to C ssize_t") }
            return v
        }
        let (newStep, overflow) = step.multipliedReportingOverflow(by: k)
        if overflow { throw TemplateError(.overflowError, "Python int too large to convert to C ssize_t") }
        return RangeObject(start: try bound(i), stop: try bound(j), step: newStep)
    }

    func attribute(_ name: String) -> Value? {
        switch name {
        case "start": return .int(start)
        case "stop": return .int(stop)
        case "step": return .int(step)
        case "index", "count":
            return .object(
                NativeFunction(name) { [self] args, _ in
                    guard args.positional.count == 1, args.keywords.isEmpty else {
                        throw TemplateError(.typeError, "\(name)() takes exactly one argument (\(args.positional.count) given)")
                    }
                    let x = args.positional[0]
                    let found = (0..<count).first { pyEquals(at($0), x) }
                    // A range holds distinct numbers: at most one item equals x.
                    if name == "count" { return .int(found == nil ? 0 : 1) }
                    guard let found else { throw TemplateError(.valueError, "\(x.repr) is not in range") }
                    return .int(found)
                })
        default: return nil
        }
    }

    /// `x in range`: arithmetic for integers, equality otherwise.
    func contains(_ needle: Value) -> Bool {
        if let n = needle.intValue, !needle.isFloat {
            guard count > 0 else { return false }
            if step > 0 ? (n < start || n >= stop) : (n > start || n <= stop) { return false }
            // n lies between start and stop: the distance fits a UInt.
            let distance = step > 0 ? UInt(bitPattern: n &- start) : UInt(bitPattern: start &- n)
            return distance % step.magnitude == 0
        }
        guard needle.isNumber else { return false }
        return (0..<count).contains { pyEquals(at($0), needle) }
    }

    /// Python's range equality: the same sequence of numbers.
    func sameSequence(_ o: RangeObject) -> Bool {
        if count != o.count { return false }
        if count == 0 { return true }
        if start != o.start { return false }
        return count == 1 || step == o.step
    }
}

/// Python's `slice.indices(length)`: normalised start, stop and step.
func sliceIndices(_ length: Int, _ start: Int?, _ stop: Int?, _ step: Int?) throws -> (Int, Int, Int) {
    let step = step ?? 1
    if step == 0 { throw TemplateError(.valueError, "slice step cannot be zero") }
    func clamp(_ v: Int?, _ dflt: Int, lower: Int, upper: Int) -> Int {
        guard var v else { return dflt }
        if v < 0 { v += length }
        return min(max(v, lower), upper)
    }
    if step > 0 {
        return (clamp(start, 0, lower: 0, upper: length), clamp(stop, length, lower: 0, upper: length), step)
    }
    return (
        clamp(start, length - 1, lower: -1, upper: length - 1), clamp(stop, -1, lower: -1, upper: length - 1), step
    )
}

/// Python's `iter(value)` as a cursor: lists are walked live (items appended during
/// iteration are seen, as in Python), strings by code point, dicts by key.
struct ValueIterator {
    private enum Source {
        case array([Value])
        case list(ListBox)
        case iterator(PyIterator)
        case range(RangeObject)
    }

    private let source: Source
    private var i = 0

    private init(_ source: Source) { self.source = source }

    static let empty = ValueIterator(.array([]))

    /// Steps the iterator.
    mutating func next(_ r: Renderer) throws -> Value? {
        switch source {
        case .array(let xs):
            guard i < xs.count else { return nil }
            defer { i += 1 }
            return xs[i]
        case .list(let l):
            guard i < l.items.count else { return nil }
            defer { i += 1 }
            return l.items[i]
        case .iterator(let it):
            return try it.next(r)
        case .range(let rg):
            guard i < rg.count else { return nil }
            defer { i += 1 }
            return rg.at(i)
        }
    }

    /// Python's `iter(v)`; TypeError for non-iterables, empty for a lenient undefined.
    init(_ v: Value, _ r: Renderer) throws {
        switch v {
        case .list(let l): self.init(.list(l))
        case .tuple(let t): self.init(.array(t))
        case .string(let s): self.init(.array(s.unicodeScalars.map { .string(String($0)) }))
        case .dict(let d): self.init(.array(d.keys))
        case .undefined(let u):
            try r.failIfStrict(u)
            self.init(.array([]))
        case .object(let o):
            if let it = o as? PyIterator {
                self.init(.iterator(it))
            } else if let rg = o as? RangeObject {
                self.init(.range(rg))
            } else if let items = (o as? any RuntimeObject)?.iterationValues {
                self.init(.array(items))
            } else {
                throw TemplateError(.typeError, "'\(o.typeName)' object is not iterable")
            }
        default:
            throw TemplateError(.typeError, "'\(v.typeName)' object is not iterable")
        }
    }
}

extension Renderer {
    /// Python's `iter(v)`.
    func pyIter(_ v: Value) throws -> ValueIterator { try ValueIterator(v, self) }

    /// Python's `reversed(v)` as Jinja's `reverse` filter needs it: the reversed
    /// iterator object, or nil when the value is not reversible (TypeError in Python).
    func pyReversed(_ v: Value) throws -> PyIterator? {
        switch v {
        case .list(let l):
            var i = l.items.count - 1
            return PyIterator(type: "list_reverseiterator") { _ in
                guard i >= 0, i < l.items.count else { return nil }
                defer { i -= 1 }
                return l.items[i]
            }
        case .tuple(let t): return PyIterator(type: "reversed", items: t.reversed())
        case .string(let s):
            return PyIterator(type: "reversed", items: s.unicodeScalars.reversed().map { .string(String($0)) })
        case .dict(let d): return PyIterator(type: "dict_reversekeyiterator", items: d.keys.reversed())
        case .undefined(let u):
            // reversed() calls len(): 0 for Undefined, an error for StrictUndefined.
            try failIfStrict(u)
            return PyIterator(type: "reversed", items: [])
        case .object(let o):
            if let view = o as? DictView { return view.reversedIterator() }
            if let rg = o as? RangeObject {
                var i = rg.count - 1
                return PyIterator(type: "range_iterator") { _ in
                    guard i >= 0 else { return nil }
                    defer { i -= 1 }
                    return rg.at(i)
                }
            }
            if let ro = o as? any RuntimeObject, ro.isSequence, let items = ro.iterationValues {
                return PyIterator(type: "reversed", items: items.reversed())
            }
            return nil
        default:
            return nil
        }
    }
}
