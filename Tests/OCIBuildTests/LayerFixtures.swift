// Helpers shared by the store and layer tests: small trees on disk, hand-made layer tars
// (including hostile ones, written member by member with libarchive), and summaries of
// trees and tars in one comparable form.

import Foundation
import OCIBuild
import TestSupport

#if canImport(Glibc)
import Glibc
import OCISystem
#endif

enum Fixture {
    /// Writes `text` to `path` (creating parents) with `mode` and mtime `mtime`.
    static func file(_ path: String, _ text: String, mode: mode_t = 0o644, mtime: Int = 1_700_000_000) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, mode)
        setMtime(path, mtime)
    }

    /// Creates directory `path` (and parents).
    static func directory(_ path: String, mode: mode_t = 0o755) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        chmod(path, mode)
    }

    /// Sets the mtime of `path` without following a symlink.
    static func setMtime(_ path: String, _ seconds: Int, nanoseconds: Int = 0) {
        var times = [timespec(tv_sec: seconds, tv_nsec: nanoseconds), timespec(tv_sec: seconds, tv_nsec: nanoseconds)]
        utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW)
    }

    /// A hand-written member: the entry and, for regular files, its data.
    struct Member {
        var entry: TarEntry
        var data: [UInt8] = []

        static func file(_ path: String, _ text: String = "data", mode: UInt32 = 0o644,
                         uid: UInt32 = 0, gid: UInt32 = 0) -> Member {
            Member(entry: TarEntry(path: path, kind: .regular, permissions: mode, uid: uid, gid: gid,
                                   size: Int64(text.utf8.count), mtimeSeconds: 1_700_000_000),
                   data: Array(text.utf8))
        }
        static func directory(_ path: String, mode: UInt32 = 0o755) -> Member {
            Member(entry: TarEntry(path: path, kind: .directory, permissions: mode, mtimeSeconds: 1_700_000_000))
        }
        static func symlink(_ path: String, to target: String) -> Member {
            Member(entry: TarEntry(path: path, kind: .symlink, permissions: 0o777, mtimeSeconds: 1_700_000_000,
                                   symlinkTarget: target))
        }
        static func hardlink(_ path: String, to target: String) -> Member {
            Member(entry: TarEntry(path: path, kind: .regular, permissions: 0o644, mtimeSeconds: 1_700_000_000,
                                   hardlinkTarget: target))
        }
        static func device(_ path: String, kind: FileKind = .characterDevice, major: UInt32 = 1, minor: UInt32 = 3) -> Member {
            Member(entry: TarEntry(path: path, kind: kind, permissions: 0o666, mtimeSeconds: 1_700_000_000,
                                   deviceMajor: major, deviceMinor: minor))
        }
    }

    /// Writes `members` in the given order as a layer blob at `path`.
    @discardableResult
    static func layer(_ members: [Member], at path: String, compression: Compression = .gzip) throws -> LayerDigests {
        let output = try FileDescriptor(path: path, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
        let writer = try LayerArchiveWriter(output: output, options: CompressionOptions(compression, threads: 1))
        for member in members {
            try writer.append(member.entry)
            if member.entry.kind == .regular && !member.entry.isHardLink { try writer.writeData(member.data) }
        }
        return try writer.finish()
    }

    /// `path → "kind mode uid:gid content"` for every member of a layer blob.
    static func layerSummary(_ path: String) throws -> [String: String] {
        let reader = try LayerArchiveReader(path: path)
        var summary: [String: String] = [:]
        var buffer = [UInt8](repeating: 0, count: 65536)
        while let entry = try reader.next() {
            var content = ""
            if let target = entry.hardlinkTarget {
                content = "link=\(try LayerPath.clean(target))"
            } else if entry.kind == .symlink {
                content = "-> \(entry.symlinkTarget ?? "")"
            } else if entry.kind == .regular {
                var bytes: [UInt8] = []
                while true {
                    let n = try buffer.withUnsafeMutableBytes { try reader.readData(into: $0) }
                    if n == 0 { break }
                    bytes += buffer[..<n]
                }
                content = String(decoding: bytes, as: UTF8.self)
            }
            let xattrs = entry.xattrs.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
            summary[try LayerPath.clean(entry.path)] =
                "\(entry.kind) \(String(entry.permissions, radix: 8)) \(entry.uid):\(entry.gid) \(content)"
                + (xattrs.isEmpty ? "" : " [\(xattrs)]")
        }
        _ = try reader.finish()
        return summary
    }

    /// `path → "kind mode uid:gid content"` for every entry below `root` (the same form
    /// as `layerSummary`; hard links are not distinguished).
    static func treeSummary(_ root: String) throws -> [String: String] {
        var summary: [String: String] = [:]
        func visit(_ relative: String) throws {
            let full = relative.isEmpty ? root : "\(root)/\(relative)"
            for name in try FileSystem.directoryEntries(full) {
                let path = relative.isEmpty ? name : "\(relative)/\(name)"
                let hostPath = "\(root)/\(path)"
                guard let info = try FileSystem.status(hostPath) else { continue }
                var content = ""
                switch info.kind {
                case .symlink: content = "-> \(try FileSystem.linkTarget(hostPath))"
                case .regular: content = String(decoding: try Data(contentsOf: URL(fileURLWithPath: hostPath)), as: UTF8.self)
                default: break
                }
                summary[path] = "\(info.kind) \(String(info.permissions, radix: 8)) \(info.uid):\(info.gid) \(content)"
                if info.kind == .directory { try visit(path) }
            }
        }
        try visit("")
        return summary
    }
}
