// The OCI-layout store: layout files, verified puts and reads, names in index.json,
// concurrent writers, fsck catching corruption, gc keeping what images reach, and the
// default location rules.

import Foundation
import Testing
import TestSupport
import OCIBuild

#if canImport(Glibc)
import Glibc
import OCISystem
#endif

@Suite("Image store")
struct ImageStoreTests {
    /// A one-layer image made of `text`, named `name`.
    static func storeImage(_ store: ImageStore, name: String, text: String) throws -> Descriptor {
        try store.withWriteLease {
            let layer = try store.putBlob(Array(text.utf8), mediaType: .ociLayer)
            let config = ImageConfig(platform: Platform(architecture: "amd64", os: "linux"),
                                     rootfs: RootFS(diffIDs: [layer.digest]))
            let configDescriptor = try store.putJSON(config, mediaType: .ociConfig)
            let manifest = try store.putJSON(Manifest(config: configDescriptor, layers: [layer]), mediaType: .ociManifest)
            try store.tag(name, manifest)
            return manifest
        }
    }

    @Test("a new store is an OCI image layout")
    func layoutFiles() throws {
        try withTemporaryDirectory { dir in
            let store = try ImageStore(root: dir.appending("store").path)
            let layout = try String(contentsOfFile: store.layoutFile, encoding: .utf8)
            #expect(layout == #"{"imageLayoutVersion":"1.0.0"}"#)
            let index = try String(contentsOfFile: store.indexFile, encoding: .utf8)
            #expect(index == #"{"manifests":[],"mediaType":"application/vnd.oci.image.index.v1+json","schemaVersion":2}"#)
            #expect(try FileSystem.status(store.blobDirectory)?.kind == .directory)
            #expect(throws: StoreError.self) { try ImageStore(root: dir.appending("absent").path, create: false) }
        }
    }

    @Test("put is idempotent, read verifies the digest")
    func putAndRead() throws {
        try withTemporaryDirectory { dir in
            let store = try ImageStore(root: dir.path)
            let a = try store.putBlob(Array("hello".utf8), mediaType: .ociLayer)
            let b = try store.putBlob(Array("hello".utf8), mediaType: .ociLayer)
            #expect(a == b)
            #expect(a.digest.description == "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
            #expect(try store.readBlob(a.digest) == Array("hello".utf8))
            let mode = try FileSystem.status(store.blobPath(a.digest))?.permissions
            #expect(mode == 0o644)
            // Corrupt the blob: reads and fsck notice.
            try Data("hellO".utf8).write(to: URL(fileURLWithPath: store.blobPath(a.digest)))
            #expect { try store.readBlob(a.digest) } throws: { "\($0)".contains("content digest is") }
            let report = try store.fsck()
            #expect(!report.isClean)
            #expect(report.problems.contains { $0.contains(a.digest.encoded) })
            // No temporary files left behind by the puts.
            #expect(try FileSystem.directoryEntries(store.ingestDirectory).allSatisfy { !$0.hasPrefix("tmp-") })
        }
    }

    @Test("commit refuses content that does not match the expected digest")
    func commitChecksDigest() throws {
        try withTemporaryDirectory { dir in
            let store = try ImageStore(root: dir.path)
            let ingest = try store.startIngest()
            try ingest.file.write(Array("abc".utf8))
            let wrong = try Digest.sha256(of: Array("abd".utf8))
            #expect { try store.commit(ingest, expected: wrong) } throws: { "\($0)".contains("expected \(wrong)") }
            #expect(!store.hasBlob(wrong))
            #expect(try FileSystem.directoryEntries(store.blobDirectory).isEmpty)
        }
    }

    @Test("names: tag, resolve by name, short and long forms and digest prefix, untag")
    func names() throws {
        try withTemporaryDirectory { dir in
            let store = try ImageStore(root: dir.path)
            let one = try Self.storeImage(store, name: "debian:bookworm", text: "one")
            let two = try Self.storeImage(store, name: "kolla/base:master", text: "two")
            #expect(try store.resolve("debian:bookworm").descriptor.digest == one.digest)
            #expect(try store.resolve("docker.io/library/debian:bookworm").descriptor.digest == one.digest)
            #expect(try store.resolve(String(two.digest.encoded.prefix(12))).name == "kolla/base:master")
            #expect(try store.resolve(two.digest.description).descriptor.digest == two.digest)
            #expect(throws: StoreError.self) { try store.resolve("debian:trixie") }
            // Re-tagging replaces; index entries stay sorted and unique.
            try store.tag("debian:bookworm", two)
            let names = try store.images().map(\.name)
            #expect(names == ["debian:bookworm", "kolla/base:master"])
            #expect(try store.resolve("debian:bookworm").descriptor.digest == two.digest)
            try store.untag("debian:bookworm")
            #expect(try store.images().map(\.name) == ["kolla/base:master"])
            #expect(try store.fsck().isClean)
        }
    }

    @Test("concurrent writers in several threads never lose a name")
    func concurrentTags() async throws {
        try await withTemporaryDirectory { dir in
            let root = dir.path
            _ = try ImageStore(root: root)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        // Each task opens its own store value: locks are per open file.
                        let store = try ImageStore(root: root)
                        for n in 0..<10 {
                            _ = try Self.storeImage(store, name: "img\(worker):\(n)", text: "w\(worker) n\(n)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let store = try ImageStore(root: root)
            #expect(try store.images().count == 40)
            let report = try store.fsck()
            #expect(report.isClean, "\(report.problems)")
            #expect(report.blobsVerified == 40 * 3)
        }
    }

    @Test("gc removes what no image reaches and keeps the rest")
    func garbageCollection() throws {
        try withTemporaryDirectory { dir in
            let store = try ImageStore(root: dir.path)
            _ = try Self.storeImage(store, name: "keep:1", text: "kept")
            let gone = try Self.storeImage(store, name: "drop:1", text: "dropped")
            let stray = try store.putBlob(Array("stray".utf8), mediaType: .ociLayer)
            try store.untag("drop:1")
            // An interrupted write and an unused cached layer.
            _ = FileManager.default.createFile(atPath: "\(store.ingestDirectory)/tmp-1-dead", contents: Data("x".utf8))
            try FileSystem.createDirectory("\(store.layerCacheDirectory)/sha256/\(stray.digest.encoded)")
            let report = try store.gc()
            #expect(Set(report.removedBlobs).isSuperset(of: [gone.digest, stray.digest]))
            #expect(report.removedBlobs.count == 4)  // manifest, config, layer of drop:1 + stray
            #expect(report.removedTemporaryFiles == 1)
            #expect(report.removedCachedLayers == [stray.digest])
            let after = try store.fsck()
            #expect(after.isClean && after.notes.isEmpty)
            #expect(after.blobsVerified == 3)
            #expect(try store.resolve("keep:1").name == "keep:1")
        }
    }

    @Test("fsck reports a missing layer and a wrong size, naming the image")
    func fsckReferences() throws {
        try withTemporaryDirectory { dir in
            let store = try ImageStore(root: dir.path)
            let manifestDescriptor = try Self.storeImage(store, name: "broken:1", text: "layer")
            let manifest = try store.readJSON(Manifest.self, manifestDescriptor)
            try FileManager.default.removeItem(atPath: store.blobPath(manifest.layers[0].digest))
            var report = try store.fsck()
            #expect(report.problems.contains { $0.contains("image broken:1") && $0.contains("is missing") })
            var wrong = manifestDescriptor
            wrong.size += 1
            try store.tag("broken:1", wrong)
            report = try store.fsck()
            #expect(report.problems.contains { $0.contains("descriptor says \(wrong.size)") })
        }
    }

    @Test("default store location", arguments: [
        ([String: String](), UInt32(0), "/var/lib/kolla-oci"),
        (["KOLLA_OCI_ROOT": "/srv/x"], UInt32(0), "/srv/x"),
        (["KOLLA_OCI_ROOT": "/srv/x", "HOME": "/home/u"], UInt32(1000), "/srv/x"),
        (["XDG_DATA_HOME": "/d", "HOME": "/home/u"], UInt32(1000), "/d/kolla-oci"),
        (["XDG_DATA_HOME": "relative", "HOME": "/home/u"], UInt32(1000), "/home/u/.local/share/kolla-oci"),
        (["HOME": "/home/u"], UInt32(1000), "/home/u/.local/share/kolla-oci"),
    ])
    func defaultRoot(environment: [String: String], uid: UInt32, expected: String) {
        #expect(StoreLocation.defaultRoot(environment: environment, userID: uid) == expected)
    }
}
