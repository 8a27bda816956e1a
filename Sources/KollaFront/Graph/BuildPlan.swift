/// The build plan of a run for CI engines: matched images with their parents, the stage
/// (depth below the root among matched images, so every stage's parents are in earlier
/// stages) and the shard that builds each image.
struct BuildPlan: Sendable {
    struct Entry: Sendable, Equatable {
        let name: String
        let canonicalName: String
        let parent: String?
        let stage: Int
        let shard: Int
    }

    let entries: [Entry]
    let shards: Int

    /// Plans the graph's matched images split over `shards` shards.
    init(graph: ImageGraph, shards: Int) {
        let images = graph.images
        func depth(_ i: Int) -> Int {
            var d = 0
            var c = i
            while let p = images[c].parent, images[p].status == .matched {
                d += 1
                c = p
            }
            return d
        }
        var byStage: [Int: [Int]] = [:]
        for (i, img) in images.enumerated() where img.status == .matched {
            byStage[depth(i), default: []].append(i)
        }
        var entries: [Entry] = []
        for stage in byStage.keys.sorted() {
            // Deterministic: by name within the stage, dealt round-robin.
            for (k, i) in byStage[stage]!.sorted(by: { images[$0].name < images[$1].name }).enumerated() {
                let img = images[i]
                entries.append(
                    Entry(
                        name: img.name, canonicalName: img.canonicalName, parent: img.parent.map { images[$0].name },
                        stage: stage, shard: k % max(1, shards)))
            }
        }
        self.entries = entries
        self.shards = max(1, shards)
    }

    /// Names of the images shard `shard` (and stage `stage`, when given) builds.
    func selection(shard: Int?, stage: Int?) -> Set<String> {
        Set(entries.filter { e in (shard == nil || e.shard == shard) && (stage == nil || e.stage == stage) }.map(\.name))
    }

    /// The plan as JSON (stable key order, one image per line).
    func json() -> String {
        let stageCount = (entries.map(\.stage).max() ?? -1) + 1
        var out = "{\n  \"shards\": \(shards),\n  \"stages\": [\n"
        out += (0..<stageCount).map { s in
            "    [" + entries.filter { $0.stage == s }.map { JSONTree.quote($0.name) }.joined(separator: ", ") + "]"
        }.joined(separator: ",\n")
        out += "\n  ],\n  \"images\": [\n"
        out += entries.map { e in
            "    {\"name\": \(JSONTree.quote(e.name)), \"image\": \(JSONTree.quote(e.canonicalName)), \"parent\": \(e.parent.map(JSONTree.quote) ?? "null"), \"stage\": \(e.stage), \"shard\": \(e.shard)}"
        }.joined(separator: ",\n")
        return out + "\n  ]\n}\n"
    }

    /// Parses `I/N` (0 ≤ I < N).
    static func parseShard(_ text: String) throws -> (index: Int, count: Int) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else {
            throw ConfigError.badValue(source: "command line", option: "shard", value: text, reason: "expected I/N with 0 <= I < N")
        }
        return (i, n)
    }
}
