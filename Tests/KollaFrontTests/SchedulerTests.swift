import Foundation
import Testing

@testable import KollaFront

/// A recording builder: the scheduler's logic is under test, not the builder, so builds and
/// pushes only write down what was asked, in order, and fail where the test says.
private final class RecordingBuilder: ImageBuilding, @unchecked Sendable {
    enum Event: Equatable {
        case buildStart(String), buildEnd(String), push(String)
    }

    private let lock = NSLock()
    private var recorded: [Event] = []
    private var buildFailuresLeft: [String: Int]
    private var pushFailuresLeft: [String: Int]
    private let pushFailure: @Sendable (String) -> Error

    /// `buildFailures[name]`: how many attempts of that image fail before one succeeds
    /// (`Int.max`: every one); the same for pushes, failing with `pushFailure`.
    init(
        buildFailures: [String: Int] = [:], pushFailures: [String: Int] = [:],
        pushFailure: @escaping @Sendable (String) -> Error = { TestFailure("registry refused \($0)") }
    ) {
        buildFailuresLeft = buildFailures
        pushFailuresLeft = pushFailures
        self.pushFailure = pushFailure
    }

    var events: [Event] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    private func record(_ e: Event) {
        lock.lock()
        recorded.append(e)
        lock.unlock()
    }

    /// Whether this attempt fails, counting it.
    private func fails(_ table: inout [String: Int], _ name: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let left = table[name], left > 0 else { return false }
        if left != Int.max { table[name] = left - 1 }
        return true
    }

    func build(_ job: BuildJob, log: @escaping @Sendable (String) -> Void) throws {
        record(.buildStart(job.name))
        // Give a sibling on another worker the chance to overlap, so that ordering is
        // checked against real concurrency.
        Thread.sleep(forTimeInterval: 0.002)
        if fails(&buildFailuresLeft, job.name) {
            record(.buildEnd(job.name))
            throw TestFailure("build of \(job.name) failed")
        }
        record(.buildEnd(job.name))
    }

    func push(_ canonicalName: String, log: @escaping @Sendable (String) -> Void) throws {
        let name = String(canonicalName.split(separator: "/").last!.split(separator: ":").first!)
        record(.push(name))
        if fails(&pushFailuresLeft, name) { throw pushFailure(name) }
    }

    func exists(_ canonicalName: String) -> Bool { false }
}

private struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

@Suite struct SchedulerTests {
    /// A tree as `name: parent` pairs in discovery order (nil parent: a root), every image
    /// `matched` unless `statuses` says otherwise.
    static func images(_ tree: [(String, String?)], statuses: [String: ImageStatus] = [:]) -> [ImageNode] {
        var nodes = tree.map { name, parent in
            var n = ImageNode(name: name, canonicalName: "kolla/\(name):t", path: "/nonexistent/\(name)", parentName: parent ?? "debian")
            n.status = statuses[name] ?? .matched
            return n
        }
        for (i, (_, parent)) in tree.enumerated() {
            guard let parent, let p = tree.firstIndex(where: { $0.0 == parent }) else { continue }
            nodes[i].parent = p
            nodes[p].children.append(i)
        }
        return nodes
    }

    /// base ← openstack-base ← {keystone-base ← {keystone, keystone-fernet}, glance}; cron on base.
    static let tree: [(String, String?)] = [
        ("base", nil), ("openstack-base", "base"), ("keystone-base", "openstack-base"), ("keystone", "keystone-base"),
        ("keystone-fernet", "keystone-base"), ("glance", "openstack-base"), ("cron", "base"),
    ]

    fileprivate static func run(
        _ images: [ImageNode], _ builder: RecordingBuilder, threads: Int = 4, retries: Int = 0, push: Bool = false
    ) -> [String: ImageStatus] {
        let scheduler = BuildScheduler(
            images: images, builder: builder, threads: threads, pushThreads: 2, retries: retries, push: push,
            log: Log(debug: false, quiet: true), logsDir: nil
        ) { BuildJob(name: $0.name, canonicalName: $0.canonicalName, context: $0.path) }
        return Dictionary(uniqueKeysWithValues: scheduler.run().map { ($0.name, $0.status) })
    }

    @Test(arguments: [1, 4])
    func parentsAreBuiltBeforeChildren(threads: Int) {
        let builder = RecordingBuilder()
        let statuses = Self.run(Self.images(Self.tree), builder, threads: threads)
        #expect(statuses.values.allSatisfy { $0 == .built })
        let events = builder.events
        #expect(events.count == 2 * Self.tree.count)
        for (child, parent) in Self.tree {
            guard let parent else { continue }
            let start = events.firstIndex(of: .buildStart(child))
            let parentEnd = events.firstIndex(of: .buildEnd(parent))
            #expect(start != nil && parentEnd != nil && parentEnd! < start!, "\(child) started before \(parent) was built")
        }
        // Each image is built exactly once.
        for (name, _) in Self.tree { #expect(events.filter { $0 == .buildStart(name) }.count == 1) }
    }

    @Test func aFailedImageMarksItsDescendantsParentError() {
        let builder = RecordingBuilder(buildFailures: ["openstack-base": Int.max])
        let statuses = Self.run(Self.images(Self.tree), builder)
        #expect(statuses["base"] == .built)
        #expect(statuses["cron"] == .built)
        #expect(statuses["openstack-base"] == .error)
        for name in ["keystone-base", "keystone", "keystone-fernet", "glance"] {
            #expect(statuses[name] == .parentError, "\(name)")
            #expect(!builder.events.contains(.buildStart(name)), "\(name) was built")
        }
    }

    @Test func retriesUntilSuccessWithinTheLimit() {
        let builder = RecordingBuilder(buildFailures: ["openstack-base": 2])
        let statuses = Self.run(Self.images(Self.tree), builder, retries: 2)
        #expect(statuses.values.allSatisfy { $0 == .built })
        #expect(builder.events.filter { $0 == .buildStart("openstack-base") }.count == 3)
    }

    @Test func retriesStopAtTheLimit() {
        let builder = RecordingBuilder(buildFailures: ["openstack-base": 2])
        let statuses = Self.run(Self.images(Self.tree), builder, retries: 1)
        #expect(statuses["openstack-base"] == .error)
        #expect(statuses["glance"] == .parentError)
        #expect(builder.events.filter { $0 == .buildStart("openstack-base") }.count == 2)
    }

    @Test func skippedUnmatchedAndUnbuildableImagesAreNotBuilt() {
        let images = Self.images(
            Self.tree, statuses: ["base": .skipped, "cron": .unmatched, "keystone-fernet": .unbuildable, "glance": .unmatched])
        let builder = RecordingBuilder()
        let statuses = Self.run(images, builder)
        // A child of a skipped image is a root of this run (another shard built its parent).
        #expect(statuses["openstack-base"] == .built)
        #expect(statuses["keystone"] == .built)
        #expect(statuses["base"] == .skipped)
        #expect(statuses["cron"] == .unmatched)
        #expect(statuses["keystone-fernet"] == .unbuildable)
        let built = builder.events.compactMap { if case .buildStart(let n) = $0 { return n } else { return nil } }
        #expect(Set(built) == ["openstack-base", "keystone-base", "keystone"])
    }

    @Test func everyBuiltImageIsPushedOnceAfterItsBuild() {
        let builder = RecordingBuilder(buildFailures: ["glance": Int.max])
        let statuses = Self.run(Self.images(Self.tree), builder, push: true)
        let events = builder.events
        for (name, _) in Self.tree where name != "glance" {
            #expect(statuses[name] == .built)
            #expect(events.filter { $0 == .push(name) }.count == 1, "\(name)")
            #expect(events.firstIndex(of: .buildEnd(name))! < events.firstIndex(of: .push(name))!)
        }
        #expect(statuses["glance"] == .error)
        #expect(!events.contains(.push("glance")))
    }

    @Test func withoutPushNothingIsPushed() {
        let builder = RecordingBuilder()
        _ = Self.run(Self.images(Self.tree), builder, push: false)
        #expect(!builder.events.contains { if case .push = $0 { return true } else { return false } })
    }

    @Test func pushFailuresAreRetriedThenClassified() {
        let builder = RecordingBuilder(
            pushFailures: ["keystone": Int.max, "glance": Int.max, "cron": 1],
            pushFailure: { name -> Error in name == "glance" ? ConnectionError(description: "connection refused") : TestFailure("denied") })
        let statuses = Self.run(Self.images(Self.tree), builder, retries: 1, push: true)
        #expect(statuses["keystone"] == .pushError)
        #expect(statuses["glance"] == .connectionError)
        #expect(statuses["cron"] == .built)  // the second attempt succeeded
        #expect(builder.events.filter { $0 == .push("keystone") }.count == 2)
        #expect(builder.events.filter { $0 == .push("cron") }.count == 2)
        // A push failure does not touch the children: they were built from the local store.
        #expect(statuses["keystone-base"] == .built)
    }

    @Test func allowedToFailDecidesTheExitStatusAsKollaBuild() {
        let builder = RecordingBuilder(buildFailures: ["cron": Int.max, "keystone-base": Int.max])
        let statuses = Self.run(Self.images(Self.tree), builder)
        var images = Self.images(Self.tree)
        for i in images.indices { images[i].status = statuses[images[i].name]! }

        // cron is a leaf: allowing it leaves keystone-base (and its parent_error children) failing.
        let onlyCron = BuildSummary(images: images, allowedToFail: ["cron"])
        #expect(onlyCron.failed.map(\.name) == ["cron", "keystone", "keystone-base", "keystone-fernet"])
        #expect(onlyCron.exitStatus == 1)
        // The failed image's descendants fail with it unless they are allowed too.
        #expect(BuildSummary(images: images, allowedToFail: ["cron", "keystone-base"]).exitStatus == 1)
        let all = BuildSummary(images: images, allowedToFail: ["cron", "keystone-base", "keystone", "keystone-fernet"])
        #expect(all.exitStatus == 0)
        // Allowed images are still listed as failed, marked so on the console.
        #expect(all.failed.count == 4)
        #expect(all.consoleLines(debug: false).contains("cron Failed with status: error (allowed to fail)"))
        #expect(BuildSummary(images: images, allowedToFail: []).exitStatus == 1)
    }
}
