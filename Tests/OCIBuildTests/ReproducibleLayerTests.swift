// Reproducible mode of the layer writer: volatile files dropped or emptied (from a tree
// and from an imported tarball), hard links to them, xattrs in name order whatever order
// they were set in, and two trees that differ only in volatile content giving the same
// digests.

import CKollaShim
import Foundation
import OCIBuild
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
import OCISystem
#endif

@Suite("Reproducible layers")
struct ReproducibleLayerTests {
    /// A tree with every kind of volatile file, `noise` written into their content.
    static func makeTree(_ root: String, noise: String) throws {
        try Fixture.file("\(root)/var/cache/ldconfig/aux-cache", "inodes \(noise)")
        try Fixture.file("\(root)/var/log/dpkg.log", "\(noise) install x\n")
        try Fixture.file("\(root)/var/log/alternatives.log", "update-alternatives \(noise)\n")
        try Fixture.file("\(root)/var/log/apt/term.log", "Log started: \(noise)\n", mode: 0o640)
        try Fixture.file("\(root)/var/log/apt/history.log", "Start-Date: \(noise)\n")
        try Fixture.file("\(root)/etc/machine-id", "\(noise)\n", mode: 0o444)
        try Fixture.file("\(root)/var/lib/dbus/machine-id", "\(noise)\n")
        try Fixture.file("\(root)/var/cache/debconf/config.dat-old", "Name: kept\n")
        try Fixture.file("\(root)/usr/share/doc/dpkg.log", "not a log\n")
        try Fixture.file("\(root)/usr/bin/tool", "#!/bin/sh\n", mode: 0o755)
        // A hard link to a dropped file.
        #expect(link("\(root)/var/cache/ldconfig/aux-cache", "\(root)/var/cache/ldconfig/aux-cache.link") == 0)
        // xattrs set in reverse name order on one tree, in name order on the other.
        let names = noise.hasPrefix("a") ? ["user.b", "user.a"] : ["user.a", "user.b"]
        for name in names { #expect(setxattr("\(root)/usr/bin/tool", name, "v", 1, 0) == 0) }
        for dir in ["var/cache/ldconfig", "var/cache/debconf", "var/cache", "var/log/apt", "var/log", "var/lib/dbus",
                    "var/lib", "var", "etc", "usr/share/doc", "usr/share", "usr/bin", "usr", ""] {
            Fixture.setMtime("\(root)/\(dir)", 1_700_000_000)
        }
    }

    static func reproducible() -> LayerWriteOptions {
        var options = LayerWriteOptions()
        options.compression = CompressionOptions(.gzip, threads: 1)
        options.makeReproducible(epoch: 1_700_000_000)
        return options
    }

    @Test("volatile files are dropped or emptied, everything else is kept")
    func rules() throws {
        try withTemporaryDirectory { dir in
            let tree = dir.appending("tree").path
            try Self.makeTree(tree, noise: "a 2026-12-06 15:16:21")
            let changes = try Differ.treeChanges(lower: nil, upper: tree)
            _ = try LayerTests.write(changes, to: dir.appending("layer").path, Self.reproducible())
            let summary = try Fixture.layerSummary(dir.appending("layer").path)
            #expect(summary["var/cache/ldconfig/aux-cache"] == nil)
            #expect(summary["var/cache/ldconfig/aux-cache.link"] == "regular 644 0:0 inodes a 2026-12-06 15:16:21",
                    "the other name of the inode is an ordinary file and keeps the data")
            #expect(summary["var/cache/ldconfig"] != nil, "the directory stays")
            #expect(summary["var/log/dpkg.log"] == "regular 644 0:0 ")
            #expect(summary["var/log/alternatives.log"] == "regular 644 0:0 ")
            #expect(summary["var/log/apt/term.log"] == "regular 640 0:0 ", "owner and mode kept")
            #expect(summary["var/log/apt/history.log"] == "regular 644 0:0 ")
            #expect(summary["etc/machine-id"] == "regular 444 0:0 ")
            #expect(summary["var/lib/dbus/machine-id"] == nil)
            #expect(summary["var/cache/debconf/config.dat-old"] == "regular 644 0:0 Name: kept\n")
            #expect(summary["usr/share/doc/dpkg.log"] == "regular 644 0:0 not a log\n",
                    "only exact paths are volatile")

            // Without reproducible mode every file is archived as it is.
            _ = try LayerTests.write(changes, to: dir.appending("plain").path)
            let plain = try Fixture.layerSummary(dir.appending("plain").path)
            #expect(plain["var/cache/ldconfig/aux-cache"] != nil)
            #expect(plain["etc/machine-id"] == "regular 444 0:0 a 2026-12-06 15:16:21\n")
        }
    }

    @Test("a symbolic link named like a volatile file is kept")
    func symlinkKept() throws {
        try withTemporaryDirectory { dir in
            let tree = dir.appending("tree").path
            try Fixture.directory("\(tree)/var/lib/dbus")
            #expect(symlink("/etc/machine-id", "\(tree)/var/lib/dbus/machine-id") == 0)
            _ = try LayerTests.write(try Differ.treeChanges(lower: nil, upper: tree), to: dir.appending("l").path, Self.reproducible())
            #expect(try Fixture.layerSummary(dir.appending("l").path)["var/lib/dbus/machine-id"] == "symlink 777 0:0 -> /etc/machine-id")
        }
    }

    @Test("two builds that differ only in volatile content and xattr order give the same digests")
    func sameDigests() throws {
        try withTemporaryDirectory { dir in
            var digests: [LayerDigests] = []
            for (index, noise) in ["a 2026-12-06 15:16:21", "b 2031-01-01 00:00:00"].enumerated() {
                let tree = dir.appending("tree\(index)").path
                try Self.makeTree(tree, noise: noise)
                // The hard-linked copy carries noise too: make it equal, it is no volatile file.
                try Fixture.file("\(tree)/var/cache/ldconfig/aux-cache.link", "same")
                Fixture.setMtime("\(tree)/var/cache/ldconfig", 1_700_000_000)
                digests.append(try LayerTests.write(
                    try Differ.treeChanges(lower: nil, upper: tree), to: dir.appending("l\(index)").path, Self.reproducible()))
            }
            #expect(digests[0] == digests[1])
            // The xattrs are in name order in the tar.
            let reader = try LayerArchiveReader(path: dir.appending("l0").path)
            var names: [String] = []
            while let entry = try reader.next() { if entry.path == "usr/bin/tool" { names = entry.xattrs.map(\.name) } }
            #expect(names == ["user.a", "user.b"])
        }
    }

    @Test("an imported tarball gets the same rules; hard links to a dropped file go with it")
    func importedTarball() throws {
        try withTemporaryDirectory { dir in
            let source = dir.appending("rootfs.tar").path
            var xattrFile = Fixture.Member.file("usr/bin/tool")
            xattrFile.entry.xattrs = [Xattr(name: "user.z", value: [1]), Xattr(name: "user.a", value: [2])]
            try Fixture.layer([
                .directory("etc/"), .file("etc/machine-id", "0123456789abcdef\n", mode: 0o444),
                .directory("var/"), .directory("var/cache/"), .directory("var/cache/ldconfig/"),
                .file("var/cache/ldconfig/aux-cache", "inodes"), .hardlink("var/cache/ldconfig/again", to: "var/cache/ldconfig/aux-cache"),
                .directory("var/log/"), .file("var/log/dpkg.log", "2026-12-06 install\n"),
                .hardlink("var/log/dpkg.log.1", to: "var/log/dpkg.log"),
                xattrFile,
            ], at: source, compression: .none)
            let output = try FileDescriptor(path: dir.appending("layer").path, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
            _ = try LayerWriter(options: Self.reproducible()).rewrite(tarball: source, to: output)
            let summary = try Fixture.layerSummary(dir.appending("layer").path)
            #expect(summary["etc/machine-id"] == "regular 444 0:0 ")
            #expect(summary["var/cache/ldconfig/aux-cache"] == nil)
            #expect(summary["var/cache/ldconfig/again"] == nil)
            #expect(summary["var/log/dpkg.log"] == "regular 644 0:0 ")
            #expect(summary["var/log/dpkg.log.1"] == "regular 644 0:0 link=var/log/dpkg.log")
            #expect(summary["var/cache/ldconfig"] != nil)
            let reader = try LayerArchiveReader(path: dir.appending("layer").path)
            var names: [String] = []
            while let entry = try reader.next() { if entry.path == "usr/bin/tool" { names = entry.xattrs.map(\.name) } }
            #expect(names == ["user.a", "user.z"])
        }
    }
}
