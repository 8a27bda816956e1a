import Foundation

/// The summaries of a fanned-out build (one per CI job) as one kolla-build summary.
///
/// Every job's summary names every image of the tree: those of other shards and stages
/// as skipped. An image takes the strongest state any job gave it: built, then failed,
/// then unbuildable, then skipped, then not matched.
extension BuildSummary {
    /// One job's summary as kolla-build writes it.
    private struct File: Decodable {
        struct Named: Decodable { let name: String }
        struct Failed: Decodable {
            let name: String
            let status: String
        }
        let built: [Named]
        let failed: [Failed]
        let not_matched: [Named]
        let skipped: [Named]
        let unbuildable: [Named]
    }

    /// Reads a kolla-build summary JSON file.
    static func read(_ path: String) throws -> [ImageNode] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigError.unreadable(path) }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw ConfigError.dataFile(path, "not a kolla-build summary (expected the keys built, failed, not_matched, skipped, unbuildable)")
        }
        func node(_ name: String, _ status: ImageStatus) -> ImageNode {
            var n = ImageNode(name: name, canonicalName: name, path: "", parentName: "")
            n.status = status
            return n
        }
        var nodes = file.built.map { node($0.name, .built) }
        for f in file.failed {
            guard let status = ImageStatus(rawValue: f.status), status.isError else {
                throw ConfigError.dataFile(path, "image \(f.name) has an unknown failure status '\(f.status)'")
            }
            nodes.append(node(f.name, status))
        }
        nodes += file.not_matched.map { node($0.name, .unmatched) }
        nodes += file.skipped.map { node($0.name, .skipped) }
        nodes += file.unbuildable.map { node($0.name, .unbuildable) }
        return nodes
    }

    /// The merged summary of `files` (read in order; the first failure status of an
    /// image wins among equally strong ones).
    init(merging files: [String]) throws {
        func rank(_ s: ImageStatus) -> Int {
            switch s {
            case .built: return 4
            case .unbuildable: return 2
            case .skipped: return 1
            case .unmatched: return 0
            default: return s.isError ? 3 : 0
            }
        }
        var strongest: [String: ImageNode] = [:]
        var order: [String] = []
        for path in files {
            for node in try Self.read(path) {
                if let seen = strongest[node.name] {
                    if rank(node.status) > rank(seen.status) { strongest[node.name] = node }
                } else {
                    strongest[node.name] = node
                    order.append(node.name)
                }
            }
        }
        self.init(images: order.map { strongest[$0]! }, allowedToFail: [])
    }
}
