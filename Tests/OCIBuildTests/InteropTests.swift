// Images written by kolla-oci read by Debian's own tools: skopeo (inspect, copy between
// layouts), umoci (rootless unpack, and a layer repacked by umoci compared with ours for
// the same change) and podman (load of an exported OCI archive). Each test states why it
// cannot run when its tool is missing.

import Foundation
import Testing
import TestSupport
import OCIBuild

#if canImport(Glibc)
import Glibc
import OCISystem
#endif

@Suite("Interop with skopeo, umoci and podman")
struct InteropTests {
    static let skopeo = findExecutable("skopeo")
    static let umoci = findExecutable("umoci")
    static let podman = findExecutable("podman")

    /// A small root file system tarball made by GNU tar (sorted input), imported as `name`.
    static func importSample(into store: ImageStore, name: String, scratch: TemporaryDirectory) throws -> Descriptor {
        let rootfs = scratch.appending("rootfs").path
        try Fixture.file("\(rootfs)/etc/os-release", "ID=test\n")
        try Fixture.file("\(rootfs)/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
        try Fixture.file("\(rootfs)/usr/bin/hello", "#!/bin/sh\necho hello\n", mode: 0o755)
        try Fixture.file("\(rootfs)/usr/lib/libx.so.1", "lib")
        try Fixture.file("\(rootfs)/var/lib/dpkg/status", "Package: x\n")
        try Fixture.file("\(rootfs)/var/cache/apt/junk", "junk")
        try Fixture.directory("\(rootfs)/tmp", mode: 0o1777)
        symlink("usr/lib", "\(rootfs)/lib")
        symlink("libx.so.1", "\(rootfs)/usr/lib/libx.so")
        link("\(rootfs)/usr/bin/hello", "\(rootfs)/usr/bin/hi")
        let tarball = scratch.appending("rootfs.tar").path
        let tar = try runProcess("/bin/sh", ["-c", "cd '\(rootfs)' && find . | LC_ALL=C sort | "
                                             + "tar --numeric-owner --no-recursion -cf '\(tarball)' -T -"])
        #expect(tar.status == 0, "\(tar.stderr)")
        var options = LayerWriteOptions()
        options.sourceDateEpoch = 1_700_000_000
        return try ImageImport(store: store, layerOptions: options).run(tarball: tarball, name: name)
    }

    @Test("skopeo inspects and copies images from the store", .enabled(if: skopeo != nil, "skopeo is not installed"))
    func skopeoReadsStore() throws {
        try withTemporaryDirectory { dir in
            let store = try ImageStore(root: dir.appending("store").path)
            let descriptor = try Self.importSample(into: store, name: "sample:1", scratch: dir)
            let manifest = try store.readJSON(Manifest.self, descriptor)

            let inspect = try runProcess(Self.skopeo!, ["inspect", "oci:\(store.root):sample:1"])
            #expect(inspect.status == 0, "\(inspect.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any]
            #expect(json?["Digest"] as? String == descriptor.digest.description)
            #expect(json?["Layers"] as? [String] == manifest.layers.map(\.digest.description))
            #expect(json?["Architecture"] as? String == Platform.host.architecture)

            // Copy to another layout with skopeo: our store reads it, fsck finds it clean.
            let copy = dir.appending("copy").path
            let copied = try runProcess(Self.skopeo!, ["copy", "oci:\(store.root):sample:1", "oci:\(copy):copied"])
            #expect(copied.status == 0, "\(copied.stderr)")
            let other = try ImageStore(root: copy, create: false)
            let report = try other.fsck()
            #expect(report.isClean, "\(report.problems)")
            let (_, otherManifest) = try other.manifest(try other.resolve("copied").descriptor)
            #expect(otherManifest.layers.map(\.digest) == manifest.layers.map(\.digest))
            // And skopeo can copy it back into our store, next to the original.
            let back = try runProcess(Self.skopeo!, ["copy", "oci:\(copy):copied", "oci:\(store.root):back:1"])
            #expect(back.status == 0, "\(back.stderr)")
            #expect(try store.fsck().isClean)
            #expect(Set(try store.images().compactMap(\.name)) == ["sample:1", "back:1"])
        }
    }

    @Test("umoci unpacks our image rootless to the same tree as our unpacker",
          .enabled(if: umoci != nil, "umoci is not installed"))
    func umociUnpacks() throws {
        try withTemporaryDirectory { dir in
            let store = try ImageStore(root: dir.appending("store").path)
            let descriptor = try Self.importSample(into: store, name: "sample:1", scratch: dir)
            let bundle = dir.appending("bundle").path
            let result = try runProcess(Self.umoci!, ["unpack", "--rootless", "--image", "\(store.root):sample:1", bundle])
            #expect(result.status == 0, "\(result.stderr)")

            let ours = dir.appending("ours").path
            try Fixture.directory(ours)
            let (_, manifest) = try store.manifest(descriptor)
            var options = UnpackOptions()
            options.setOwners = false
            _ = try Unpacker(options: options).unpack(layerPath: store.blobPath(manifest.layers[0].digest), into: ours)
            let theirs = try Fixture.treeSummary("\(bundle)/rootfs")
            #expect(try Fixture.treeSummary(ours) == theirs)
            #expect(theirs["usr/bin/hello"]?.hasPrefix("regular 755") == true)
            #expect(theirs["tmp"]?.hasPrefix("directory 1777") == true)
        }
    }

    @Test("a layer we write equals the layer umoci repacks for the same change",
          .enabled(if: umoci != nil, "umoci is not installed"))
    func sameChangeAsUmoci() throws {
        try withTemporaryDirectory { dir in
            let store = try ImageStore(root: dir.appending("store").path)
            let descriptor = try Self.importSample(into: store, name: "sample:1", scratch: dir)
            let bundle = dir.appending("bundle").path
            let unpack = try runProcess(Self.umoci!, ["unpack", "--image", "\(store.root):sample:1", bundle])
            #expect(unpack.status == 0, "\(unpack.stderr)")
            // The lower tree, as our unpacker makes it.
            let lower = dir.appending("lower").path
            try Fixture.directory(lower)
            let (_, manifest) = try store.manifest(descriptor)
            _ = try Unpacker().unpack(layerPath: store.blobPath(manifest.layers[0].digest), into: lower)

            // One change, like a RUN step: add, modify, chmod, delete a file and a directory,
            // add a symlink and a new directory.
            let rootfs = "\(bundle)/rootfs"
            try Fixture.file("\(rootfs)/etc/new.conf", "new\n", mtime: 1_700_000_100)
            try Fixture.file("\(rootfs)/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n", mtime: 1_700_000_100)
            chmod("\(rootfs)/usr/lib/libx.so.1", 0o600)
            try FileManager.default.removeItem(atPath: "\(rootfs)/var/lib/dpkg/status")
            try FileManager.default.removeItem(atPath: "\(rootfs)/var/cache/apt")
            symlink("/etc/new.conf", "\(rootfs)/etc/alias.conf")
            try Fixture.file("\(rootfs)/opt/app/run", "run", mode: 0o755, mtime: 1_700_000_100)

            let repack = try runProcess(Self.umoci!, ["repack", "--image", "\(store.root):changed", bundle])
            #expect(repack.status == 0, "\(repack.stderr)")
            let (_, changed) = try store.manifest(try store.resolve("changed").descriptor)
            let umociLayer = store.blobPath(changed.layers.last!.digest)

            let changes = try Differ.treeChanges(lower: lower, upper: rootfs)
            let ourLayer = dir.appending("ours.tar.gz").path
            let output = try FileDescriptor(path: ourLayer, flags: O_WRONLY | O_CREAT, mode: 0o644)
            _ = try LayerWriter().write(changes, to: output)

            let theirs = try Fixture.layerSummary(umociLayer)
            let ours = try Fixture.layerSummary(ourLayer)
            // Same files, links and whiteouts with the same content, modes and owners.
            let nonDirectories = { (summary: [String: String]) in summary.filter { !$0.value.hasPrefix("directory") } }
            #expect(nonDirectories(ours) == nonDirectories(theirs))
            #expect(ours[".wh.nothing"] == nil)
            #expect(theirs["var/cache/.wh.apt"] != nil && ours["var/cache/.wh.apt"] != nil)
            // Directories: both record the ones whose metadata changed (mtime bumped by
            // the change); we record no directory umoci does not.
            let ourDirectories = Set(ours.filter { $0.value.hasPrefix("directory") }.keys)
            let theirDirectories = Set(theirs.filter { $0.value.hasPrefix("directory") }.keys)
            #expect(ourDirectories.isSubset(of: theirDirectories.union([""])),
                    "ours \(ourDirectories.sorted()) theirs \(theirDirectories.sorted())")
        }
    }

    @Test("podman loads an exported OCI archive", .enabled(if: podman != nil, "podman is not installed"))
    func podmanLoads() throws {
        try withTemporaryDirectory { dir in
            let store = try ImageStore(root: dir.appending("store").path)
            let descriptor = try Self.importSample(into: store, name: "sample:1", scratch: dir)
            let archive = dir.appending("sample.tar").path
            try store.exportArchive(descriptor, name: "sample:1", to: archive)
            let base = ["--root", dir.appending("podman-root").path, "--runroot", dir.appending("podman-run").path,
                        "--storage-driver", "vfs", "--events-backend", "none", "--cgroup-manager", "cgroupfs"]
            let load = try runProcess(Self.podman!, base + ["load", "-i", archive])
            #expect(load.status == 0, "\(load.stderr)")
            #expect(load.stdout.contains("sample:1"), "\(load.stdout)")
            let inspect = try runProcess(Self.podman!, base + ["image", "inspect", "--format",
                                                               "{{range .RootFS.Layers}}{{.}} {{end}}", "sample:1"])
            #expect(inspect.status == 0, "\(inspect.stderr)")
            let (_, manifest) = try store.manifest(descriptor)
            let config = try store.readJSON(ImageConfig.self, manifest.config)
            #expect(inspect.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                    == config.rootfs.diffIDs.map(\.description).joined(separator: " "))
        }
    }

    @Test("an exported layout directory is a complete OCI layout for skopeo",
          .enabled(if: skopeo != nil, "skopeo is not installed"))
    func exportedLayout() throws {
        try withTemporaryDirectory { dir in
            let store = try ImageStore(root: dir.appending("store").path)
            let descriptor = try Self.importSample(into: store, name: "sample:1", scratch: dir)
            try withTemporaryDirectory { other in _ = try Self.importSample(into: store, name: "other:1", scratch: other) }
            let out = try ImageStore(root: dir.appending("out").path)
            try store.copyImage(descriptor, name: "exported:1", to: out)
            #expect(try out.images().compactMap(\.name) == ["exported:1"])
            let inspect = try runProcess(Self.skopeo!, ["inspect", "oci:\(out.root):exported:1"])
            #expect(inspect.status == 0, "\(inspect.stderr)")
            #expect(inspect.stdout.contains(descriptor.digest.description))
        }
    }
}
