import Foundation
import OCIBuild

/// kolla-build's image statuses (`kolla/image/utils.py`), with kolla's spellings.
enum ImageStatus: String, Sendable, CaseIterable {
    case unprocessed, matched, unmatched, skipped, unbuildable, building, built, error
    case parentError = "parent_error"
    case pushError = "push_error"
    case connectionError = "connection_error"

    /// kolla's `STATUS_ERRORS`.
    var isError: Bool { [.error, .parentError, .pushError, .connectionError].contains(self) }
}

/// One image of the tree: a directory with a `Dockerfile.j2`.
struct ImageNode: Sendable {
    let name: String
    /// `[registry/]namespace/prefix+name:tag`.
    let canonicalName: String
    let path: String
    /// The second word of the first `FROM` line (kolla's parent token, quirks included).
    let parentName: String
    var status: ImageStatus = .unprocessed
    var parent: Int?
    var children: [Int] = []
}

/// The image graph in discovery order, indexes for links (kolla's `KollaWorker.images`).
struct ImageGraph: Sendable {
    private(set) var images: [ImageNode] = []

    /// Reads each rendered Dockerfile's first `FROM` and links parents by canonical name.
    init(paths: [String], namespace: String, prefix: String, tag: String) throws {
        // The Dockerfiles are independent: read and scanned on all cores.
        let tokens: [String?] = Concurrently.map(paths.count) { i in
            (try? FileSystem.readFile(paths[i] + "/Dockerfile")).map { ImageGraph.parentToken(String(decoding: $0, as: UTF8.self)) }
        }
        for (i, path) in paths.enumerated() {
            let name = (path as NSString).lastPathComponent
            guard let parentName = tokens[i] else { throw ConfigError.unreadable(path + "/Dockerfile") }
            images.append(
                ImageNode(
                    name: name, canonicalName: "\(namespace)/\(prefix)\(name):\(tag)", path: path,
                    parentName: parentName))
        }
        // kolla's find_parents: a dict by canonical name (a later duplicate wins), children
        // in discovery order.
        var byName: [String: Int] = [:]
        var order: [String] = []
        for (i, img) in images.enumerated() {
            if byName[img.canonicalName] == nil { order.append(img.canonicalName) }
            byName[img.canonicalName] = i
        }
        // Children grouped by parent token in one pass (not a scan of all images per image).
        var childrenByParent: [String: [Int]] = [:]
        for name in order {
            let c = byName[name]!
            childrenByParent[images[c].parentName, default: []].append(c)
        }
        for parentName in order {
            let p = byName[parentName]!
            for c in childrenByParent[parentName] ?? [] {
                images[p].children.append(c)
                images[c].parent = p
            }
        }
    }

    /// The parent token: the first line starting with `FROM` (any case), split on single
    /// spaces, second field ("" when there is none).
    static func parentToken(_ dockerfile: String) -> String {
        // Line by line up to the first match (the FROM is near the top), not a split of it all.
        var rest = Substring(dockerfile)
        while true {
            let end = rest.firstIndex(of: "\n") ?? rest.endIndex
            let line = rest[..<end]
            if line.prefix(4).count == 4, line.prefix(4).uppercased() == "FROM" {
                let fields = line.split(separator: " ", omittingEmptySubsequences: false)
                return fields.count > 1 ? String(fields[1]) : ""
            }
            guard end < rest.endIndex else { return "" }
            rest = rest[rest.index(after: end)...]
        }
    }

    /// Names of unbuildable images for `base`/`arch` from the table (keys `distro`,
    /// `arch`, `a+b`, matched as `^(base|arch)(\+(base|arch))*$`).
    static func unbuildableNames(_ table: [(String, [String])], base: String, arch: String) -> Set<String> {
        var out = Set<String>()
        for (key, names) in table {
            let parts = key.split(separator: "+", omittingEmptySubsequences: false)
            if !parts.isEmpty, parts.allSatisfy({ $0 == base || $0 == arch }) { out.formUnion(names) }
        }
        return out
    }

    /// kolla's `filter_images`: unbuildable marking (with descendants), regex/profile
    /// matching with ancestors force-matched, then the skip rules.
    mutating func filter(
        patterns: [String], unbuildable: Set<String>, skipParents: Bool, skipExisting: (ImageNode) -> Bool
    ) throws {
        if !unbuildable.isEmpty {
            for i in images.indices {
                if unbuildable.contains(images[i].name) {
                    images[i].status = .unbuildable
                    continue
                }
                var a = i
                while let p = images[a].parent {
                    a = p
                    if unbuildable.contains(images[a].name) || images[a].status == .unbuildable {
                        images[a].status = .unbuildable
                        images[i].status = .unbuildable
                        break
                    }
                }
            }
        }
        if !patterns.isEmpty {
            let regex = try PythonRegex("(" + patterns.joined(separator: "|") + ")")
            for i in images.indices {
                if images[i].status == .matched || images[i].status == .unbuildable { continue }
                if regex.search(images[i].name) {
                    images[i].status = .matched
                    var a = i
                    while let p = images[a].parent, images[p].status != .matched {
                        images[p].status = .matched
                        a = p
                    }
                } else {
                    images[i].status = .unmatched
                }
            }
        } else {
            for i in images.indices where images[i].status != .unbuildable { images[i].status = .matched }
        }
        for i in images.indices where images[i].status == .matched {
            if skipExisting(images[i]) {
                images[i].status = .skipped
            } else if skipParents && !images[i].children.isEmpty {
                images[i].status = .skipped
            }
        }
    }

    mutating func setStatus(_ i: Int, _ s: ImageStatus) { images[i].status = s }

    var matched: [ImageNode] { images.filter { $0.status == .matched } }

    // MARK: - listings

    /// `--list-images`: `N : name` for matched images in discovery order.
    func listImages() -> String {
        matched.enumerated().map { "\($0.offset + 1) : \($0.element.name)\n" }.joined()
    }

    /// `--list-dependencies`: the tree under the last parentless image, as kolla's
    /// `json.dump(indent=2)` (no trailing newline), or `Nothing matched!`.
    func listDependencies() -> String {
        guard images.contains(where: { $0.status == .matched }), let root = images.lastIndex(where: { $0.parent == nil }) else {
            return "Nothing matched!\n"
        }
        func children(_ i: Int) -> [JSONTree] {
            images[i].children.compactMap { c in
                guard images[c].status == .matched else { return nil }
                return images[c].children.isEmpty ? .leaf(images[c].name) : .node(images[c].name, children(c))
            }
        }
        return JSONTree.node(images[root].name, children(root)).render(level: 0)
    }

    /// `--save-dependency`: the Graphviz source kolla writes through `graphviz.Digraph`.
    func dot() -> String {
        var body: [String] = ["rankdir=LR"]
        for img in images where img.status == .matched {
            body.append("\t\(ImageGraph.dotID(img.name))\n")
            if let p = img.parent {
                body.append("\t\(ImageGraph.dotID(images[p].name)) -> \(ImageGraph.dotID(img.name))\n")
            }
        }
        return "// Container Images Dependency\ndigraph {\n" + body.joined() + "}\n"
    }

    /// graphviz's `quote`: plain IDs stay bare, others are double-quoted.
    static func dotID(_ s: String) -> String {
        let keywords: Set<String> = ["node", "edge", "graph", "digraph", "subgraph", "strict"]
        let isID = s.first.map { $0.isLetter || $0 == "_" } == true && s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
        let isNumber = s.range(of: #"^-?(\.[0-9]+|[0-9]+(\.[0-9]*)?)$"#, options: .regularExpression) != nil
        if (isID || isNumber) && !keywords.contains(s.lowercased()) { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// The nested structure `--list-dependencies` prints.
indirect enum JSONTree {
    case leaf(String)
    case node(String, [JSONTree])

    /// Python's `json.dump(obj, indent=2)` of `{name: [children]}` / `"name"`.
    func render(level: Int) -> String {
        let pad = String(repeating: "  ", count: level)
        switch self {
        case .leaf(let s): return JSONTree.quote(s)
        case .node(let name, let children):
            let inner = String(repeating: "  ", count: level + 1)
            let list: String
            if children.isEmpty {
                list = "[]"
            } else {
                let item = String(repeating: "  ", count: level + 2)
                list = "[\n" + children.map { item + $0.render(level: level + 2) }.joined(separator: ",\n") + "\n" + inner + "]"
            }
            return "{\n" + inner + JSONTree.quote(name) + ": " + list + "\n" + pad + "}"
        }
    }

    static func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
