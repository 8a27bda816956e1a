import Foundation

/// The build plan of a run for CI engines: matched images with their parents, the stage
/// (depth below the root among matched images, so every stage's parents are in earlier
/// stages) and the shard that builds each image.
///
/// Within a stage, images are dealt to shards by weight, heaviest first, each to the
/// least loaded shard (lowest index on a tie): with recorded build times
/// (`--plan-timings`) the shards of a stage finish close together; without them every
/// image weighs the same and the deal is round-robin by name.
struct BuildPlan: Sendable {
    struct Entry: Sendable, Equatable {
        let name: String
        let canonicalName: String
        let parent: String?
        let stage: Int
        let shard: Int
        /// The recorded build time, when the timings named this image.
        let seconds: Double?
    }

    let entries: [Entry]
    let shards: Int
    /// Whether a planned image has a recorded build time: weights are seconds, not counts.
    let timed: Bool

    /// Plans the graph's matched images split over `shards` shards, weighted by
    /// `timings` (image name → seconds of its last build).
    init(graph: ImageGraph, shards: Int, timings: [String: Double] = [:]) {
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
        let shards = max(1, shards)
        let weight = Self.weights(names: byStage.values.joined().map { images[$0].name }, timings: timings)
        var entries: [Entry] = []
        for stage in byStage.keys.sorted() {
            // Deterministic: heaviest first, by name on equal weight; ties to the lowest shard.
            let order = byStage[stage]!.sorted {
                let (a, b) = (images[$0].name, images[$1].name)
                return weight[a]! != weight[b]! ? weight[a]! > weight[b]! : a < b
            }
            var load = [Double](repeating: 0, count: shards)
            var assigned: [String: Int] = [:]
            for i in order {
                let shard = load.indices.min { load[$0] != load[$1] ? load[$0] < load[$1] : $0 < $1 }!
                load[shard] += weight[images[i].name]!
                assigned[images[i].name] = shard
            }
            for i in byStage[stage]!.sorted(by: { images[$0].name < images[$1].name }) {
                let img = images[i]
                entries.append(
                    Entry(
                        name: img.name, canonicalName: img.canonicalName, parent: img.parent.map { images[$0].name },
                        stage: stage, shard: assigned[img.name]!, seconds: timings[img.name]))
            }
        }
        self.entries = entries
        self.shards = shards
        self.timed = entries.contains { $0.seconds != nil }
    }

    /// Each image's weight: its recorded seconds, else the median of the recorded ones
    /// (an image new to the tree is taken to be typical), else 1 (counting images).
    private static func weights(names: [String], timings: [String: Double]) -> [String: Double] {
        let known = names.compactMap { timings[$0] }.sorted()
        let typical = known.isEmpty ? 1 : known[known.count / 2]
        return Dictionary(uniqueKeysWithValues: names.map { ($0, timings[$0] ?? typical) })
    }

    /// The number of stages.
    var stageCount: Int { (entries.map(\.stage).max() ?? -1) + 1 }

    /// The images of stage `stage`, by name.
    func images(stage: Int) -> [Entry] { entries.filter { $0.stage == stage } }

    /// How many shards of stage `stage` build anything (the first ones: a stage with
    /// fewer images than shards leaves the last shards empty).
    func busyShards(stage: Int) -> Int { Set(images(stage: stage).map(\.shard)).count }

    /// Names of the images shard `shard` (and stage `stage`, when given) builds.
    func selection(shard: Int?, stage: Int?) -> Set<String> {
        Set(entries.filter { e in (shard == nil || e.shard == shard) && (stage == nil || e.stage == stage) }.map(\.name))
    }

    /// The weight `weights` gives each entry (seconds when timed, else 1 per image).
    private var entryWeights: [String: Double] {
        Self.weights(names: entries.map(\.name), timings: Dictionary(uniqueKeysWithValues: entries.compactMap { e in e.seconds.map { (e.name, $0) } }))
    }

    /// The heaviest chain of parents and children among the planned images: a lower
    /// bound on any schedule's duration. Seconds are nil without timings.
    var criticalPath: (images: [String], seconds: Double?) {
        let weight = entryWeights
        let byName = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0) })
        var best: (images: [String], total: Double) = ([], 0)
        for e in entries.sorted(by: { $0.name < $1.name }) {
            var chain = [e.name]
            var total = weight[e.name]!
            var parent = e.parent
            while let p = parent, let pe = byName[p] {
                chain.insert(p, at: 0)
                total += weight[p]!
                parent = pe.parent
            }
            if total > best.total + 1e-9 { best = (chain, total) }
        }
        return (best.images, timed ? best.total : nil)
    }

    /// The time a stage-by-stage run takes when every stage waits for its slowest
    /// shard: the sum over stages of the heaviest shard's load. Nil without timings.
    var stagedSeconds: Double? {
        guard timed else { return nil }
        let weight = entryWeights
        return (0..<stageCount).reduce(0) { sum, s in
            var load: [Int: Double] = [:]
            for e in images(stage: s) { load[e.shard, default: 0] += weight[e.name]! }
            return sum + (load.values.max() ?? 0)
        }
    }

    /// The plan as JSON (stable key order, one image per line).
    func json() -> String {
        func number(_ x: Double?) -> String {
            guard let x else { return "null" }
            return String(format: "%.1f", x)
        }
        var out = "{\n  \"shards\": \(shards),\n  \"stages\": [\n"
        out += (0..<stageCount).map { s in
            "    [" + images(stage: s).map { JSONTree.quote($0.name) }.joined(separator: ", ") + "]"
        }.joined(separator: ",\n")
        out += "\n  ],\n  \"images\": [\n"
        out += entries.map { e in
            "    {\"name\": \(JSONTree.quote(e.name)), \"image\": \(JSONTree.quote(e.canonicalName)), \"parent\": \(e.parent.map(JSONTree.quote) ?? "null"), \"stage\": \(e.stage), \"shard\": \(e.shard), \"seconds\": \(number(e.seconds))}"
        }.joined(separator: ",\n")
        let path = criticalPath
        out += "\n  ],\n  \"critical_path\": {\"images\": [" + path.images.map(JSONTree.quote).joined(separator: ", ")
            + "], \"seconds\": \(number(path.seconds))},\n"
        out += "  \"staged_seconds\": \(number(stagedSeconds))\n}\n"
        return out
    }

    /// Parses `I/N` (0 ≤ I < N).
    static func parseShard(_ text: String) throws -> (index: Int, count: Int) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else {
            throw ConfigError.badValue(source: "command line", option: "shard", value: text, reason: "expected I/N with 0 <= I < N")
        }
        return (i, n)
    }

    /// Reads a timings file: a JSON object of image name → seconds (as a build writes
    /// to `LOGS_DIR/timings.json` and `merge-summaries --timings` merges).
    static func readTimings(_ path: String) throws -> [String: Double] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigError.unreadable(path) }
        guard let dict = try? JSONDecoder().decode([String: Double].self, from: data) else {
            throw ConfigError.dataFile(path, "expected a JSON object of image name to seconds")
        }
        var out: [String: Double] = [:]
        for (name, seconds) in dict {
            guard seconds >= 0, seconds.isFinite else { throw ConfigError.dataFile(path, "the time of \(name) is not a number of seconds") }
            out[name] = seconds
        }
        return out
    }
}
