import Foundation
import OCIBuild

/// kolla-build's end-of-build summary (`KollaWorker.summary`): the five buckets, the
/// console sections, the JSON object and the exit status.
struct BuildSummary: Equatable, Sendable {
    var built: [String] = []
    /// name → status; includes images allowed to fail (kolla lists them too).
    var failed: [(name: String, status: ImageStatus)] = []
    var notMatched: [String] = []
    var skipped: [String] = []
    var unbuildable: [String] = []
    var allowedToFail: Set<String> = []
    /// Where the time went (`--timings`): added to the JSON as "timings" when set.
    var timings: PhaseTimes?

    static func == (a: BuildSummary, b: BuildSummary) -> Bool {
        a.built == b.built && a.notMatched == b.notMatched && a.skipped == b.skipped && a.unbuildable == b.unbuildable
            && a.failed.map(\.name) == b.failed.map(\.name) && a.failed.map(\.status) == b.failed.map(\.status)
    }

    /// Buckets the final statuses (names sorted in each bucket).
    init(images: [ImageNode], allowedToFail: [String]) {
        self.allowedToFail = Set(allowedToFail)
        var failed: [String: ImageStatus] = [:]
        for img in images {
            switch img.status {
            case .built: built.append(img.name)
            case .unmatched: notMatched.append(img.name)
            case .skipped: skipped.append(img.name)
            case .unbuildable: unbuildable.append(img.name)
            default: failed[img.name] = img.status
            }
        }
        built.sort()
        notMatched.sort()
        skipped.sort()
        unbuildable.sort()
        self.failed = failed.keys.sorted().map { ($0, failed[$0]!) }
    }

    /// 1 when an image outside `allowed_to_fail` failed.
    var exitStatus: Int32 {
        failed.contains { !allowedToFail.contains($0.name) } ? 1 : 0
    }

    /// The JSON object: one line with Python's separators, or `indent=4` for a file;
    /// no trailing newline either way.
    func json(indent: Int?) -> String {
        func names(_ xs: [String]) -> [String] { xs.map { "{\"name\": \(JSONTree.quote($0))}" } }
        let failedItems = failed.map { "{\"name\": \(JSONTree.quote($0.name)), \"status\": \(JSONTree.quote($0.status.rawValue))}" }
        let buckets: [(String, [String])] = [
            ("built", names(built)), ("failed", failedItems), ("not_matched", names(notMatched)),
            ("skipped", names(skipped)), ("unbuildable", names(unbuildable)),
        ]
        let timingsItem = timings.map { "\"timings\": " + $0.json() }
        guard let indent else {
            return "{" + (buckets.map { "\"\($0.0)\": [" + $0.1.joined(separator: ", ") + "]" } + [timingsItem].compactMap { $0 })
                .joined(separator: ", ") + "}"
        }
        // json.dump(indent=N): nested objects are laid out over lines too.
        let p1 = String(repeating: " ", count: indent)
        let p2 = String(repeating: " ", count: indent * 2)
        let p3 = String(repeating: " ", count: indent * 3)
        func object(_ pairs: [(String, String)]) -> String {
            "{\n" + pairs.map { p3 + "\"\($0.0)\": \(JSONTree.quote($0.1))" }.joined(separator: ",\n") + "\n" + p2 + "}"
        }
        var parts: [String] = []
        for (key, _) in buckets {
            let items: [String]
            switch key {
            case "built": items = built.map { object([("name", $0)]) }
            case "failed": items = failed.map { object([("name", $0.name), ("status", $0.status.rawValue)]) }
            case "not_matched": items = notMatched.map { object([("name", $0)]) }
            case "skipped": items = skipped.map { object([("name", $0)]) }
            default: items = unbuildable.map { object([("name", $0)]) }
            }
            parts.append(p1 + "\"\(key)\": " + (items.isEmpty ? "[]" : "[\n" + items.map { p2 + $0 }.joined(separator: ",\n") + "\n" + p1 + "]"))
        }
        if let timingsItem { parts.append(p1 + timingsItem) }
        return "{\n" + parts.joined(separator: ",\n") + "\n}"
    }

    /// The console sections kolla logs (INFO/ERROR lines, headings framed by `=`).
    func consoleLines(debug: Bool) -> [String] {
        var lines: [String] = []
        func section(_ title: String, _ items: [String]) {
            let bar = String(repeating: "=", count: title.count)
            lines += [bar, title, bar] + items
        }
        if !built.isEmpty { section("Successfully built images", built) }
        if !failed.isEmpty {
            section(
                "Images that failed to build",
                failed.map { "\($0.name) Failed with status: \($0.status.rawValue)" + (allowedToFail.contains($0.name) ? " (allowed to fail)" : "") })
        }
        if debug && !notMatched.isEmpty { section("Images not matched for build by regex", notMatched) }
        if !skipped.isEmpty { section("Images skipped due to build options", skipped) }
        if !unbuildable.isEmpty { section("Images not buildable due to build options", unbuildable) }
        return lines
    }
}
