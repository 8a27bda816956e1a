import Foundation
import OCIBuild

/// kolla-build's sources for one image build (`kolla/image/tasks.py`), fetched only when
/// the image is built: the image's own section (`<image>-archive` in the context), then
/// every `<image>-plugin-*` and `<image>-additions-*` section, unpacked into `plugins/` and
/// `additions/` and re-archived as `plugins-archive` / `additions-archive` (both always
/// created, empty when there is nothing, since templates ADD them unconditionally).
/// Archives are normalised (owner 0, mtime 0, sorted) so build caches keyed on them hold.
struct SourceArchives {
    let conf: Configuration
    let log: @Sendable (String) -> Void

    /// A source section's settings.
    struct Source {
        let section: String
        let type: String
        let location: String
        let reference: String?
        let sha256: [OptionValue.KeyValue]
    }

    /// The enabled source of `section`, nil when it has no `type` or is disabled.
    func source(_ section: String) -> Source? {
        guard case .string(let type)? = conf.sourceValue(section, "type"), !type.isEmpty else { return nil }
        if case .bool(false)? = conf.sourceValue(section, "enabled") { return nil }
        var location = ""
        if case .string(let l)? = conf.sourceValue(section, "location") { location = l }
        var reference: String?
        if case .string(let r)? = conf.sourceValue(section, "reference") { reference = r }
        var sums: [OptionValue.KeyValue] = []
        if case .dict(let d)? = conf.sourceValue(section, "sha256") { sums = d }
        return Source(section: section, type: type, location: location, reference: reference, sha256: sums)
    }

    /// Prepares every archive of `image` in `context`.
    func prepare(image: String, context: String) throws {
        if let own = source(image) {
            try fetch(own, into: context + "/\(image)-archive", context: context)
        }
        for kind in ["plugins", "additions"] {
            let dir = context + "/" + kind
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let infix = kind == "plugins" ? "-plugin-" : "-additions-"
            for section in conf.allSectionNames.sorted() where section.hasPrefix(image + infix) {
                guard let src = source(section) else { continue }
                let archive = context + "/" + section + "-archive"
                try fetch(src, into: archive, context: context)
                // The archive must be a tar whose members stay inside plugins/ (additions/).
                var options = UnpackOptions()
                options.whiteouts = .apply
                do {
                    _ = try Unpacker(options: options).unpack(layerPath: archive, into: dir)
                } catch {
                    throw CommandError("\(section): \(archive) is not a usable tar archive: \(error)")
                }
                try? FileManager.default.removeItem(atPath: archive)
            }
            try SourceArchive.write(dir, arcname: kind, to: context + "/\(kind)-archive")
        }
    }

    private func fetch(_ src: Source, into archive: String, context: String) throws {
        switch src.type {
        case "url":
            log("Downloading \(src.section) from \(src.location)")
            let digest = try SourceArchive.download(src.location, to: archive, timeout: conf.int("timeout"))
            let arch = conf.string("debian_arch") ?? "amd64"
            if let want = src.sha256.first(where: { $0.key == arch })?.value, !want.isEmpty, want.lowercased() != digest {
                try? FileManager.default.removeItem(atPath: archive)
                throw CommandError("\(src.section): sha256 of \(src.location) is \(digest), expected \(want)")
            }
        case "git":
            let reference = src.reference ?? "master"
            let clone = context + "/\(src.section)-archive-" + reference.replacingOccurrences(of: "/", with: "-")
            log("Cloning \(src.section) from \(src.location) (\(reference))")
            try git(["clone", src.location, clone])
            try git(["-C", clone, "checkout", reference])
            try git(["-C", clone, "remote", "remove", "origin"])
            try SourceArchive.write(clone, arcname: (clone as NSString).lastPathComponent, to: archive)
            try? FileManager.default.removeItem(atPath: clone)
        case "local":
            let base = conf.string("locals_base") ?? "./"
            let path = src.location.hasPrefix("/") ? src.location : (base as NSString).appendingPathComponent(src.location)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
                throw CommandError("\(src.section): local source \(path) does not exist")
            }
            if isDir.boolValue {
                try SourceArchive.write(path, arcname: (path as NSString).lastPathComponent, to: archive)
            } else {
                try? FileManager.default.removeItem(atPath: archive)
                try FileManager.default.copyItem(atPath: path, toPath: archive)
            }
        default:
            throw CommandError("\(src.section): unknown source type '\(src.type)'")
        }
    }

    private func git(_ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        p.arguments = args
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let msg = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw CommandError("git \(args.joined(separator: " ")): \(String(decoding: msg, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}
