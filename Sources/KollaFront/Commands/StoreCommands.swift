import Foundation
import OCIBuild

/// The image-store subcommands: `images`, `inspect`, `rmi`, `fsck`, `gc`, `import`,
/// `export`, `unpack` and `mklayer`. Every one takes `--root DIR` (default: the store
/// location of `StoreLocation`). Failures print one line naming the file or image and
/// exit 1; usage mistakes exit 2.
struct StoreCommand {
    /// The subcommands this type runs, with their usage lines.
    static let usages: [String: String] = [
        "images": "usage: kolla-oci images [--root DIR] [--quiet]",
        "inspect": "usage: kolla-oci inspect [--root DIR] REF",
        "rmi": "usage: kolla-oci rmi [--root DIR] REF...",
        "fsck": "usage: kolla-oci fsck [--root DIR]",
        "gc": "usage: kolla-oci gc [--root DIR]",
        "import": "usage: kolla-oci import [--root DIR] [--compression gzip|zstd|none] ROOTFS.tar NAME[:TAG]",
        "export": "usage: kolla-oci export [--root DIR] REF DIR|FILE.tar",
        "unpack": "usage: kolla-oci unpack [--root DIR] [--rootless] REF DIR",
        "mklayer": """
            usage: kolla-oci mklayer [--compression gzip|zstd|none] [--lower DIR | --overlay]
                                     [--source-date-epoch N] DIR FILE
            """,
    ]

    /// The usage text of `command`, nil for commands this type does not run.
    static func usage(_ command: String) -> String? { usages[command] }

    let command: String
    var root: String?
    var positional: [String] = []
    var compression: Compression = .gzip
    var lower: String?
    var overlay = false
    var rootless = false
    var quiet = false
    var sourceDateEpoch: Int?

    /// Parses the arguments after the subcommand name.
    init(command: String, arguments: [String]) throws {
        self.command = command
        var it = arguments.makeIterator()
        func value(_ flag: String, _ inline: String?) throws -> String {
            if let inline { return inline }
            guard let v = it.next() else { throw UsageError("\(flag) needs a value") }
            return v
        }
        while let arg = it.next() {
            var flag = arg
            var inline: String?
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                flag = String(arg[..<eq])
                inline = String(arg[arg.index(after: eq)...])
            }
            switch flag {
            case "--root": root = try value(flag, inline)
            case "--compression":
                let v = try value(flag, inline)
                guard let c = Compression(rawValue: v) else {
                    throw UsageError("--compression must be gzip, zstd or none, not '\(v)'")
                }
                compression = c
            case "--lower": lower = try value(flag, inline)
            case "--overlay": overlay = true
            case "--rootless": rootless = true
            case "--quiet", "-q": quiet = true
            case "--source-date-epoch":
                let v = try value(flag, inline)
                guard let n = Int(v), n >= 0 else { throw UsageError("--source-date-epoch must be seconds, not '\(v)'") }
                sourceDateEpoch = n
            case "-h", "--help": throw UsageError(nil)
            default:
                if arg.hasPrefix("-") && arg.count > 1 { throw UsageError("unknown option \(arg)") }
                positional.append(arg)
            }
        }
        let counts: [String: ClosedRange<Int>] = [
            "images": 0...0, "inspect": 1...1, "rmi": 1...Int.max, "fsck": 0...0, "gc": 0...0,
            "import": 2...2, "export": 2...2, "unpack": 2...2, "mklayer": 2...2,
        ]
        if let range = counts[command], !range.contains(positional.count) {
            throw UsageError(positional.count < range.lowerBound ? "missing arguments" : "too many arguments")
        }
    }

    /// Runs the subcommand; returns the exit status.
    func run() throws -> Int32 {
        switch command {
        case "images": return try images()
        case "inspect": return try inspect()
        case "rmi": return try rmi()
        case "fsck": return try fsck()
        case "gc": return try gc()
        case "import": return try importTarball()
        case "export": return try export()
        case "unpack": return try unpack()
        case "mklayer": return try mklayer()
        default: throw UsageError("unknown command '\(command)'")
        }
    }

    /// The store at `--root` or the default location.
    func openStore(create: Bool = true) throws -> ImageStore {
        let path = root ?? StoreLocation.defaultRoot(environment: ProcessInfo.processInfo.environment)
        return try ImageStore(root: path, create: create)
    }

    func layerOptions() -> LayerWriteOptions {
        var options = LayerWriteOptions()
        options.compressionFormat = compression
        options.makeReproducible(epoch: sourceDateEpoch
            ?? LayerWriteOptions.sourceDateEpoch(from: ProcessInfo.processInfo.environment))
        return options
    }

    func images() throws -> Int32 {
        let store = try openStore()
        var rows: [[String]] = []
        for (name, descriptor) in try store.images() {
            if quiet {
                print(name ?? descriptor.digest.description)
                continue
            }
            var size = descriptor.size
            var created = "-"
            if let (_, manifest) = try? store.manifest(descriptor) {
                size += manifest.config.size + manifest.layers.reduce(0) { $0 + $1.size }
                if let config = try? store.readJSON(ImageConfig.self, manifest.config) { created = config.created ?? "-" }
            }
            rows.append([name ?? "<none>", String(descriptor.digest.description.prefix(19)), created,
                         Self.humanSize(size)])
        }
        if !quiet { printTable(header: ["NAME", "DIGEST", "CREATED", "SIZE"], rows: rows) }
        return 0
    }

    func inspect() throws -> Int32 {
        let store = try openStore()
        let (name, descriptor) = try store.resolve(positional[0])
        let (manifestDescriptor, manifest) = try store.manifest(descriptor)
        let config = try store.readJSON(ImageConfig.self, manifest.config)
        struct Inspection: Encodable {
            var name: String?
            var descriptor: Descriptor
            var manifestDescriptor: Descriptor?
            var manifest: Manifest
            var config: ImageConfig
        }
        var entry = descriptor
        entry.annotations = nil
        let inspection = Inspection(name: name, descriptor: entry,
                                    manifestDescriptor: manifestDescriptor == descriptor ? nil : manifestDescriptor,
                                    manifest: manifest, config: config)
        print(try CanonicalJSON.encodePretty(inspection))
        return 0
    }

    func rmi() throws -> Int32 {
        let store = try openStore()
        for text in positional {
            let (name, descriptor) = try store.resolve(text)
            guard let name else { throw CommandError("\(text): image \(descriptor.digest) has no name to remove") }
            try store.untag(name)
            print("untagged: \(name)")
        }
        return 0
    }

    func fsck() throws -> Int32 {
        let store = try openStore(create: false)
        let report = try store.fsck()
        for note in report.notes { print("note: \(note)") }
        for problem in report.problems { KollaOCI.printError("error: \(problem)") }
        let summary = "fsck \(store.root): \(report.blobsVerified) blobs verified, "
            + "\(report.referencesChecked) references checked"
        if report.isClean {
            print("\(summary), clean")
            return 0
        }
        KollaOCI.printError("\(summary), \(report.problems.count) problem(s)")
        return 1
    }

    func gc() throws -> Int32 {
        let store = try openStore(create: false)
        let report = try store.gc {
            KollaOCI.printError("gc \(store.root): waiting for writers that are storing blobs or naming images")
        }
        var line = "gc \(store.root): removed \(report.removedBlobs.count) blob(s) (\(Self.humanSize(report.freedBytes))), "
            + "\(report.removedTemporaryFiles) temporary file(s), "
            + "\(report.removedCachedLayers.count) cached layer(s), \(report.removedScratch) stale scratch dir(s)"
        if report.keptForBuilds > 0 { line += "; kept \(report.keptForBuilds) blob(s) in use by running builds" }
        print(line)
        return 0
    }

    func importTarball() throws -> Int32 {
        let (tarball, nameText) = (positional[0], positional[1])
        guard FileManager.default.isReadableFile(atPath: tarball) else {
            throw CommandError("\(tarball): cannot read the tarball")
        }
        let reference = try Reference(nameText)
        guard reference.digest == nil else { throw CommandError("\(nameText): an image name cannot have a digest") }
        let store = try openStore()
        let name = reference.familiarString
        let descriptor = try ImageImport(store: store, layerOptions: layerOptions()).run(tarball: tarball, name: name)
        print("\(name) \(descriptor.digest)")
        return 0
    }

    func export() throws -> Int32 {
        let store = try openStore(create: false)
        let (name, descriptor) = try store.resolve(positional[0])
        let target = positional[1]
        let exportName = name ?? ImageStore.storeName(positional[0])
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory)
        if target.hasSuffix(".tar") || (exists && !isDirectory.boolValue) {
            try store.exportArchive(descriptor, name: exportName, to: target)
            print("exported \(exportName) to OCI archive \(target)")
        } else {
            // A layout for other tools and users: not the store's private mode.
            try store.copyImage(descriptor, name: exportName, to: ImageStore(root: target, create: true, isPrivate: false))
            print("exported \(exportName) to OCI layout \(target)")
        }
        return 0
    }

    func unpack() throws -> Int32 {
        let store = try openStore(create: false)
        let (_, descriptor) = try store.resolve(positional[0])
        let (_, manifest) = try store.manifest(descriptor)
        let config = try store.readJSON(ImageConfig.self, manifest.config)
        let target = positional[1]
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        guard try FileManager.default.contentsOfDirectory(atPath: target).isEmpty else {
            throw CommandError("\(target): target directory is not empty")
        }
        var options = UnpackOptions()
        if rootless {
            options.setOwners = false
            options.createDevices = false
        }
        var skipped: [String] = []
        for (index, layer) in manifest.layers.enumerated() {
            guard layer.mediaType.isLayer else {
                throw CommandError("\(store.blobPath(layer.digest)): unsupported layer media type \(layer.mediaType)")
            }
            options.expectedDigest = layer.digest
            options.expectedDiffID = index < config.rootfs.diffIDs.count ? config.rootfs.diffIDs[index] : nil
            let report = try Unpacker(options: options).unpack(layerPath: store.blobPath(layer.digest), into: target)
            skipped += report.skippedDevices + report.skippedXattrs
        }
        for line in skipped { print("skipped: \(line)") }
        print("unpacked \(manifest.layers.count) layer(s) into \(target)")
        return 0
    }

    func mklayer() throws -> Int32 {
        let (directory, output) = (positional[0], positional[1])
        let changes: [LayerChange]
        if overlay {
            changes = try Differ.overlayChanges(upper: directory)
        } else {
            changes = try Differ.treeChanges(lower: lower, upper: directory)
        }
        let digests = try LayerWriter(options: layerOptions()).write(changes, toFile: output)
        print("diff_id \(digests.diffID) \(digests.uncompressedSize)")
        print("digest \(digests.digest) \(digests.size)")
        return 0
    }

    /// `12.3 MB` style sizes (decimal units, as docker and podman print).
    static func humanSize(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }

    func printTable(header: [String], rows: [[String]]) {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        for row in all {
            let line = row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column] + 3, withPad: " ", startingAt: 0)
            }.joined()
            print(line)
        }
    }
}
