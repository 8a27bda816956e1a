// The store as a private place shared by concurrent processes: the 0700 top directory,
// gc against running builds (content leases) and the sweep of scratch left by processes
// that are gone, with the registry SIGINT/SIGTERM cleanup uses.

import Foundation
import Testing
import TestSupport
import OCIBuild

#if canImport(Glibc)
import Glibc
import OCISystem
#endif

@Suite("Store sharing")
struct StoreSharingTests {
    @Test("the store's top directory is created 0700 and an owner's existing one tightened")
    func privateTopDirectory() throws {
        try withTemporaryDirectory { dir in
            // New store, missing parents: the parents are ordinary, the store is private.
            let root = dir.appending("var/lib/kolla-oci").path
            _ = try ImageStore(root: root)
            #expect(try FileSystem.status(root)?.permissions == 0o700)
            #expect(try FileSystem.status(dir.appending("var/lib").path)?.permissions == 0o755)

            // An existing store made world-readable is tightened when opened for writing.
            try FileSystem.setMode(root, 0o755)
            _ = try ImageStore(root: root, create: false)
            #expect(try FileSystem.status(root)?.permissions == 0o755)
            _ = try ImageStore(root: root)
            #expect(try FileSystem.status(root)?.permissions == 0o700)

            // An existing empty directory given as the root becomes a private store.
            let given = dir.appending("given").path
            try FileSystem.createDirectory(given, mode: 0o755)
            _ = try ImageStore(root: given)
            #expect(try FileSystem.status(given)?.permissions == 0o700)

            // A layout for other tools (an export target) and a shared sticky directory
            // keep their modes.
            let export = dir.appending("export").path
            _ = try ImageStore(root: export, isPrivate: false)
            #expect(try FileSystem.status(export)?.permissions == 0o755)
            let sticky = dir.appending("sticky").path
            try FileSystem.createDirectory(sticky)
            try FileSystem.setMode(sticky, 0o1777)
            _ = try ImageStore(root: sticky)
            #expect(try FileSystem.status(sticky)?.permissions == 0o1777)
        }
    }

    @Test("gc keeps what a running build's lease pins and collects it once the lease ends")
    func gcSkipsLeasedContent() throws {
        try withTemporaryDirectory { dir in
            let store = try ImageStore(root: dir.appending("store").path)
            let base = try ImageStoreTests.storeImage(store, name: "base:1", text: "base layer")
            let baseManifest = try store.readJSON(Manifest.self, base)
            let stray = try store.putBlob(Array("nobody's".utf8), mediaType: .ociLayer)

            // A build-like holder: pins the base image, stores a new layer (pinned under the
            // write lease, as BuildExecutor.commitLayer does) and its extracted directory.
            let lease = try ContentLease(store: store)
            try lease.pin(blobs: [base.digest, baseManifest.config.digest] + baseManifest.layers.map(\.digest))
            let layer = try store.withWriteLease {
                let layer = try store.putBlob(Array("new layer".utf8), mediaType: .ociLayer)
                try lease.pin(blobs: [layer.digest], layers: [layer.digest])
                return layer
            }
            let layerDirectory = "\(store.layerCacheDirectory)/sha256/\(layer.digest.encoded)"
            try FileSystem.createDirectory(layerDirectory + "/etc")
            // Someone removes the base image's name meanwhile.
            try store.untag("base:1")

            let during = try store.gc()
            #expect(during.removedBlobs == [stray.digest])
            #expect(during.keptForBuilds == 4)  // base manifest, config, layer + the new layer
            #expect(store.hasBlob(layer.digest) && store.hasBlob(base.digest))
            #expect(try FileSystem.status(layerDirectory)?.kind == .directory)
            #expect(during.removedCachedLayers.isEmpty)

            // The build ends without naming anything: all of it is garbage now.
            lease.release()
            #expect(try FileSystem.directoryEntries(store.leaseDirectory).isEmpty)
            let after = try store.gc()
            #expect(Set(after.removedBlobs) == Set([layer.digest, base.digest, baseManifest.config.digest]
                                                    + baseManifest.layers.map(\.digest)))
            #expect(after.removedCachedLayers == [layer.digest])
            #expect(after.keptForBuilds == 0)
            #expect(try FileSystem.directoryEntries(store.blobDirectory).isEmpty)
        }
    }

    @Test("a lease of a process that is gone pins nothing and is removed")
    func deadLeaseIgnored() throws {
        try withTemporaryDirectory { dir in
            let store = try ImageStore(root: dir.path)
            let blob = try store.putBlob(Array("orphan".utf8), mediaType: .ociLayer)
            try FileSystem.createDirectory(store.leaseDirectory)
            // Owner token 999999999-dead has no owner file: its process is gone.
            let dead = "\(store.leaseDirectory)/lease-999999999-dead-1"
            try Data("blob \(blob.digest)\n".utf8).write(to: URL(fileURLWithPath: dead))
            let report = try store.gc()
            #expect(report.removedBlobs == [blob.digest])
            #expect(try FileSystem.status(dead) == nil)
        }
    }

    @Test("gc sweeps the scratch of processes that are gone and keeps running ones'")
    func staleScratchSweep() throws {
        try withTemporaryDirectory { dir in
            let store = try ImageStore(root: dir.path)
            let build = "\(store.ingestDirectory)/build"
            let extractions = "\(store.layerCacheDirectory)/sha256"
            try FileSystem.createDirectory(build)
            try FileSystem.createDirectory(extractions)

            // Another live process: an owner file locked through its own open file.
            let owners = StoreOwner.ownersDirectory(storeRoot: store.root)
            try FileSystem.createDirectory(owners)
            let other = try FileDescriptor(path: "\(owners)/4242-beef", flags: O_RDWR | O_CREAT, mode: 0o600)
            try other.lock(exclusive: true)
            // A process that died holding nothing: its owner file is unlocked.
            _ = try FileDescriptor(path: "\(owners)/4343-dead", flags: O_RDWR | O_CREAT, mode: 0o600)
            try StoreOwner.claim(storeRoot: store.root)

            let mine = "\(build)/step-\(StoreOwner.token)-aaaaaa"
            let live = "\(build)/step-4242-beef-bbbbbb"
            let dead = "\(build)/step-4343-dead-cccccc"
            let legacy = "\(build)/step.dddddd"
            let deadExtraction = "\(extractions)/tmp-4343-dead-1"
            let liveExtraction = "\(extractions)/tmp-4242-beef-2"
            for path in [mine, live, legacy, deadExtraction, liveExtraction] { try FileSystem.createDirectory(path + "/x") }
            // A dead step with an overlay work directory left at mode 000.
            try FileSystem.createDirectory(dead + "/work/work/inside")
            try FileSystem.setMode(dead + "/work/work", 0)
            _ = FileManager.default.createFile(atPath: "\(store.ingestDirectory)/tmp-4343-dead-9", contents: Data())
            _ = FileManager.default.createFile(atPath: "\(store.ingestDirectory)/tmp-4242-beef-9", contents: Data())

            let report = try store.gc()
            #expect(report.removedScratch == 3)
            #expect(report.removedTemporaryFiles == 1)
            for path in [dead, legacy, deadExtraction, "\(owners)/4343-dead", "\(store.ingestDirectory)/tmp-4343-dead-9"] {
                #expect(try FileSystem.status(path) == nil, "\(path)")
            }
            for path in [mine, live, liveExtraction, "\(owners)/4242-beef", "\(owners)/\(StoreOwner.token)",
                         "\(store.ingestDirectory)/tmp-4242-beef-9"] {
                #expect(try FileSystem.status(path) != nil, "\(path)")
            }
            withExtendedLifetime(other) {}
        }
    }

    @Test("scratch paths are registered while they exist and carry the owner token")
    func scratchRegistry() throws {
        try withTemporaryDirectory { dir in
            let store = try ImageStore(root: dir.path)
            let ingest = try store.startIngest()
            #expect(FileSystem.baseName(ingest.path).hasPrefix("tmp-\(StoreOwner.token)-"))
            #expect(ScratchRegistry.registered.contains(ingest.path))
            try ingest.file.write(Array("x".utf8))
            try store.commit(ingest)
            #expect(!ScratchRegistry.registered.contains(ingest.path))

            let lease = try ContentLease(store: store)
            #expect(ScratchRegistry.registered.contains(lease.path))
            lease.release()
            #expect(!ScratchRegistry.registered.contains(lease.path))
            #expect(try FileSystem.status(lease.path) == nil)

            let scratch = try ScratchRegistry.create { () throws(NativeError) -> String in
                let path = dir.appending("scratch").path
                try FileSystem.createDirectory(path + "/work/work")
                try FileSystem.setMode(path + "/work/work", 0)
                return path
            }
            #expect(ScratchRegistry.registered.contains(scratch))
            ScratchRegistry.remove(scratch)
            #expect(!ScratchRegistry.registered.contains(scratch))
            #expect(try FileSystem.status(scratch) == nil)
        }
    }
}
