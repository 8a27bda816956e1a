// Layer writing and unpacking: round trips in every compression, deterministic digests,
// whiteouts and opaque directories applied against lower layers only, hard links,
// xattrs and file capabilities, SOURCE_DATE_EPOCH clamping, the overlay upper-dir diff,
// the full-walk diff, and the extracted-layer cache.

import CKollaShim
import Foundation
import Testing
import TestSupport
import OCIBuild

#if canImport(Glibc)
import Glibc
import OCISystem
#endif

@Suite("Layers")
struct LayerTests {
    /// A small tree: dirs, files with modes, a symlink, a hard link pair, a setuid file.
    static func makeTree(_ root: String) throws {
        try Fixture.directory("\(root)/etc/apt")
        try Fixture.file("\(root)/etc/hostname", "localhost\n")
        try Fixture.file("\(root)/etc/apt/sources.list", "deb x\n", mode: 0o600)
        try Fixture.file("\(root)/usr/bin/tool", "#!/bin/sh\n", mode: 0o4755)
        try Fixture.file("\(root)/usr/lib/a.so", "elf")
        link("\(root)/usr/lib/a.so", "\(root)/usr/lib/b.so")
        symlink("usr/lib", "\(root)/lib")
        for path in ["etc/apt", "etc", "usr/bin", "usr/lib", "usr", ""] { Fixture.setMtime("\(root)/\(path)", 1_700_000_000) }
        Fixture.setMtime("\(root)/lib", 1_700_000_000)
    }

    static func write(_ changes: [LayerChange], to path: String, _ options: LayerWriteOptions = LayerWriteOptions()) throws -> LayerDigests {
        let output = try FileDescriptor(path: path, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
        return try LayerWriter(options: options).write(changes, to: output)
    }

    @Test("write then unpack gives the same tree", arguments: Compression.allCases)
    func roundTrip(compression: Compression) throws {
        try withTemporaryDirectory { dir in
            let tree = dir.appending("tree").path
            try Self.makeTree(tree)
            var options = LayerWriteOptions()
            options.compression = CompressionOptions(compression)
            let changes = try Differ.treeChanges(lower: dir.appending("empty-nonexistent").path, upper: tree)
            let digests = try Self.write(changes, to: dir.appending("layer").path, options)
            #expect(digests.compression == compression)
            let target = dir.appending("out").path
            try Fixture.directory(target)
            var unpack = UnpackOptions()
            unpack.expectedDiffID = digests.diffID
            unpack.expectedDigest = digests.digest
            let report = try Unpacker(options: unpack).unpack(layerPath: dir.appending("layer").path, into: target)
            #expect(report.digests?.compression == compression)
            #expect(try Fixture.treeSummary(target) == Fixture.treeSummary(tree))
            let a = try FileSystem.status("\(target)/usr/lib/a.so")!
            let b = try FileSystem.status("\(target)/usr/lib/b.so")!
            #expect(a.inode == b.inode && a.linkCount == 2)
            #expect(try FileSystem.status("\(target)/usr/bin/tool")?.permissions == 0o4755)
            #expect(try FileSystem.status("\(target)/etc")?.mtimeSeconds == 1_700_000_000)
            // The tar itself: sorted members, hard link after its data, dirs with '/'.
            let summary = try Fixture.layerSummary(dir.appending("layer").path)
            #expect(summary["usr/lib/b.so"] == "regular 644 0:0 link=usr/lib/a.so")
            #expect(summary["lib"] == "symlink 777 0:0 -> usr/lib")
        }
    }

    @Test("the same tree gives the same digests; gzip has no timestamp")
    func deterministic() throws {
        try withTemporaryDirectory { dir in
            let tree = dir.appending("tree").path
            try Self.makeTree(tree)
            for compression in [Compression.gzip, .zstd] {
                var options = LayerWriteOptions()
                options.compression = CompressionOptions(compression)
                let changes = try Differ.treeChanges(lower: "/nonexistent", upper: tree)
                let first = try Self.write(changes, to: dir.appending("1").path, options)
                sleep(1)
                let second = try Self.write(changes, to: dir.appending("2").path, options)
                #expect(first == second)
                #expect(try Data(contentsOf: dir.appending("1")) == Data(contentsOf: dir.appending("2")))
                if compression == .gzip {
                    let header = try [UInt8](Data(contentsOf: dir.appending("1")).prefix(10))
                    #expect(header[0] == 0x1f && header[1] == 0x8b)
                    #expect(header[4..<8].allSatisfy { $0 == 0 }, "gzip MTIME must be 0")
                    #expect(header[3] & 0x08 == 0, "gzip FNAME must be absent")
                }
            }
            // zstd with one worker and with two: the same bytes, so the digest does not
            // depend on the machine's CPU count.
            var one = LayerWriteOptions()
            one.compression = CompressionOptions(.zstd, threads: 1)
            var two = LayerWriteOptions()
            two.compression = CompressionOptions(.zstd, threads: 2)
            let changes = try Differ.treeChanges(lower: nil, upper: tree)
            #expect(try Self.write(changes, to: dir.appending("t1").path, one)
                    == Self.write(changes, to: dir.appending("t2").path, two))

            // The uncompressed tar ends right after the two zero blocks, and its sha256 is
            // the diff_id (compare with the tools' own view).
            var options = LayerWriteOptions()
            options.compression = CompressionOptions(.none)
            let plain = try Self.write(try Differ.treeChanges(lower: "/nonexistent", upper: tree),
                                       to: dir.appending("plain.tar").path, options)
            let bytes = try [UInt8](Data(contentsOf: dir.appending("plain.tar")))
            #expect(bytes.count % 512 == 0 && bytes.suffix(1024).allSatisfy { $0 == 0 })
            #expect(try Digest.sha256(of: bytes) == plain.diffID)
            #expect(plain.digest == plain.diffID)
        }
    }

    @Test("parallel gzip: the same bytes for any thread count and write size; one member every reader takes")
    func parallelGzip() throws {
        try withTemporaryDirectory { dir in
            let tree = dir.appending("tree").path
            try Self.makeTree(tree)
            // Several 128 KiB blocks of compressible but not repetitive data, plus a block
            // boundary that falls inside a file.
            var generator = UInt64(42)
            var text = ""
            for i in 0..<60_000 {
                generator = generator &* 6364136223846793005 &+ 1442695040888963407
                text += "line \(i) value \(generator >> 45)\n"
            }
            try Fixture.file("\(tree)/usr/share/big.txt", text)
            try Fixture.file("\(tree)/usr/share/empty", "")
            let changes = try Differ.treeChanges(lower: nil, upper: tree)
            var digests: [LayerDigests] = []
            var blobs: [Data] = []
            for threads in [1, 2, 7] {
                var options = LayerWriteOptions()
                options.compression = CompressionOptions(.gzip, threads: threads)
                digests.append(try Self.write(changes, to: dir.appending("g\(threads)").path, options))
                blobs.append(try Data(contentsOf: dir.appending("g\(threads)")))
            }
            #expect(digests.allSatisfy { $0 == digests[0] })
            #expect(blobs.allSatisfy { $0 == blobs[0] })
            #expect(digests[0].size < Int64(text.utf8.count) / 2, "compresses")
            // The layer of the same tree written through rewrite (other write sizes): same bytes.
            var plain = LayerWriteOptions()
            plain.compression = CompressionOptions(.none)
            _ = try Self.write(changes, to: dir.appending("plain.tar").path, plain)
            var gz = LayerWriteOptions()
            gz.compression = CompressionOptions(.gzip, threads: 3)
            let output = try FileDescriptor(path: dir.appending("re.gz").path, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
            let rewritten = try LayerWriter(options: gz).rewrite(tarball: dir.appending("plain.tar").path, to: output)
            #expect(rewritten.digest == digests[0].digest)
            // One gzip member, read by gzip, Python's gzip module and libarchive alike.
            let gzip = try runTool("/bin/gzip", ["-t", dir.appending("g2").path])
            #expect(gzip.status == 0, "\(gzip.stderr)")
            let python = try runTool("/usr/bin/python3", ["-c", """
                import gzip, hashlib, sys, zlib
                data = open(sys.argv[1], 'rb').read()
                d = zlib.decompressobj(31)
                out = d.decompress(data)
                assert d.eof and d.unused_data == b'', 'more than one member'
                print('sha256:' + hashlib.sha256(gzip.decompress(data)).hexdigest())
                """, dir.appending("g7").path])
            #expect(python.stdout == "\(digests[0].diffID)\n", "\(python.stderr)")
            let plainBytes = try [UInt8](Data(contentsOf: dir.appending("plain.tar")))
            #expect(try digests[0].diffID == Digest.sha256(of: plainBytes))
        }
    }

    @Test("extracted layers (never synced) are dropped on a new boot, kept within one")
    func layerCacheSurvivesOneBootOnly() throws {
        try withTemporaryDirectory { dir in
            let cache = LayerCache(directory: dir.appending("layers").path)
            let layer = dir.appending("layers/sha256/abc").path
            try Fixture.directory(layer)
            try cache.adoptBoot("boot-1")   // first sight of the marker: older caches go
            #expect(try FileSystem.status(layer) == nil)
            try Fixture.directory(layer)
            try cache.adoptBoot("boot-1")
            #expect(try FileSystem.status(layer)?.kind == .directory)
            try cache.adoptBoot("boot-2")
            #expect(try FileSystem.status(layer) == nil)
            #expect(LayerCache.currentBootID()?.count == 36)
        }
    }

    @Test("SOURCE_DATE_EPOCH clamps later mtimes only")
    func clamping() throws {
        try withTemporaryDirectory { dir in
            let tree = dir.appending("tree").path
            try Fixture.file("\(tree)/old", "o", mtime: 1_000)
            try Fixture.file("\(tree)/new", "n", mtime: 2_000_000_000)
            Fixture.setMtime(tree, 1_000)
            var options = LayerWriteOptions()
            options.sourceDateEpoch = 1_500_000_000
            _ = try Self.write(try Differ.treeChanges(lower: "/nonexistent", upper: tree), to: dir.appending("l").path, options)
            let reader = try LayerArchiveReader(path: dir.appending("l").path)
            var mtimes: [String: Int] = [:]
            while let entry = try reader.next() { mtimes[entry.path] = entry.mtimeSeconds }
            #expect(mtimes == ["old": 1_000, "new": 1_500_000_000])
            #expect(LayerWriteOptions.sourceDateEpoch(from: ["SOURCE_DATE_EPOCH": "42"]) == 42)
            #expect(LayerWriteOptions.sourceDateEpoch(from: ["SOURCE_DATE_EPOCH": "x"]) == nil)
        }
    }

    @Test("whiteouts and opaque dirs hide lower content, never the same layer's, in any order")
    func whiteouts() throws {
        try withTemporaryDirectory { dir in
            let root = dir.appending("root").path
            // Lower layer.
            try Fixture.layer([.directory("a/"), .file("a/gone"), .file("a/kept"), .directory("o/"),
                               .file("o/lower1"), .directory("o/sub/"), .file("o/sub/lower2"), .directory("p/"),
                               .file("p/lower")], at: dir.appending("l1").path)
            try Fixture.directory(root)
            _ = try Unpacker().unpack(layerPath: dir.appending("l1").path, into: root)
            // Upper layer: whiteout before and after same-layer files, opaque marker after
            // the directory's new children (must still only hide lower ones), and a
            // whiteout of a file the same layer writes (ignored).
            try Fixture.layer([.file("a/.wh.gone", ""), .file("a/new"), .file("a/.wh.new", ""),
                               .file("o/sub/upper"), .file("o/upper"), .file("o/.wh..wh..opq", ""),
                               .file("p/.wh..wh..opq", ""), .file("p/upper"),
                               .file("absent/.wh.nothing", "")],
                              at: dir.appending("l2").path)
            _ = try Unpacker().unpack(layerPath: dir.appending("l2").path, into: root)
            let files = Set(try Fixture.treeSummary(root).keys)
            #expect(files == ["a", "a/kept", "a/new", "o", "o/sub", "o/sub/upper", "o/upper", "p", "p/upper"])
        }
    }

    @Test("overlay whiteout mode makes 0:0 devices and opaque xattrs")
    func overlayWhiteoutMode() throws {
        try withTemporaryDirectory { dir in
            try Fixture.layer([.file("d/.wh.x", ""), .directory("o/"), .file("o/.wh..wh..opq", ""), .file("o/y")],
                              at: dir.appending("l").path)
            let root = dir.appending("root").path
            try Fixture.directory(root)
            var options = UnpackOptions()
            options.whiteouts = .overlay(xattrPrefix: "user.overlay.")
            _ = try Unpacker(options: options).unpack(layerPath: dir.appending("l").path, into: root)
            let whiteout = try FileSystem.status("\(root)/d/x")
            #expect(whiteout?.kind == .characterDevice && whiteout?.deviceMajor == 0 && whiteout?.deviceMinor == 0)
            let xattrs = try FileSystem.extendedAttributes("\(root)/o")
            #expect(xattrs.contains { $0.name == "user.overlay.opaque" && $0.value == Array("y".utf8) })
            // And the overlay differ turns that tree back into the same whiteouts.
            let changes = try Differ.overlayChanges(upper: root)
            #expect(changes.map(\.memberPath) == ["d", "d/.wh.x", "o", "o/.wh..wh..opq", "o/y"])
        }
    }

    @Test("overlay upper dir: 0:0 devices become .wh., opaque xattr becomes .wh..wh..opq, overlay xattrs dropped")
    func overlayDiff() throws {
        try withTemporaryDirectory { dir in
            let upper = dir.appending("upper").path
            try Fixture.directory("\(upper)/etc")
            try Fixture.file("\(upper)/etc/new.conf", "x")
            #expect(ko_fs_mknodat(AT_FDCWD, "\(upper)/etc/removed", Glibc.S_IFCHR, 0, 0) == 0)
            try Fixture.directory("\(upper)/var/cache")
            #expect(setxattr("\(upper)/var/cache", "trusted.overlay.opaque", "y", 1, 0) == 0)
            #expect(setxattr("\(upper)/etc", "trusted.overlay.impure", "y", 1, 0) == 0)
            let changes = try Differ.overlayChanges(upper: upper)
            #expect(changes.map(\.memberPath) == ["etc", "etc/.wh.removed", "etc/new.conf", "var", "var/cache",
                                                  "var/cache/.wh..wh..opq"])
            _ = try Self.write(changes, to: dir.appending("l").path)
            let summary = try Fixture.layerSummary(dir.appending("l").path)
            #expect(summary["etc/.wh.removed"]?.hasPrefix("regular 0 0:0") == true)
            #expect(summary.values.allSatisfy { !$0.contains("overlay") })
        }
    }

    @Test("full-walk diff finds adds, changes, deletions, type changes and same-second rewrites")
    func treeDiff() throws {
        try withTemporaryDirectory { dir in
            let lower = dir.appending("lower").path
            let upper = dir.appending("upper").path
            for root in [lower, upper] {
                try Fixture.file("\(root)/same", "s")
                try Fixture.file("\(root)/rewritten", "aaaa")  // same size and whole-second mtime
                try Fixture.file("\(root)/chmodded", "c")
                try Fixture.file("\(root)/deleted", "d")
                try Fixture.file("\(root)/dir/inner", "i")
                try Fixture.file("\(root)/becomes-dir", "f")
            }
            try Fixture.file("\(upper)/rewritten", "bbbb")
            chmod("\(upper)/chmodded", 0o600)
            try FileManager.default.removeItem(atPath: "\(upper)/deleted")
            try FileManager.default.removeItem(atPath: "\(upper)/dir")
            try FileManager.default.removeItem(atPath: "\(upper)/becomes-dir")
            try Fixture.file("\(upper)/becomes-dir/child", "c")
            try Fixture.file("\(upper)/added", "a")
            for root in [lower, upper] { Fixture.setMtime(root, 1_700_000_000) }
            Fixture.setMtime("\(upper)/becomes-dir", 1_700_000_000)
            let changes = try Differ.treeChanges(lower: lower, upper: upper)
            #expect(changes.map(\.memberPath) == [".wh.deleted", ".wh.dir", "added", "becomes-dir",
                                                  "becomes-dir/child", "chmodded", "rewritten"])
        }
    }

    /// cap_net_raw+ep as a v3 (namespaced) file capability with rootid 100000.
    static let capabilityV3: [UInt8] = [0x01, 0, 0, 0x03, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xa0, 0x86, 0x01, 0]

    /// Whether this process may set `security.capability` (CAP_SETFCAP in its user
    /// namespace, on a file system that keeps it), probed on a scratch file.
    static let canSetFileCapabilities: Bool = {
        guard let dir = try? TemporaryDirectory(prefix: "kolla-oci-capprobe") else { return false }
        defer { try? dir.remove() }
        let probe = dir.appending("probe").path
        guard FileManager.default.createFile(atPath: probe, contents: Data()) else { return false }
        var v3 = capabilityV3
        return setxattr(probe, "security.capability", &v3, v3.count, 0) == 0
    }()

    @Test("user xattrs travel through a layer")
    func xattrsTravel() throws {
        try withTemporaryDirectory { dir in
            let tree = dir.appending("tree").path
            try Fixture.file("\(tree)/ping", "elf", mode: 0o755)
            try #require(setxattr("\(tree)/ping", "user.note", "hello", 5, 0) == 0)
            Fixture.setMtime(tree, 1)
            _ = try Self.write(try Differ.treeChanges(lower: "/nonexistent", upper: tree), to: dir.appending("l").path)
            let reader = try LayerArchiveReader(path: dir.appending("l").path)
            var xattrs: [String: [UInt8]] = [:]
            while let entry = try reader.next() { for x in entry.xattrs { xattrs[x.name] = x.value } }
            #expect(xattrs["user.note"] == Array("hello".utf8))
            #expect(xattrs["security.capability"] == nil)
        }
    }

    @Test(
        "security.capability v3 is archived as v2 and restored when unpacked as root",
        .enabled(if: canSetFileCapabilities, "setting security.capability needs CAP_SETFCAP and a file system that keeps it"))
    func capabilities() throws {
        try withTemporaryDirectory { dir in
            let tree = dir.appending("tree").path
            try Fixture.file("\(tree)/ping", "elf", mode: 0o755)
            try #require(setxattr("\(tree)/ping", "user.note", "hello", 5, 0) == 0)
            var v3 = Self.capabilityV3
            try #require(setxattr("\(tree)/ping", "security.capability", &v3, v3.count, 0) == 0)
            Fixture.setMtime(tree, 1)
            _ = try Self.write(try Differ.treeChanges(lower: "/nonexistent", upper: tree), to: dir.appending("l").path)
            let reader = try LayerArchiveReader(path: dir.appending("l").path)
            var xattrs: [String: [UInt8]] = [:]
            while let entry = try reader.next() { for x in entry.xattrs { xattrs[x.name] = x.value } }
            // The kernel may store it as v2 already when the rootid is 0-mapped; either
            // way the archive carries v2 (20 bytes, revision 2).
            #expect(xattrs["security.capability"]?.count == 20)
            #expect(xattrs["security.capability"]?[3] == 0x02)
            // Unpacked as root, the capability is set again.
            let target = dir.appending("out").path
            try Fixture.directory(target)
            _ = try Unpacker().unpack(layerPath: dir.appending("l").path, into: target)
            let restored = try FileSystem.extendedAttributes("\(target)/ping")
            #expect(restored.contains { $0.name == "security.capability" })
            #expect(restored.contains { $0.name == "user.note" && $0.value == Array("hello".utf8) })
        }
    }

    @Test("ownership through an id map; rootless unpack keeps the caller as owner")
    func ownership() throws {
        try withTemporaryDirectory { dir in
            try Fixture.layer([.file("f", "x", uid: 1000, gid: 1000), .file("g", "y", uid: 5, gid: 6)],
                              at: dir.appending("l").path)
            let mapped = dir.appending("mapped").path
            try Fixture.directory(mapped)
            var options = UnpackOptions()
            options.setOwners = true
            options.idMap = IDMap(uids: [.init(container: 0, host: 100_000, count: 65536)],
                                  gids: [.init(container: 0, host: 200_000, count: 65536)])
            _ = try Unpacker(options: options).unpack(layerPath: dir.appending("l").path, into: mapped)
            let f = try FileSystem.status("\(mapped)/f")!
            #expect(f.uid == 101_000 && f.gid == 201_000)
            // Mapped back when writing a layer from that tree.
            var write = LayerWriteOptions()
            write.idMap = options.idMap
            _ = try Self.write([LayerChange(path: "f", source: .entry(hostPath: "\(mapped)/f"))],
                               to: dir.appending("back").path, write)
            #expect(try Fixture.layerSummary(dir.appending("back").path)["f"] == "regular 644 1000:1000 x")
            // An id outside the map is an error naming the member.
            options.idMap = IDMap(uids: [.init(container: 0, host: 0, count: 10)], gids: [.init(container: 0, host: 0, count: 10)])
            let other = dir.appending("other").path
            try Fixture.directory(other)
            #expect { try Unpacker(options: options).unpack(layerPath: dir.appending("l").path, into: other) }
                throws: { "\($0)".contains("uid 1000 has no mapping") }
            // Rootless: owners ignored, recorded.
            let rootless = dir.appending("rootless").path
            try Fixture.directory(rootless)
            var plain = UnpackOptions()
            plain.setOwners = false
            let report = try Unpacker(options: plain).unpack(layerPath: dir.appending("l").path, into: rootless)
            #expect(report.ownersIgnored)
            #expect(try FileSystem.status("\(rootless)/g")?.uid == getuid())
        }
    }

    @Test("a wrong diff_id or digest is reported and nothing is cached")
    func cacheVerifies() throws {
        try withTemporaryDirectory { dir in
            let digests = try Fixture.layer([.file("a", "1")], at: dir.appending("l").path)
            let cache = LayerCache(directory: dir.appending("cache").path)
            let wrong = try Digest.sha256(of: Array("other".utf8))
            #expect { try cache.extract(layerPath: dir.appending("l").path, diffID: wrong) }
                throws: { "\($0)".contains("diff_id is \(digests.diffID)") }
            #expect(!cache.contains(wrong))
            #expect(try FileSystem.directoryEntries(dir.appending("cache/sha256").path).isEmpty)
            let first = try cache.extract(layerPath: dir.appending("l").path, diffID: digests.diffID, digest: digests.digest)
            #expect(first.report != nil)
            #expect(try String(contentsOfFile: "\(first.path)/a", encoding: .utf8) == "1")
            let second = try cache.extract(layerPath: dir.appending("l").path, diffID: digests.diffID)
            #expect(second.report == nil && second.path == first.path)
        }
    }
}
