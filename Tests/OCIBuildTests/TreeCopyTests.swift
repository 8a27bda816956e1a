// FileSystem's tree-copy helpers: the typed listing and the exclusive, in-kernel file copy.

import Foundation
import OCISystem
import Testing
import TestSupport

@Suite("FileSystem tree copy")
struct TreeCopyTests {
    @Test("a copy has the source's bytes and permission bits, whatever was at the target")
    func copyFile() throws {
        let dir = try TemporaryDirectory(prefix: "ko-treecopy")
        defer { try? dir.remove() }
        let big = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try FileSystem.writeFile(dir.path + "/big", big, mode: 0o750)
        try FileSystem.setMode(dir.path + "/big", 0o750)
        try FileSystem.writeFile(dir.path + "/empty", [UInt8]())

        try FileSystem.copyFile(dir.path + "/big", to: dir.path + "/new")
        #expect(try FileSystem.readFile(dir.path + "/new") == big)
        #expect(try FileSystem.status(dir.path + "/new")?.permissions == 0o750)

        // Over a longer file, over a directory with contents, over a symlink (not through it).
        try FileSystem.writeFile(dir.path + "/longer", [UInt8](repeating: 7, count: 5 << 20))
        try FileSystem.copyFile(dir.path + "/big", to: dir.path + "/longer")
        #expect(try FileSystem.readFile(dir.path + "/longer") == big)
        try FileSystem.createDirectory(dir.path + "/adir/sub")
        try FileSystem.copyFile(dir.path + "/empty", to: dir.path + "/adir")
        #expect(try FileSystem.status(dir.path + "/adir")?.kind == .regular)
        #expect(try FileSystem.readFile(dir.path + "/adir").isEmpty)
        try FileSystem.writeFile(dir.path + "/victim", Array("keep".utf8))
        try FileSystem.replaceSymlink(dir.path + "/link", target: "victim")
        try FileSystem.copyFile(dir.path + "/empty", to: dir.path + "/link")
        #expect(try FileSystem.status(dir.path + "/link")?.kind == .regular)
        #expect(try FileSystem.readFile(dir.path + "/victim") == Array("keep".utf8))

        // A symlink source is not followed.
        #expect(throws: NativeError.self) { try FileSystem.copyFile(dir.path + "/link2-missing", to: dir.path + "/x") }
        try FileSystem.replaceSymlink(dir.path + "/link2", target: "big")
        #expect(throws: NativeError.self) { try FileSystem.copyFile(dir.path + "/link2", to: dir.path + "/y") }
    }

    @Test("the listing reports each entry's type as lstat would")
    func listing() throws {
        let dir = try TemporaryDirectory(prefix: "ko-treecopy")
        defer { try? dir.remove() }
        try FileSystem.writeFile(dir.path + "/f", Array("x".utf8))
        try FileSystem.createDirectory(dir.path + "/d")
        try FileSystem.replaceSymlink(dir.path + "/l", target: "d")
        let listed = try FileSystem.directoryListing(dir.path)
        #expect(Set(listed.map(\.name)) == ["f", "d", "l"])
        for entry in listed {
            if let kind = entry.kind { #expect(kind == (try FileSystem.status(dir.path + "/" + entry.name))?.kind) }
        }
        #expect(try FileSystem.makeDirectoryIfAbsent(dir.path + "/d", mode: 0o755) == false)
        #expect(try FileSystem.makeDirectoryIfAbsent(dir.path + "/e", mode: 0o755) == true)
    }
}
