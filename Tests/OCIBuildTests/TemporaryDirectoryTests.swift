// The TestSupport scratch-directory helper, which every file-system test relies on.

import Foundation
import Testing
import TestSupport

@Suite("TemporaryDirectory")
struct TemporaryDirectoryTests {
    @Test("directories are new, empty, distinct and removable")
    func createAndRemove() throws {
        let first = try TemporaryDirectory(prefix: "ko-tmp")
        let second = try TemporaryDirectory(prefix: "ko-tmp")
        #expect(first.path != second.path)
        #expect(URL(fileURLWithPath: first.path).lastPathComponent.hasPrefix("ko-tmp."))
        #expect(try FileManager.default.contentsOfDirectory(atPath: first.path).isEmpty)

        try Data("x".utf8).write(to: first.appending("file"))
        try first.remove()
        try second.remove()
        #expect(!FileManager.default.fileExists(atPath: first.path))
        #expect(!FileManager.default.fileExists(atPath: second.path))
        // Removing twice is harmless.
        try first.remove()
    }

    @Test("read-only trees are removed too")
    func removesReadOnlyTree() throws {
        let dir = try TemporaryDirectory()
        let inner = dir.appending("usr/share")
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        try Data("doc".utf8).write(to: inner.appendingPathComponent("README"))
        try FileManager.default.createSymbolicLink(atPath: dir.appending("link").path,
                                                   withDestinationPath: "/")
        for path in [inner.path, dir.appending("usr").path] {
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: path)
        }
        try dir.remove()
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }

    @Test("withTemporaryDirectory removes the directory after the body, also on throw")
    func scoped() async throws {
        struct Failure: Error {}
        let kept = try withTemporaryDirectory { dir in
            try Data().write(to: dir.appending("a"))
            return dir.path
        }
        #expect(!FileManager.default.fileExists(atPath: kept))

        var seen = ""
        #expect(throws: Failure.self) {
            try withTemporaryDirectory { dir in
                seen = dir.path
                throw Failure()
            }
        }
        #expect(!seen.isEmpty && !FileManager.default.fileExists(atPath: seen))

        let asyncPath = try await withTemporaryDirectory { dir async in
            await Task.yield()
            return dir.path
        }
        #expect(!FileManager.default.fileExists(atPath: asyncPath))
    }
}
