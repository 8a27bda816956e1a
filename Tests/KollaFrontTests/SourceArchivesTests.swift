import Foundation
import TestSupport
import Testing

@testable import KollaFront

/// kolla's source archives: local and git sources, plugins unpacked and re-archived, the
/// empty archives every image gets, normalised members.
@Suite struct SourceArchivesTests {
    static let tree = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tree").path

    func members(_ tar: String) throws -> [String] {
        try runTool("/usr/bin/bsdtar", ["-tvf", tar]).stdout.split(separator: "\n").map(String.init)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/bsdtar") && FileManager.default.isExecutableFile(atPath: "/usr/bin/git"), "needs bsdtar and git (tools/setup)"))
    func localGitAndPlugins() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-sources")
        defer { try? dir.remove() }
        let fm = FileManager.default
        // A local source directory, a plugin tarball, and a git repository.
        try fm.createDirectory(atPath: dir.path + "/src/cron-src/sub", withIntermediateDirectories: true)
        try "a\n".write(toFile: dir.path + "/src/cron-src/sub/a.txt", atomically: true, encoding: .utf8)
        try fm.createDirectory(atPath: dir.path + "/plug/myplugin", withIntermediateDirectories: true)
        try "p\n".write(toFile: dir.path + "/plug/myplugin/setup.py", atomically: true, encoding: .utf8)
        _ = try runTool("/usr/bin/bsdtar", ["-cf", dir.path + "/plugin.tar", "-C", dir.path + "/plug", "myplugin"])
        let repo = dir.path + "/repo"
        for args in [["init", "-q", "-b", "main", repo], ["-C", repo, "config", "user.email", "t@e"], ["-C", repo, "config", "user.name", "t"]] {
            _ = try runTool("/usr/bin/git", args)
        }
        try "g\n".write(toFile: repo + "/g.txt", atomically: true, encoding: .utf8)
        _ = try runTool("/usr/bin/git", ["-C", repo, "add", "."])
        _ = try runTool("/usr/bin/git", ["-C", repo, "commit", "-qm", "x"])
        try """
        [cron]
        type = local
        location = \(dir.path)/src/cron-src
        [cron-plugin-one]
        type = local
        location = \(dir.path)/plugin.tar
        [cron-additions-extra]
        type = git
        location = \(repo)
        reference = main
        """.write(toFile: dir.path + "/k.conf", atomically: true, encoding: .utf8)
        let conf = try Configuration(
            cli: try CommandLineParser.parse(["--data-dir", Self.tree, "--config-file", dir.path + "/k.conf"]), environment: [:],
            home: dir.path, executable: "/x")
        let context = dir.path + "/context"
        try fm.createDirectory(atPath: context, withIntermediateDirectories: true)
        try SourceArchives(conf: conf, log: { _ in }).prepare(image: "cron", context: context)

        let own = try members(context + "/cron-archive")
        #expect(own.contains { $0.hasSuffix("cron-src/sub/a.txt") && $0.contains("root   root") && $0.contains("Jan  1  1970") }, "\(own)")
        let plugins = try members(context + "/plugins-archive")
        #expect(plugins.contains { $0.hasSuffix("plugins/myplugin/setup.py") }, "\(plugins)")
        let additions = try members(context + "/additions-archive")
        #expect(additions.contains { $0.hasSuffix("g.txt") }, "\(additions)")
        #expect(!additions.contains { $0.contains("/.git/config") && $0.contains("origin") })

        // An image with no sources still gets both (empty) archives.
        try SourceArchives(conf: conf, log: { _ in }).prepare(image: "keystone", context: context + "2")
        #expect(try members(context + "2/plugins-archive").count == 1)
        #expect(!fm.fileExists(atPath: context + "2/keystone-archive"))
        // Same input, same bytes.
        let first = fm.contents(atPath: context + "/cron-archive")
        try SourceArchives(conf: conf, log: { _ in }).prepare(image: "cron", context: context)
        #expect(fm.contents(atPath: context + "/cron-archive") == first)
    }
}
