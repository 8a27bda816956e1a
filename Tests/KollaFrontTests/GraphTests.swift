import Foundation
import TestSupport
import Testing

@testable import KollaFront
import OCIBuild

/// Parents, unbuildable propagation, regex/profile matching, skip rules and listings,
/// on a tree written in a fixed order (base → openstack-base → keystone-base → leaves, cron).
@Suite struct GraphTests {
    static let images: [(String, String)] = [
        ("base", "FROM debian:bookworm"), ("cron", "FROM kolla/base:t"), ("openstack-base", "from kolla/base:t"),
        ("keystone-base", "FROM kolla/openstack-base:t"), ("keystone", "FROM kolla/keystone-base:t"),
        ("keystone-fernet", "FROM kolla/keystone-base:t"), ("barbican-keystone-listener", "FROM kolla/openstack-base:t"),
        ("rockyonly", "FROM kolla/base:t\nRUN x"),
    ]

    func graph() throws -> (ImageGraph, TemporaryDirectory) {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-graph")
        var paths: [String] = []
        for (name, from) in Self.images {
            let p = dir.path + "/" + name
            try FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
            try (from + "\n").write(toFile: p + "/Dockerfile", atomically: true, encoding: .utf8)
            paths.append(p)
        }
        return (try ImageGraph(paths: paths, namespace: "kolla", prefix: "", tag: "t"), dir)
    }

    func statuses(_ g: ImageGraph) -> [String: ImageStatus] {
        Dictionary(uniqueKeysWithValues: g.images.map { ($0.name, $0.status) })
    }

    @Test func parentsAreLinkedByCanonicalName() throws {
        let (g, dir) = try graph()
        defer { try? dir.remove() }
        let byName = Dictionary(uniqueKeysWithValues: g.images.enumerated().map { ($0.element.name, $0.offset) })
        #expect(g.images[byName["keystone"]!].parent == byName["keystone-base"])
        // `from` in lower case counts (kolla 23 matches FROM case-insensitively).
        #expect(g.images[byName["openstack-base"]!].parent == byName["base"])
        #expect(g.images[byName["base"]!].parent == nil)
        #expect(g.images[byName["base"]!].children.map { g.images[$0].name } == ["cron", "openstack-base", "rockyonly"])
        #expect(ImageGraph.parentToken("# x\nFROM  two-spaces\n") == "")
        #expect(ImageGraph.parentToken("FROM --platform=x y\n") == "--platform=x")
    }

    @Test func regexMatchesFragmentsAndForcesAncestors() throws {
        var (g, dir) = try graph()
        defer { try? dir.remove() }
        try g.filter(patterns: ["keystone"], unbuildable: [], skipParents: false, skipExisting: { _ in false })
        let s = statuses(g)
        #expect(s["keystone"] == .matched && s["barbican-keystone-listener"] == .matched)
        #expect(s["openstack-base"] == .matched && s["base"] == .matched)  // ancestors
        #expect(s["cron"] == .unmatched && s["rockyonly"] == .unmatched)
        #expect(g.listImages() == "1 : base\n2 : openstack-base\n3 : keystone-base\n4 : keystone\n5 : keystone-fernet\n6 : barbican-keystone-listener\n")
    }

    @Test func unbuildablePropagatesAndNeverMatches() throws {
        var (g, dir) = try graph()
        defer { try? dir.remove() }
        try g.filter(patterns: [], unbuildable: ["openstack-base"], skipParents: false, skipExisting: { _ in false })
        let s = statuses(g)
        #expect(s["openstack-base"] == .unbuildable && s["keystone"] == .unbuildable)
        #expect(s["barbican-keystone-listener"] == .unbuildable)
        #expect(s["cron"] == .matched && s["base"] == .matched)
        #expect(ImageGraph.unbuildableNames([("debian", ["a"]), ("debian+x86_64", ["b"]), ("rocky", ["c"]), ("aarch64", ["d"])], base: "debian", arch: "x86_64") == ["a", "b"])
    }

    @Test func skipParentsLeavesOnlyLeaves() throws {
        var (g, dir) = try graph()
        defer { try? dir.remove() }
        try g.filter(patterns: ["^keystone"], unbuildable: [], skipParents: true, skipExisting: { _ in false })
        #expect(g.listImages() == "1 : keystone\n2 : keystone-fernet\n")
        let s = statuses(g)
        #expect(s["keystone-base"] == .skipped && s["base"] == .skipped)
    }

    @Test func dependencyListingsMatchKolla() throws {
        var (g, dir) = try graph()
        defer { try? dir.remove() }
        try g.filter(patterns: ["^keystone"], unbuildable: [], skipParents: false, skipExisting: { _ in false })
        // json.dump(indent=2), no trailing newline; unmatched siblings are left out.
        #expect(
            g.listDependencies() == """
                {
                  "base": [
                    {
                      "openstack-base": [
                        {
                          "keystone-base": [
                            "keystone",
                            "keystone-fernet"
                          ]
                        }
                      ]
                    }
                  ]
                }
                """)
        #expect(
            g.dot() == "// Container Images Dependency\ndigraph {\nrankdir=LR\tbase\n\t\"openstack-base\"\n\tbase -> \"openstack-base\"\n\t\"keystone-base\"\n\t\"openstack-base\" -> \"keystone-base\"\n\tkeystone\n\t\"keystone-base\" -> keystone\n\t\"keystone-fernet\"\n\t\"keystone-base\" -> \"keystone-fernet\"\n}\n")
        var (none, dir2) = try graph()
        defer { try? dir2.remove() }
        try none.filter(patterns: ["^nothing$"], unbuildable: [], skipParents: false, skipExisting: { _ in false })
        #expect(none.listDependencies() == "Nothing matched!\n")
    }

    @Test func summaryBucketsJSONAndExitStatus() throws {
        var (g, dir) = try graph()
        defer { try? dir.remove() }
        try g.filter(patterns: [], unbuildable: [], skipParents: false, skipExisting: { _ in false })
        for (i, img) in g.images.enumerated() {
            switch img.name {
            case "base", "cron": g.setStatus(i, .built)
            case "openstack-base": g.setStatus(i, .error)
            case "keystone-base": g.setStatus(i, .parentError)
            case "rockyonly": g.setStatus(i, .unbuildable)
            case "keystone-fernet": g.setStatus(i, .unmatched)
            default: g.setStatus(i, .skipped)
            }
        }
        let s = BuildSummary(images: g.images, allowedToFail: [])
        #expect(
            s.json(indent: nil)
                == #"{"built": [{"name": "base"}, {"name": "cron"}], "failed": [{"name": "keystone-base", "status": "parent_error"}, {"name": "openstack-base", "status": "error"}], "not_matched": [{"name": "keystone-fernet"}], "skipped": [{"name": "barbican-keystone-listener"}, {"name": "keystone"}], "unbuildable": [{"name": "rockyonly"}]}"#
        )
        #expect(s.exitStatus == 1)
        #expect(BuildSummary(images: g.images, allowedToFail: ["openstack-base", "keystone-base"]).exitStatus == 0)
        #expect(s.consoleLines(debug: false).prefix(3) == ["=========================", "Successfully built images", "========================="])
    }

    @Test func summaryFileJSONMatchesPythonIndent4() {
        var s = BuildSummary(images: [], allowedToFail: [])
        s.built = ["a"]
        s.failed = [("b", .error), ("c", .parentError)]
        s.notMatched = ["d"]
        s.unbuildable = ["e"]
        // Recorded from Python: json.dumps(results, indent=4).
        #expect(
            s.json(indent: 4)
                == "{\n    \"built\": [\n        {\n            \"name\": \"a\"\n        }\n    ],\n    \"failed\": [\n        {\n            \"name\": \"b\",\n            \"status\": \"error\"\n        },\n        {\n            \"name\": \"c\",\n            \"status\": \"parent_error\"\n        }\n    ],\n    \"not_matched\": [\n        {\n            \"name\": \"d\"\n        }\n    ],\n    \"skipped\": [],\n    \"unbuildable\": [\n        {\n            \"name\": \"e\"\n        }\n    ]\n}"
        )
    }

    @Test func summaryJSONCarriesTimingsOnlyWhenAsked() throws {
        var s = BuildSummary(images: [], allowedToFail: [])
        s.built = ["a"]
        var times = PhaseTimes()
        times.add(.run, 1.5)
        times.add(.compress, 0.25)
        times.add(.run, 0.5)
        s.timings = times
        let line = s.json(indent: nil)
        #expect(line.hasPrefix(#"{"built": [{"name": "a"}], "failed": [], "not_matched": [], "skipped": [], "unbuildable": [], "timings": {"unpack": 0.000, "run": 2.000, "diff": 0.000, "archive": 0.000, "compress": 0.250, "#))
        // Both forms are JSON Python's json module reads.
        for text in [line, s.json(indent: 4)] {
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            let timings = object?["timings"] as? [String: Double]
            #expect(timings?["run"] == 2.0 && timings?.count == PhaseTimes.Phase.allCases.count)
        }
        #expect(times.lines().first == "  unpack        0.00 s")
    }
}
