import Foundation
import OCISystem

/// A read-only view of an image's merged root file system over its extracted layer
/// directories (top first), without mounting: what exists at a path, symlink resolution
/// inside the root, and the user/group databases. Overlay whiteouts (0/0 character
/// devices) and opaque directories hide lower entries as overlayfs would.
package struct RootfsView: Sendable {
    /// Extracted layer directories, topmost first.
    package let layers: [String]
    /// The xattr name marking an opaque directory in these layers.
    package let opaqueXattr: String

    package init(layers: [String], opaqueXattr: String) {
        self.layers = layers
        self.opaqueXattr = opaqueXattr
    }

    /// The host path providing `path` (relative, no symlink resolution) and its status,
    /// or nil when the path does not exist in the merged view.
    ///
    /// No symlink inside a layer is followed while looking: a layer whose `a` is a symlink
    /// (`a -> /`) or a file hides `a/b` of the layers below, as overlayfs does, instead of
    /// lending the host's `/b`.
    package func lookup(_ path: String) -> (hostPath: String, info: FileInfo)? {
        let rel = RootfsView.clean(path)
        for layer in layers {
            let host = rel.isEmpty ? layer : layer + "/" + rel
            switch (try? FileSystem.statusBeneath(layer, rel)) ?? .blocked {
            case .found(let info):
                if info.kind == .characterDevice && info.deviceMajor == 0 && info.deviceMinor == 0 { return nil }
                return (host, info)
            case .blocked:
                // A whiteout, file or symlink on the way in this layer hides the lower ones.
                return nil
            case .absent:
                // An opaque parent in this layer hides everything below it.
                if hiddenByOpaque(layer, rel) { return nil }
            }
        }
        return nil
    }

    private func hiddenByOpaque(_ layer: String, _ rel: String) -> Bool {
        var parts = rel.split(separator: "/").map(String.init)
        while !parts.isEmpty {
            parts.removeLast()
            let dir = parts.isEmpty ? layer : layer + "/" + parts.joined(separator: "/")
            if let attrs = try? FileSystem.extendedAttributes(dir), attrs.contains(where: { $0.name == opaqueXattr && $0.value == Array("y".utf8) }) {
                return true
            }
        }
        return false
    }

    /// Resolves `path` inside the root, following symlinks (absolute ones relative to the
    /// root, `..` stopping at it) for every component, and the last one when
    /// `followLast`. Returns the resolved path relative to the root.
    package func resolve(_ path: String, followLast: Bool = true) throws -> String {
        var pending = RootfsView.clean(path).split(separator: "/").map(String.init)
        var resolved: [String] = []
        var hops = 0
        while !pending.isEmpty {
            let part = pending.removeFirst()
            if part == "." { continue }
            if part == ".." {
                if !resolved.isEmpty { resolved.removeLast() }
                continue
            }
            let candidate = (resolved + [part]).joined(separator: "/")
            if let (host, info) = lookup(candidate), info.kind == .symlink, followLast || !pending.isEmpty {
                hops += 1
                if hops > 40 { throw ExecutorError.symlinkLoop(path) }
                let target = try FileSystem.linkTarget(host)
                if target.hasPrefix("/") { resolved = [] }
                pending = target.split(separator: "/").map(String.init) + pending
                continue
            }
            resolved.append(part)
        }
        return resolved.joined(separator: "/")
    }

    /// Where a bind mount for container path `path` goes: the path resolved as `resolve`
    /// does (symlinks followed inside the root), relative to the root and free of
    /// symlinks, so that mounting onto it in the merged tree stays inside it. Every
    /// component on the way must be a directory or missing (created by the sandbox); the
    /// mount point itself a directory, a regular file or missing; never the root.
    package func mountPoint(_ path: String) throws -> String {
        let resolved = try resolve(path)
        guard !resolved.isEmpty else { throw ExecutorError.mountPoint(path, "cannot bind over the root directory") }
        let parts = resolved.split(separator: "/").map(String.init)
        var rel = ""
        for (index, part) in parts.enumerated() {
            rel = rel.isEmpty ? part : rel + "/" + part
            // Missing from here on: the sandbox creates the rest inside the overlay.
            guard let (_, info) = lookup(rel) else { break }
            if info.kind == .directory || (index == parts.count - 1 && info.kind == .regular) { continue }
            throw ExecutorError.mountPoint(path, "/\(rel) is not a directory in the image (\(info.kind))")
        }
        return resolved
    }

    /// The text of a regular file in the merged view (after symlinks).
    package func read(_ path: String) -> String? {
        guard let rel = try? resolve(path), let (host, info) = lookup(rel), info.kind == .regular,
            let data = FileManager.default.contents(atPath: host)
        else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Resolves a Dockerfile `USER` value (`name`, `uid`, `name:group`, `uid:gid`) with the
    /// image's /etc/passwd and /etc/group, as Docker does: a numeric user without a group
    /// gets the passwd entry's group or 0; supplementary groups come from /etc/group.
    package func user(_ spec: String) throws -> (uid: UInt32, gid: UInt32, groups: [UInt32], home: String) {
        let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
        let userPart = parts.first ?? "root"
        let passwd = (read("/etc/passwd") ?? "").split(separator: "\n").map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
        let groupFile = (read("/etc/group") ?? "").split(separator: "\n").map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
        var uid: UInt32
        var gid: UInt32 = 0
        var name: String?
        var home = "/"
        if let n = UInt32(userPart) {
            uid = n
            if let entry = passwd.first(where: { $0.count >= 6 && $0[2] == userPart }) {
                gid = UInt32(entry[3]) ?? 0
                name = entry[0]
                home = entry[5]
            }
        } else {
            guard let entry = passwd.first(where: { $0.count >= 6 && $0[0] == userPart }), let u = UInt32(entry[2]) else {
                throw ExecutorError.unknownUser(userPart)
            }
            uid = u
            gid = UInt32(entry[3]) ?? 0
            name = userPart
            home = entry[5]
        }
        if parts.count == 2 {
            if let g = UInt32(parts[1]) {
                gid = g
            } else {
                guard let entry = groupFile.first(where: { $0.count >= 3 && $0[0] == parts[1] }), let g = UInt32(entry[2]) else {
                    throw ExecutorError.unknownGroup(parts[1])
                }
                gid = g
            }
        }
        var groups: [UInt32] = [gid]
        if let name {
            for entry in groupFile where entry.count >= 4 {
                if entry[3].split(separator: ",").contains(where: { String($0) == name }), let g = UInt32(entry[2]), !groups.contains(g) {
                    groups.append(g)
                }
            }
        }
        return (uid, gid, groups, home)
    }

    /// `--chown` owner: user and optional group names or ids resolved in this image.
    package func owner(_ spec: String) throws -> (uid: UInt32, gid: UInt32) {
        let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
        if parts.count == 1, let uid = UInt32(parts[0]) { return (uid, uid) }
        let u = try user(parts.count == 2 ? "\(parts[0]):\(parts[1])" : parts[0])
        // "a username without groupname ... will use the same numeric UID as the GID" (Dockerfile reference).
        if parts.count == 1 { return (u.uid, u.uid) }
        return (u.uid, u.gid)
    }

    static func clean(_ path: String) -> String {
        var parts: [Substring] = []
        for p in path.split(separator: "/") where p != "." && !p.isEmpty {
            if p == ".." {
                if !parts.isEmpty { parts.removeLast() }
            } else {
                parts.append(p)
            }
        }
        return parts.joined(separator: "/")
    }
}
