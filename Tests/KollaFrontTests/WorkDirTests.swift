import Foundation
import TestSupport
import Testing

@testable import KollaFront
import OCIBuild

/// The work dir's tree copy (kolla's `copytree` with `dirs_exist_ok`): contents, modes and
/// links as in the source, an overlay replacing files, and the image walk over the copy.
@Suite struct WorkDirTests {
    /// A small image tree: nested images, an executable script, a private file, a
    /// relative symlink, a file at the top level.
    func makeTree(_ root: String) throws {
        let fm = FileManager.default
        for dir in ["base", "openstack-base", "nova/nova-base", "nova/nova-api", "nova/nova-api/extra"] {
            try fm.createDirectory(atPath: root + "/" + dir, withIntermediateDirectories: true)
        }
        for (file, text) in [
            ("macros.j2", "{% macro m() %}x{% endmacro %}\n"), ("base/Dockerfile.j2", "FROM debian\n"),
            ("base/start.sh", "#!/bin/sh\n"), ("openstack-base/Dockerfile.j2", "FROM kolla/base\n"),
            ("nova/nova-base/Dockerfile.j2", "FROM kolla/openstack-base\n"), ("nova/nova-api/Dockerfile.j2", "FROM kolla/nova-base\n"),
            ("nova/nova-api/extra/secret.conf", "k=v\n"),
        ] {
            try FileSystem.writeFile(root + "/" + file, Array(text.utf8))
        }
        try FileSystem.setMode(root + "/base/start.sh", 0o755)
        try FileSystem.setMode(root + "/nova/nova-api/extra/secret.conf", 0o600)
        try fm.createSymbolicLink(atPath: root + "/nova/nova-api/start.sh", withDestinationPath: "../../base/start.sh")
    }

    /// Every entry below `root` with its type, permission bits, link target and content.
    func snapshot(_ root: String) throws -> [String] {
        var out: [String] = []
        func walk(_ rel: String) throws {
            let dir = rel.isEmpty ? root : root + "/" + rel
            for name in try FileSystem.directoryEntries(dir) {
                let r = rel.isEmpty ? name : rel + "/" + name
                let info = try #require(try FileSystem.status(root + "/" + r))
                switch info.kind {
                case .directory:
                    out.append("d \(r)")
                    try walk(r)
                case .symlink:
                    out.append("l \(r) -> \(try FileSystem.linkTarget(root + "/" + r))")
                default:
                    let data = try #require(FileManager.default.contents(atPath: root + "/" + r))
                    out.append("f \(r) \(String(info.permissions, radix: 8)) \(String(decoding: data, as: UTF8.self))")
                }
            }
        }
        try walk("")
        return out
    }

    @Test func copyKeepsContentsModesAndLinks() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-workdir")
        defer { try? dir.remove() }
        try makeTree(dir.path + "/src")
        try WorkDir.copyTree(dir.path + "/src", to: dir.path + "/work/docker")
        #expect(try snapshot(dir.path + "/work/docker") == snapshot(dir.path + "/src"))
        #expect(try FileSystem.status(dir.path + "/work/docker/base/start.sh")?.permissions == 0o755)
        #expect(try FileSystem.status(dir.path + "/work/docker/nova/nova-api/extra/secret.conf")?.permissions == 0o600)
    }

    @Test func overlayReplacesFilesAndKeepsTheRest() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-workdir")
        defer { try? dir.remove() }
        try makeTree(dir.path + "/src")
        try FileManager.default.createDirectory(atPath: dir.path + "/overlay/base", withIntermediateDirectories: true)
        try FileSystem.writeFile(dir.path + "/overlay/base/Dockerfile.j2", Array("FROM ubuntu\n".utf8), mode: 0o640)
        try FileSystem.writeFile(dir.path + "/overlay/base/new.txt", Array("n\n".utf8))
        let work = dir.path + "/work/docker"
        try WorkDir.copyTree(dir.path + "/src", to: work)
        try WorkDir.copyTree(dir.path + "/overlay", to: work)
        #expect(String(decoding: try #require(FileManager.default.contents(atPath: work + "/base/Dockerfile.j2")), as: UTF8.self) == "FROM ubuntu\n")
        #expect(try FileSystem.status(work + "/base/Dockerfile.j2")?.permissions == 0o640)
        #expect(FileManager.default.fileExists(atPath: work + "/base/new.txt"))
        #expect(FileManager.default.fileExists(atPath: work + "/base/start.sh"))
        // Copying the same tree again over itself changes nothing.
        let before = try snapshot(work)
        try WorkDir.copyTree(dir.path + "/src", to: work)
        try WorkDir.copyTree(dir.path + "/overlay", to: work)
        #expect(try snapshot(work) == before)
    }

    @Test func imagesAreFoundInTheCopyInWalkOrder() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-workdir")
        defer { try? dir.remove() }
        try makeTree(dir.path + "/src")
        let work = dir.path + "/work/docker"
        try WorkDir.copyTree(dir.path + "/src", to: work)
        let found = WorkDir.findDockerfiles(work).map { String($0.dropFirst(work.count + 1)) }
        #expect(Set(found) == ["base", "openstack-base", "nova/nova-base", "nova/nova-api"])
        #expect(found.count == 4)
    }
}
