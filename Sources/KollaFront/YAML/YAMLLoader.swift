import OCIBuild

/// A YAML document that cannot be loaded: the message and its 1-based line.
struct YAMLError: Error, CustomStringConvertible, Equatable {
    let message: String
    let line: Int
    var description: String { "line \(line): \(message)" }
}

/// `yaml.safe_load` on libyaml's events: PyYAML's composer (anchors, aliases, one document
/// per stream) and SafeConstructor (implicit and explicit tags, `<<` merge keys, Python's
/// dict semantics for keys), with PyYAML's error messages on one line.
enum YAMLLoader {
    /// The deepest nesting of collections accepted (PyYAML's own limit is Python's
    /// recursion limit, about 1000 levels; data files nest a handful).
    static let maxDepth = 256

    /// Loads the single document of `text` (an empty stream is `.null`).
    static func load(_ text: String) throws(YAMLError) -> YAMLValue {
        try load(bytes: Array(text.utf8))
    }

    /// Loads the single document of `bytes` (UTF-8, or UTF-16 with a byte order mark).
    static func load(bytes: [UInt8]) throws(YAMLError) -> YAMLValue {
        let events: [YAMLEvent]
        do {
            events = try yamlEvents(bytes)
        } catch let e as YAMLSyntaxError {
            throw YAMLError(message: e.message, line: e.line)
        } catch {
            throw YAMLError(message: "\(error)", line: 1)
        }
        var composer = Composer(events: events)
        guard let root = try composer.document() else { return .null }
        var constructor = Constructor()
        return try constructor.value(root)
    }
}

/// A node of the representation graph: PyYAML's `ScalarNode`, `SequenceNode`, `MappingNode`.
/// A class because aliases share nodes and merge-key flattening rewrites a mapping in place.
private final class Node {
    enum Content {
        case scalar(String)
        case sequence([Node])
        case mapping([(key: Node, value: Node)])
    }

    var tag: String
    var content: Content
    let line: Int

    init(tag: String, content: Content, line: Int) {
        self.tag = tag
        self.content = content
        self.line = line
    }

    /// PyYAML's `node.id`, for messages.
    var id: String {
        switch content {
        case .scalar: return "scalar"
        case .sequence: return "sequence"
        case .mapping: return "mapping"
        }
    }
}

/// PyYAML's `Composer`: events to nodes, resolving the tags of untagged nodes.
private struct Composer {
    let events: [YAMLEvent]
    var index = 0
    var anchors: [String: (node: Node, line: Int)] = [:]
    var depth = 0

    init(events: [YAMLEvent]) { self.events = events }

    /// Enters a collection, refusing nesting deeper than `YAMLLoader.maxDepth`.
    mutating func enter(_ event: YAMLEvent) throws(YAMLError) {
        depth += 1
        if depth > YAMLLoader.maxDepth {
            throw YAMLError(message: "collections nested more than \(YAMLLoader.maxDepth) levels deep", line: event.line)
        }
    }

    mutating func next() -> YAMLEvent {
        defer { index += 1 }
        return events[index]
    }

    /// The stream's one document, nil for an empty stream.
    mutating func document() throws(YAMLError) -> Node? {
        _ = next()  // stream start
        if events[index].kind == .streamEnd { return nil }
        let start = next()
        let root = try node()
        _ = next()  // document end
        if events[index].kind != .streamEnd {
            throw YAMLError(
                message: "expected a single document in the stream (from line \(start.line)), but found another document",
                line: events[index].line)
        }
        return root
    }

    mutating func node() throws(YAMLError) -> Node {
        let event = next()
        if event.kind == .alias {
            let name = event.anchor ?? ""
            guard let target = anchors[name] else {
                throw YAMLError(message: "found undefined alias \(pyRepr(name))", line: event.line)
            }
            return target.node
        }
        let tag = event.tag == "!" ? nil : event.tag
        let node: Node
        switch event.kind {
        case .scalar:
            let resolved = tag ?? (event.plainImplicit ? YAMLScalars.resolve(event.value) : YAMLScalars.strTag)
            node = Node(tag: resolved, content: .scalar(event.value), line: event.line)
            try register(event, node)
        case .sequenceStart:
            node = Node(tag: tag ?? YAMLScalars.seqTag, content: .sequence([]), line: event.line)
            try register(event, node)
            try enter(event)
            var items: [Node] = []
            while events[index].kind != .sequenceEnd { items.append(try self.node()) }
            _ = next()
            depth -= 1
            node.content = .sequence(items)
        default:  // mapping start
            node = Node(tag: tag ?? YAMLScalars.mapTag, content: .mapping([]), line: event.line)
            try register(event, node)
            try enter(event)
            var pairs: [(key: Node, value: Node)] = []
            while events[index].kind != .mappingEnd {
                let key = try self.node()
                pairs.append((key, try self.node()))
            }
            _ = next()
            depth -= 1
            node.content = .mapping(pairs)
        }
        return node
    }

    /// Records an anchor before the node's children are composed, as PyYAML does.
    mutating func register(_ event: YAMLEvent, _ node: Node) throws(YAMLError) {
        guard let name = event.anchor else { return }
        if let first = anchors[name] {
            throw YAMLError(
                message: "found duplicate anchor \(pyRepr(name)); first occurrence at line \(first.line)", line: event.line)
        }
        anchors[name] = (node, event.line)
    }
}

/// PyYAML's `SafeConstructor`: nodes to typed values. A node reached twice through aliases
/// is built once.
private struct Constructor {
    var built: [ObjectIdentifier: YAMLValue] = [:]
    var building: Set<ObjectIdentifier> = []
    var depths: [ObjectIdentifier: Int] = [:]

    mutating func value(_ node: Node) throws(YAMLError) -> YAMLValue {
        let id = ObjectIdentifier(node)
        if let v = built[id] { return v }
        guard building.insert(id).inserted else {
            // Python builds a list or dict that contains itself; a value type cannot.
            throw YAMLError(message: "found a node that contains itself through an alias", line: node.line)
        }
        defer { building.remove(id) }
        let v = try construct(node)
        // Aliases stack nodes deeper than the text nests them (each line one alias deeper),
        // and code walking a value recurses: the limit holds for values too.
        if depth(of: node) > YAMLLoader.maxDepth {
            throw YAMLError(message: "collections nested more than \(YAMLLoader.maxDepth) levels deep through aliases", line: node.line)
        }
        built[id] = v
        return v
    }

    /// How deeply collections nest in the value of `node` (0 for a scalar), memoized.
    mutating func depth(of node: Node) -> Int {
        let id = ObjectIdentifier(node)
        if let d = depths[id] { return d }
        var d = 0
        switch node.content {
        case .scalar: break
        case .sequence(let items): for item in items { d = max(d, depth(of: item) + 1) }
        case .mapping(let pairs): for (k, v) in pairs { d = max(d, depth(of: k) + 1, depth(of: v) + 1) }
        }
        depths[id] = d
        return d
    }

    func scalar(_ node: Node) throws(YAMLError) -> String {
        guard case .scalar(let s) = node.content else {
            throw YAMLError(message: "expected a scalar node, but found \(node.id)", line: node.line)
        }
        return s
    }

    func typed<T>(_ node: Node, _ make: (String) throws(YAMLScalars.Invalid) -> T) throws(YAMLError) -> T {
        let s = try scalar(node)
        do {
            return try make(s)
        } catch {
            throw YAMLError(message: error.message, line: node.line)
        }
    }

    mutating func construct(_ node: Node) throws(YAMLError) -> YAMLValue {
        switch node.tag {
        case YAMLScalars.nullTag:
            _ = try scalar(node)
            return .null
        case YAMLScalars.boolTag: return .bool(try typed(node, YAMLScalars.bool))
        case YAMLScalars.intTag: return .int(try typed(node, YAMLScalars.int))
        case YAMLScalars.floatTag: return .float(try typed(node, YAMLScalars.float))
        case YAMLScalars.timestampTag: return .timestamp(try typed(node, YAMLScalars.timestamp))
        case YAMLScalars.binaryTag: return .binary(try typed(node, YAMLScalars.binary))
        case YAMLScalars.strTag: return .string(try scalar(node))
        case YAMLScalars.seqTag:
            guard case .sequence(let items) = node.content else {
                throw YAMLError(message: "expected a sequence node, but found \(node.id)", line: node.line)
            }
            var out: [YAMLValue] = []
            out.reserveCapacity(items.count)
            for item in items { out.append(try value(item)) }
            return .sequence(out)
        case YAMLScalars.mapTag:
            return .mapping(try mapping(node))
        case YAMLScalars.setTag:
            return .mapping(try mapping(node).map { ($0.key, .null) })
        case YAMLScalars.omapTag, YAMLScalars.pairsTag:
            let what = node.tag == YAMLScalars.omapTag ? "an ordered map" : "pairs"
            guard case .sequence(let items) = node.content else {
                throw YAMLError(message: "while constructing \(what): expected a sequence, but found \(node.id)", line: node.line)
            }
            var out: [YAMLValue] = []
            for item in items {
                guard case .mapping(let pairs) = item.content else {
                    throw YAMLError(
                        message: "while constructing \(what): expected a mapping of length 1, but found \(item.id)", line: item.line)
                }
                guard pairs.count == 1 else {
                    throw YAMLError(
                        message: "while constructing \(what): expected a single mapping item, but found \(pairs.count) items",
                        line: item.line)
                }
                out.append(.sequence([try value(pairs[0].key), try value(pairs[0].value)]))
            }
            return .sequence(out)
        default:
            throw YAMLError(message: "could not determine a constructor for the tag \(pyRepr(node.tag))", line: node.line)
        }
    }

    /// `construct_mapping`: merge keys flattened first, then pairs in order with Python's
    /// dict semantics (a repeated key keeps its first place and takes the last value).
    mutating func mapping(_ node: Node) throws(YAMLError) -> [(key: YAMLValue, value: YAMLValue)] {
        guard case .mapping = node.content else {
            throw YAMLError(message: "expected a mapping node, but found \(node.id)", line: node.line)
        }
        var flattening: Set<ObjectIdentifier> = []
        try flatten(node, &flattening)
        guard case .mapping(let pairs) = node.content else { return [] }
        var out: [(key: YAMLValue, value: YAMLValue)] = []
        var position: [KeyIdentity: Int] = [:]
        for (keyNode, valueNode) in pairs {
            let key = try value(keyNode)
            guard let identity = KeyIdentity(key) else {
                throw YAMLError(message: "while constructing a mapping (line \(node.line)): found unhashable key", line: keyNode.line)
            }
            let v = try value(valueNode)
            if let i = position[identity] {
                out[i].value = v
            } else {
                position[identity] = out.count
                out.append((key, v))
            }
        }
        return out
    }

    /// `flatten_mapping`: each `<<` pair replaced by the pairs of the mapping (or mappings,
    /// the later ones first) it names, placed before the mapping's own pairs.
    func flatten(_ node: Node, _ active: inout Set<ObjectIdentifier>) throws(YAMLError) {
        guard case .mapping(var pairs) = node.content else { return }
        guard active.insert(ObjectIdentifier(node)).inserted else {
            throw YAMLError(message: "while constructing a mapping: a merge key includes the mapping itself", line: node.line)
        }
        defer { active.remove(ObjectIdentifier(node)) }
        var merge: [(key: Node, value: Node)] = []
        var index = 0
        while index < pairs.count {
            let (key, value) = pairs[index]
            if key.tag == YAMLScalars.mergeTag {
                pairs.remove(at: index)
                switch value.content {
                case .mapping:
                    try flatten(value, &active)
                    if case .mapping(let inner) = value.content { merge += inner }
                case .sequence(let items):
                    var submerge: [[(key: Node, value: Node)]] = []
                    for item in items {
                        guard case .mapping = item.content else {
                            throw YAMLError(
                                message: "while constructing a mapping (line \(node.line)): expected a mapping for merging, but found \(item.id)",
                                line: item.line)
                        }
                        try flatten(item, &active)
                        if case .mapping(let inner) = item.content { submerge.append(inner) }
                    }
                    for inner in submerge.reversed() { merge += inner }
                case .scalar:
                    throw YAMLError(
                        message: "while constructing a mapping (line \(node.line)): expected a mapping or list of mappings for merging, but found scalar",
                        line: value.line)
                }
            } else {
                if key.tag == YAMLScalars.valueTag { key.tag = YAMLScalars.strTag }
                index += 1
            }
        }
        node.content = .mapping(merge + pairs)
    }
}

/// Python's equality for dict keys: `True`, `1` and `1.0` are one key.
private enum KeyIdentity: Hashable {
    case null
    case number(Int)
    case float(Double)
    case string(String)
    case binary([UInt8])
    case timestamp(String)

    /// nil for unhashable values (lists, dicts).
    init?(_ v: YAMLValue) {
        switch v {
        case .null: self = .null
        case .bool(let b): self = .number(b ? 1 : 0)
        case .int(let i): self = .number(i)
        case .float(let d):
            if d.rounded() == d, let i = Int(exactly: d) { self = .number(i) } else { self = .float(d) }
        case .string(let s): self = .string(s)
        case .binary(let b): self = .binary(b)
        case .timestamp(let t): self = .timestamp(t)
        case .sequence, .mapping: return nil
        }
    }
}
