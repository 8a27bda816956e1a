// A hostile-tar corpus, generated member by member: traversal, absolute paths, symlink
// escapes followed by writes through them, hard links to the outside, whiteouts of `..`,
// huge names, devices, overlay metadata, and setuid files unpacked by a non-root user.
// For every case nothing may appear or change outside the target directory; the case
// ends either in a clear error naming the member or in the documented safe result.

import Foundation
import Testing
import TestSupport
import OCIBuild

#if canImport(Glibc)
import Glibc
import OCISystem
#endif

/// What a hostile case must end in.
enum HostileOutcome: Sendable {
    /// An error whose message contains this text.
    case refused(String)
    /// Success, with these paths (relative to the target) existing afterwards.
    case safe(present: [String], absent: [String])
}

struct HostileCase: Sendable, CustomStringConvertible {
    var name: String
    /// Members; `OUTSIDE` in paths and link targets is replaced by the outside dir's path.
    var members: [Fixture.Member]
    var outcome: HostileOutcome
    var description: String { name }
}

@Suite("Hostile layers")
struct HostileLayerTests {
    static let longComponent = String(repeating: "n", count: 300)
    static let longPath = (0..<50).map { _ in String(repeating: "p", count: 99) }.joined(separator: "/")

    static let cases: [HostileCase] = [
        HostileCase(name: "traversal", members: [.file("../escaped")], outcome: .refused("'..'")),
        HostileCase(name: "traversal inside a path", members: [.file("a/../../escaped")], outcome: .refused("'..'")),
        HostileCase(name: "absolute path", members: [.file("OUTSIDE/escaped")], outcome: .refused("absolute")),
        HostileCase(name: "symlink to / then write through it",
                    members: [.symlink("evil", to: "/"), .file("evil/pwned")],
                    outcome: .safe(present: ["pwned", "evil"], absent: [])),
        HostileCase(name: "symlink to ../.. then write through it",
                    members: [.symlink("evil", to: "../../../.."), .directory("evil/d/"), .file("evil/d/pwned")],
                    outcome: .safe(present: ["d/pwned"], absent: [])),
        HostileCase(name: "symlink to the outside dir then write through it",
                    members: [.symlink("evil", to: "OUTSIDE"), .file("evil/pwned")],
                    outcome: .refused("evil/pwned")),
        HostileCase(name: "symlink to an outside file then overwrite it",
                    members: [.symlink("link", to: "OUTSIDE/secret"), .file("link", "overwritten")],
                    outcome: .safe(present: ["link"], absent: [])),
        HostileCase(name: "symlink chain through a dir symlink",
                    members: [.directory("usr/lib/"), .symlink("lib", to: "usr/lib"), .symlink("usr/lib/up", to: "../../.."),
                              .file("lib/up/x")],
                    outcome: .safe(present: ["x", "usr/lib/up"], absent: [])),
        HostileCase(name: "hard link to ..", members: [.hardlink("h", to: "../outside/secret")], outcome: .refused("'..'")),
        HostileCase(name: "hard link to an absolute path", members: [.hardlink("h", to: "OUTSIDE/secret")],
                    outcome: .refused("absolute")),
        HostileCase(name: "hard link through a symlink to the outside",
                    members: [.symlink("evil", to: "OUTSIDE"), .hardlink("h", to: "evil/secret")],
                    outcome: .refused("target does not exist")),
        HostileCase(name: "hard link through a symlink to /", members: [.symlink("evil", to: "/"),
                                                                        .hardlink("h", to: "evil/etc/shadow")],
                    outcome: .refused("target does not exist")),
        HostileCase(name: "hard link to a directory", members: [.directory("d/"), .hardlink("h", to: "d")],
                    outcome: .refused("target is a directory")),
        HostileCase(name: "whiteout of ..", members: [.file(".wh...", "")], outcome: .refused("whiteout of '..'")),
        HostileCase(name: "whiteout of .. in a subdir", members: [.directory("a/"), .file("a/.wh...", "")],
                    outcome: .refused("whiteout of '..'")),
        HostileCase(name: "whiteout of .", members: [.file(".wh..", "")], outcome: .refused("whiteout of '.'")),
        HostileCase(name: "bare .wh.", members: [.directory("etc/"), .file("etc/.wh.", "")], outcome: .refused("bare .wh.")),
        HostileCase(name: "whiteout through a symlink to the outside",
                    members: [.symlink("evil", to: "OUTSIDE"), .file("evil/.wh.secret", "")],
                    outcome: .safe(present: ["evil"], absent: [])),
        HostileCase(name: "opaque marker through a symlink to the outside",
                    members: [.symlink("evil", to: "OUTSIDE"), .file("evil/.wh..wh..opq", "")],
                    outcome: .safe(present: ["evil"], absent: [])),
        HostileCase(name: "component longer than NAME_MAX", members: [.file("d/\(longComponent)")],
                    outcome: .refused("name too long")),
        HostileCase(name: "path longer than PATH_MAX", members: [.file(longPath)], outcome: .refused("name too long")),
        HostileCase(name: "255-byte name is fine", members: [.file(String(repeating: "m", count: 255))],
                    outcome: .safe(present: [String(repeating: "m", count: 255)], absent: [])),
        HostileCase(name: "device nodes are skipped unprivileged",
                    members: [.directory("dev/"), .device("dev/mem", major: 1, minor: 1),
                              .device("dev/sda", kind: .blockDevice, major: 8, minor: 0),
                              .device("dev/fifo", kind: .fifo)],
                    outcome: .safe(present: ["dev", "dev/fifo"], absent: ["dev/mem", "dev/sda"])),
        HostileCase(name: "directory over a symlink to the outside replaces the symlink",
                    members: [.symlink("lib", to: "OUTSIDE"), .directory("lib/"), .file("lib/x")],
                    outcome: .safe(present: ["lib/x"], absent: [])),
    ]

    @Test("nothing lands outside the target", arguments: cases)
    func hostile(_ hostile: HostileCase) throws {
        try withTemporaryDirectory { dir in
            let outside = dir.appending("outside").path
            try Fixture.file("\(outside)/secret", "secret")
            let target = dir.appending("target").path
            try Fixture.directory(target)
            let members = hostile.members.map { member -> Fixture.Member in
                var copy = member
                copy.entry.path = copy.entry.path.replacingOccurrences(of: "OUTSIDE", with: outside)
                copy.entry.symlinkTarget = copy.entry.symlinkTarget?.replacingOccurrences(of: "OUTSIDE", with: outside)
                copy.entry.hardlinkTarget = copy.entry.hardlinkTarget?.replacingOccurrences(of: "OUTSIDE", with: outside)
                return copy
            }
            let layer = dir.appending("layer.tar.gz").path
            try Fixture.layer(members, at: layer)
            let before = try Fixture.treeSummary(dir.path).filter { !$0.key.hasPrefix("target") }

            var options = UnpackOptions()
            options.createDevices = false
            options.setOwners = false
            let result = Result { try Unpacker(options: options).unpack(layerPath: layer, into: target) }

            switch (hostile.outcome, result) {
            case (.refused(let text), .failure(let error)):
                let message = "\(error)"
                #expect(message.contains(text), "message: \(message)")
                #expect(message.contains(layer), "the message names the layer: \(message)")
                #expect(!message.contains("\n"))
            case (.refused(let text), .success):
                Issue.record("expected an error containing \(text), but the unpack succeeded")
            case (.safe(let present, let absent), .success(let report)):
                for path in present {
                    #expect(try FileSystem.status("\(target)/\(path)") != nil, "\(path) should exist in the target")
                }
                for path in absent {
                    #expect(try FileSystem.status("\(target)/\(path)") == nil, "\(path) should not exist")
                }
                if hostile.name.hasPrefix("device") {
                    #expect(report.skippedDevices == ["dev/mem (c 1:1)", "dev/sda (b 8:0)"])
                }
            case (.safe, .failure(let error)):
                Issue.record("expected a safe result, got \(error)")
            }
            // Outside the target: exactly what was there before, same content, no new links.
            let after = try Fixture.treeSummary(dir.path).filter { !$0.key.hasPrefix("target") }
            #expect(after == before)
            #expect(try FileSystem.status("\(outside)/secret")?.linkCount == 1)
        }
    }

    @Test("overlay xattrs in a layer are never applied")
    func overlayXattrs() throws {
        try withTemporaryDirectory { dir in
            var member = Fixture.Member.directory("d/")
            member.entry.xattrs = [Xattr(name: "trusted.overlay.opaque", value: Array("y".utf8)),
                                   Xattr(name: "user.overlay.opaque", value: Array("y".utf8)),
                                   Xattr(name: "user.ok", value: Array("1".utf8))]
            try Fixture.layer([member], at: dir.appending("l").path)
            try Fixture.directory(dir.appending("t").path)
            let report = try Unpacker().unpack(layerPath: dir.appending("l").path, into: dir.appending("t").path)
            #expect(report.skippedXattrs.count == 2)
            let names = try FileSystem.extendedAttributes(dir.appending("t/d").path).map(\.name)
            #expect(names == ["user.ok"])
        }
    }

    @Test("devices are created when fully privileged", .enabled(if: FileSystem.isFullyPrivileged,
                                                                "needs root in the initial user namespace"))
    func devicesAsRoot() throws {
        try withTemporaryDirectory { dir in
            try Fixture.layer([.device("null", major: 1, minor: 3)], at: dir.appending("l").path)
            try Fixture.directory(dir.appending("t").path)
            let report = try Unpacker().unpack(layerPath: dir.appending("l").path, into: dir.appending("t").path)
            #expect(report.skippedDevices.isEmpty)
            let info = try FileSystem.status(dir.appending("t/null").path)
            #expect(info?.kind == .characterDevice && info?.deviceMajor == 1 && info?.deviceMinor == 3)
        }
    }

    /// The setuid case, by a real non-root user: run the built kolla-oci as `nobody`.
    static let canSwitchUser = FileSystem.effectiveUserID == 0 && findExecutable("setpriv") != nil
        && builtKollaOCI() != nil

    @Test("setuid/setgid files unpacked by a non-root user are owned by that user",
          .enabled(if: canSwitchUser, "needs root (to become nobody with setpriv) and a built kolla-oci"))
    func setuidAsNonRoot() throws {
        try withTemporaryDirectory { dir in
            chmod(dir.path, 0o755)
            let tarball = dir.appending("rootfs.tar").path
            try Fixture.layer([.directory("bin/"), .file("bin/su", "elf", mode: 0o4755),
                               .file("bin/wall", "elf", mode: 0o2755, uid: 0, gid: 5),
                               .device("dev-null", major: 1, minor: 3)], at: tarball, compression: .none)
            let kolla = builtKollaOCI()!
            let store = dir.appending("store").path
            let imported = try runProcess(kolla, ["import", "--root", store, tarball, "suid:1"])
            #expect(imported.status == 0, "\(imported.stderr)")
            _ = try runProcess("/bin/chmod", ["-R", "a+rX", store])
            let target = dir.appending("target").path
            try Fixture.directory(target, mode: 0o777)
            let result = try runProcess("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", kolla,
                                                    "unpack", "--root", store, "suid:1", target])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("skipped: dev-null (c 1:3)"))
            let su = try FileSystem.status("\(target)/bin/su")!
            // Documented safe result: the bit stays (a rebuilt layer keeps it), but the file
            // belongs to the unprivileged user, so it grants nothing beyond that user.
            #expect(su.uid == 65534 && su.permissions == 0o4755)
            // Likewise setgid: the file's group is the user's own group.
            let wall = try FileSystem.status("\(target)/bin/wall")!
            #expect(wall.uid == 65534 && wall.gid == 65534 && wall.permissions == 0o2755)
        }
    }
}
