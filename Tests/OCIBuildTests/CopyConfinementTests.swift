// An escape corpus for COPY/ADD, built in-process FROM scratch: context symlinks to `/`
// and to host files, a `--from` stage whose link points at `/`, here-document names that
// climb out of the layer, and an ADD archive whose link points at the host. Each case
// ends either in a one-line error naming the Dockerfile's file:line or in the in-root
// content; in every case the "host" directory (standing for everything outside the
// roots) is unchanged and nothing named after the attack appears under the test's
// temporary directory.

import Foundation
import OCIBuild
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
import OCISystem
#endif

@Suite("COPY/ADD confinement", .serialized)
struct CopyConfinementTests {
    /// A store, a build context and a "host" directory outside both, in one temporary directory.
    struct Setup {
        let dir: TemporaryDirectory
        var store: String { dir.path + "/store" }
        var context: String { dir.path + "/ctx" }
        var host: String { dir.path + "/host" }

        init() throws {
            dir = try TemporaryDirectory(prefix: "kolla-oci-confine")
            try Fixture.directory(dir.path + "/ctx")
            try Fixture.file(dir.path + "/host/secret", "host secret\n")
        }

        /// Creates symlink `name` in the context pointing at `target`.
        func link(_ name: String, to target: String) throws {
            let path = context + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
        }

        /// Builds `dockerfile` with the context; the final image as `path → summary`
        /// (every layer applied in order), or the build's error message.
        func build(_ dockerfile: String) throws -> Result<[String: String], BuildFailure> {
            let hostBefore = try Fixture.treeSummary(host)
            defer { #expect((try? Fixture.treeSummary(host)) == hostBefore, "the host directory changed") }
            let store = try ImageStore(root: store)
            let executor = try BuildExecutor(store: store, plan: .namespaces(.none))
            try dockerfile.write(toFile: context + "/Dockerfile", atomically: true, encoding: .utf8)
            var request = BuildRequest(dockerfilePath: "ctx/Dockerfile", dockerfileText: dockerfile, contextDirectory: context)
            request.noCache = true
            let result: BuildResult
            do { result = try executor.build(request) } catch { return .failure(BuildFailure(message: "\(error)")) }
            var image: [String: String] = [:]
            for layer in try store.manifest(result.manifest).manifest.layers {
                image.merge(try Fixture.layerSummary(store.blobPath(layer.digest))) { $1 }
            }
            return .success(image)
        }

        /// Paths below the temporary directory whose last component is `name`.
        func paths(named name: String) -> [String] {
            let all = FileManager.default.enumerator(atPath: dir.path)?.allObjects as? [String] ?? []
            return all.filter { ($0 as NSString).lastPathComponent == name }
        }
    }

    struct BuildFailure: Error {
        var message: String
    }

    /// The image of a build that must succeed.
    func builtImage(_ outcome: Result<[String: String], BuildFailure>) throws -> [String: String] {
        switch outcome {
        case .success(let image): return image
        case .failure(let failure): throw failure
        }
    }

    /// The message of a build that must fail with a one-line error at `ctx/Dockerfile:line`.
    func failure(_ outcome: Result<[String: String], BuildFailure>, line: Int, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        guard case .failure(let failure) = outcome else {
            Issue.record("the build succeeded", sourceLocation: sourceLocation)
            return ""
        }
        #expect(failure.message.hasPrefix("ctx/Dockerfile:\(line): building at STEP"), "\(failure.message)", sourceLocation: sourceLocation)
        #expect(!failure.message.contains("\n"), "\(failure.message)", sourceLocation: sourceLocation)
        return failure.message
    }

    @Test func contextLinkToRootAsPathPrefix() throws {
        let s = try Setup()
        defer { try? s.dir.remove() }
        try s.link("evil", to: "/")
        try Fixture.file(s.context + "/etc/shadow", "context shadow\n")
        // The link names the context root: its etc/shadow, not the host's.
        let image = try builtImage(s.build("FROM scratch\nCOPY evil/etc/shadow /shadow\n"))
        #expect(image["shadow"] == "regular 644 0:0 context shadow\n")
        // A host file the context lacks is not found.
        let message = failure(try s.build("FROM scratch\nCOPY evil/etc/os-release /x\n"), line: 2)
        #expect(message.contains("no source files were specified or found for evil/etc/os-release"), "\(message)")
        let hostDir = failure(try s.build("FROM scratch\nCOPY evil\(s.host)/secret /x\n"), line: 2)
        #expect(hostDir.contains("no source files"), "\(hostDir)")
    }

    @Test func contextLinkToRootAsDirectorySource() throws {
        let s = try Setup()
        defer { try? s.dir.remove() }
        try s.link("evil", to: "/")
        try Fixture.file(s.context + "/etc/shadow", "context shadow\n")
        let image = try builtImage(s.build("FROM scratch\nCOPY evil /all/\n"))
        // The context itself was copied; the link inside it stays a link.
        #expect(image["all/etc/shadow"] == "regular 644 0:0 context shadow\n")
        #expect(image["all/evil"]?.hasPrefix("symlink") == true && image["all/evil"]?.hasSuffix("-> /") == true, "\(image["all/evil"] ?? "")")
        #expect(image["all/Dockerfile"] != nil)
        #expect(image.keys.allSatisfy { !$0.hasPrefix("all/proc") && $0 != "all/etc/os-release" && !$0.hasPrefix("all/usr") },
                "\(image.keys.sorted())")
    }

    @Test func contextLinkToAbsoluteHostFile() throws {
        let s = try Setup()
        defer { try? s.dir.remove() }
        try s.link("leak", to: s.host + "/secret")
        try s.link("dir/inner", to: s.host + "/secret")
        // Resolved inside the context, the target does not exist.
        let message = failure(try s.build("FROM scratch\nCOPY leak /leak\n"), line: 2)
        #expect(message.contains("leak: no such file or directory"), "\(message)")
        // A link met while copying a directory is copied as a link, never read.
        let image = try builtImage(s.build("FROM scratch\nCOPY dir /d/\n"))
        #expect(image["d/inner"] == "symlink 777 0:0 -> \(s.host)/secret")
        // When the target's path exists inside the context, that file is the one copied.
        try Fixture.file(s.context + s.host + "/secret", "in-context secret\n")
        let inside = try builtImage(s.build("FROM scratch\nCOPY leak /leak\n"))
        #expect(inside["leak"] == "regular 644 0:0 in-context secret\n")
    }

    @Test func fromStageLinkToRoot() throws {
        let s = try Setup()
        defer { try? s.dir.remove() }
        try s.link("stage/rootlink", to: "/")
        try Fixture.file(s.context + "/stage/etc/passwd", "stage passwd\n")
        let image = try builtImage(s.build("""
            FROM scratch AS one
            COPY stage/ /
            FROM scratch
            COPY --from=one /rootlink/etc/passwd /p
            COPY --from=one rootlink /all/

            """))
        #expect(image["p"] == "regular 644 0:0 stage passwd\n")
        #expect(image["all/etc/passwd"] == "regular 644 0:0 stage passwd\n")
        #expect(image.keys.allSatisfy { !$0.hasPrefix("all/proc") && $0 != "all/etc/os-release" }, "\(image.keys.sorted())")
        let message = failure(try s.build("FROM scratch AS one\nCOPY stage/ /\nFROM scratch\nCOPY --from=one /rootlink/etc/os-release /x\n"), line: 4)
        #expect(message.contains("no source files"), "\(message)")
    }

    @Test(arguments: ["../../pwned", "a/pwned", "..", ".", "HOST/pwned"])
    func heredocNameIsOneComponent(_ name: String) throws {
        let s = try Setup()
        defer { try? s.dir.remove() }
        // Climbs from the step's upper directory to the host directory on an unconfined write.
        let marker = name.replacingOccurrences(of: "HOST", with: String(repeating: "../", count: 30) + s.host.dropFirst())
        let message = failure(try s.build("FROM scratch\nCOPY <<\(marker) /\nowned\n\(marker)\n"), line: 2)
        #expect(message.contains("invalid here-document name"), "\(message)")
        #expect(s.paths(named: "pwned").isEmpty, "\(s.paths(named: "pwned"))")
    }

    @Test func heredocStillWritesItsFile() throws {
        let s = try Setup()
        defer { try? s.dir.remove() }
        let image = try builtImage(s.build("FROM scratch\nCOPY <<hello.txt /d/\nhi\nhello.txt\n"))
        #expect(image["d/hello.txt"] == "regular 644 0:0 hi\n")
    }

    @Test func addArchiveStaysInDestination() throws {
        let s = try Setup()
        defer { try? s.dir.remove() }
        try Fixture.layer([.symlink("l", to: s.host), .file("l/escaped", "owned\n"), .file("ok", "fine\n")],
                          at: s.context + "/evil.tar", compression: .none)
        let outcome = try s.build("FROM scratch\nADD evil.tar /dst/\n")
        // The unpacker either refuses the write through the link or keeps it inside /dst.
        if case .success(let image) = outcome {
            #expect(image.keys.allSatisfy { !$0.hasSuffix("escaped") || $0.hasPrefix("dst/") }, "\(image.keys.sorted())")
        } else {
            let message = failure(outcome, line: 2)
            #expect(message.contains("l/escaped"), "\(message)")
        }
        #expect(s.paths(named: "escaped").isEmpty, "\(s.paths(named: "escaped"))")
    }

    @Test func globDockerignoreChownAndChmodStillWork() throws {
        let s = try Setup()
        defer { try? s.dir.remove() }
        for name in ["a.txt", "b.txt", "c.log"] { try Fixture.file(s.context + "/src/" + name, name + "\n") }
        try Fixture.file(s.context + "/.dockerignore", "src/b.txt\n")
        let image = try builtImage(s.build("FROM scratch\nCOPY src/*.txt /g/\nCOPY --chown=5:6 --chmod=0640 src/a.txt /c/a.txt\n"))
        #expect(image["g/a.txt"] == "regular 644 0:0 a.txt\n")
        #expect(image["g/b.txt"] == nil && image["g/c.log"] == nil)
        #expect(image["c/a.txt"] == "regular 640 5:6 a.txt\n")
    }
}

/// `RootfsView` on hand-made layer directories: lookups never follow a layer's symlink,
/// and bind mount points resolve inside the root.
@Suite("Rootfs view confinement")
struct RootfsViewConfinementTests {
    @Test func lowerLayerLinkLendsNoHostFile() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-view")
        defer { try? dir.remove() }
        try Fixture.file(dir.path + "/host/secret", "host\n")
        try Fixture.directory(dir.path + "/lower")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/lower/a", withDestinationPath: dir.path + "/host")
        try Fixture.directory(dir.path + "/upper/a")
        let view = RootfsView(layers: [dir.path + "/upper", dir.path + "/lower"], opaqueXattr: "trusted.overlay.opaque")
        #expect(view.lookup("a")?.info.kind == .directory)
        // overlayfs hides the lower link under the upper directory: nothing at a/secret.
        #expect(view.lookup("a/secret") == nil)
        #expect(view.read("/a/secret") == nil)
    }

    @Test func mountPointsResolveInsideTheRoot() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-view")
        defer { try? dir.remove() }
        let layer = dir.path + "/layer"
        try Fixture.file(layer + "/etc/passwd", "root:x:0:0::/root:/bin/sh\n")
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: layer + "/etc/x", withDestinationPath: "/etc")
        try fm.createSymbolicLink(atPath: layer + "/etc/up", withDestinationPath: "/../../host")
        try fm.createSymbolicLink(atPath: layer + "/root", withDestinationPath: "..")
        let view = RootfsView(layers: [layer], opaqueXattr: "trusted.overlay.opaque")
        #expect(try view.mountPoint("/etc/x") == "etc")
        #expect(try view.mountPoint("/etc/x/sub") == "etc/sub")
        #expect(try view.mountPoint("/etc/up/data") == "host/data")
        #expect(try view.mountPoint("/etc/./x/../passwd") == "etc/passwd")
        #expect(throws: ExecutorError.self) { try view.mountPoint("/etc/passwd/sub") }
        #expect(throws: ExecutorError.self) { try view.mountPoint("/root") }
        #expect(throws: ExecutorError.self) { try view.mountPoint("/") }
    }
}
