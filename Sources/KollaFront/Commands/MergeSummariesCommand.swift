import Foundation

/// `kolla-oci merge-summaries [--output FILE] [--timings FILE] PATH...`: the summaries of
/// a build fanned out over CI jobs (files, or directories searched for `summary.json`)
/// as one kolla-build summary on standard output (and in `--output`); with `--timings`,
/// the jobs' `timings.json` files merged into one for the next `--plan-timings`.
struct MergeSummariesCommand {
    static let usage = """
        usage: kolla-oci merge-summaries [--output FILE] [--timings FILE] PATH...
          PATH  a kolla-build summary JSON file, or a directory searched for summary.json
                (and timings.json) files, as a pipeline's jobs leave them
        """

    let arguments: [String]

    func run() throws -> Int32 {
        let args = try ArgumentScanner(arguments, flags: [.init("--output", "-o"), .init("--timings")])
        guard !args.positionals.isEmpty else { throw UsageError("merge-summaries needs a summary file or directory") }
        var summaries: [String] = []
        var timingFiles: [String] = []
        for path in args.positionals {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw ConfigError.unreadable(path) }
            if !isDirectory.boolValue {
                summaries.append(path)
                continue
            }
            let found = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []).sorted()
            summaries += found.filter { ($0 as NSString).lastPathComponent == "summary.json" }.map { path + "/" + $0 }
            timingFiles += found.filter { ($0 as NSString).lastPathComponent == "timings.json" }.map { path + "/" + $0 }
        }
        guard !summaries.isEmpty else {
            throw CommandError("\(args.positionals.joined(separator: ", ")): no summary.json found")
        }
        let merged = try BuildSummary(merging: summaries)
        for line in merged.consoleLines(debug: false) { KollaOCI.printError(line) }
        let json = merged.json(indent: 4) + "\n"
        if let output = args.value("--output") {
            do {
                try Data(json.utf8).write(to: URL(fileURLWithPath: output))
            } catch {
                throw CommandError("\(output): \(error.localizedDescription)")
            }
        }
        FileHandle.standardOutput.write(Data(json.utf8))
        if let out = args.value("--timings") {
            var seconds: [String: Double] = [:]
            for file in timingFiles {
                for (name, s) in try BuildPlan.readTimings(file) { seconds[name] = s }
            }
            let text = "{\n" + seconds.keys.sorted().map { "  \(JSONTree.quote($0)): \(String(format: "%.1f", seconds[$0]!))" }.joined(separator: ",\n") + "\n}\n"
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: out))
            } catch {
                throw CommandError("\(out): \(error.localizedDescription)")
            }
        }
        return 0
    }
}
