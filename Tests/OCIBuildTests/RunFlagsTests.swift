import Foundation
import TestSupport
import Testing

@testable import OCIBuild
@testable import OCIDockerfile
import OCISystem

/// `RUN --network` and `RUN --mount`: the parser's checks (naming the line), the mount
/// fields and their defaults, what the executor puts in the sandbox spec, what reaches
/// the layer, and the build cache key. The executor tests record the spec instead of
/// running the sandbox, and play the kernel's part by creating the mount points in the
/// upper directory as the overlay would.
@Suite(.serialized) struct RunFlagsTests {
    // MARK: - parsing

    @Test func parserAcceptsBuildKitFlags() throws {
        let df = try DockerfileParser.parse(
            """
            FROM scratch
            RUN --network=none --mount=type=bind,source=src,target=/src,rw \\
                --mount=type=cache,target=/var/cache/apt,sharing=locked,id=apt,mode=0775,uid=42400,gid=42400 \\
                --mount=type=tmpfs,target=/scratch,size=64m \\
                --mount=type=secret,id=token,required,mode=0440 \\
                --mount=target=${DIR},source=$SRC \\
                make
            """, name: "ctx/Dockerfile")
        let run = df.stages[0].instructions[0]
        let flags = try RunFlags(run.flags) { $0.replacingOccurrences(of: "${DIR}", with: "/d").replacingOccurrences(of: "$SRC", with: "s") }
        #expect(flags.network == .none)
        #expect(flags.mounts.count == 5)
        let bind = flags.mounts[0]
        #expect(bind.kind == .bind && bind.source == "src" && bind.target == "/src" && !bind.readOnly)
        let cache = flags.mounts[1]
        #expect(cache.kind == .cache && cache.id == "apt" && cache.sharing == .locked && !cache.readOnly)
        #expect(cache.mode == 0o775 && cache.uid == 42400 && cache.gid == 42400)
        let tmpfs = flags.mounts[2]
        #expect(tmpfs.kind == .tmpfs && tmpfs.size == 64 << 20 && !tmpfs.readOnly)
        let secret = flags.mounts[3]
        #expect(secret.kind == .secret && secret.id == "token" && secret.required && secret.mode == 0o440)
        #expect(secret.secretTarget == "/run/secrets/token")
        let expanded = flags.mounts[4]
        #expect(expanded.kind == .bind && expanded.target == "/d" && expanded.source == "s" && expanded.readOnly)
    }

    @Test(arguments: [
        ("RUN --netwrok=none true", "unknown flag: --netwrok"),
        ("RUN --network=bridge true", "unsupported network mode \"bridge\": RUN --network takes default, host or none"),
        ("RUN --security=insecure true", "RUN --security=insecure is not supported (only sandbox, the default)"),
        ("RUN --mount=type=bind,target=/x,colour=red true", "RUN --mount: unexpected key 'colour' in 'colour=red'"),
        ("RUN --mount=type=volume,target=/x true", "RUN --mount: unsupported mount type \"volume\" (bind, cache, tmpfs, secret or ssh)"),
        ("RUN --mount=type=ssh true", "RUN --mount=type=ssh is not supported: kolla-oci forwards no SSH agent"),
        ("RUN --mount=type=bind,source=x true", "RUN --mount=type=bind: target is required"),
        ("RUN --mount=type=bind,target=/x,sharing=locked true", "RUN --mount: unexpected key 'sharing' for mount type 'bind'"),
        ("RUN --mount=type=cache,target=/x,sharing=sometimes true", "RUN --mount: unsupported sharing value \"sometimes\" (shared, private or locked)"),
        ("RUN --mount=type=cache,target=/x,mode=999 true", "RUN --mount: invalid mode=999 (an octal mode)"),
        ("RUN --mount=type=tmpfs,target=/x,size=lots true", "RUN --mount: invalid size=lots"),
        ("RUN --mount=type=secret true", "RUN --mount=type=secret: one of id, source or target is required"),
        ("RUN --mount=type=tmpfs,target=/,rw true", "RUN --mount: cannot mount over /"),
        ("RUN --mount=type=bind,target=/x,nonsense true", "RUN --mount: invalid field 'nonsense' must be a key=value pair"),
        ("RUN --mount true", "RUN --mount needs a value (type=…,target=…)"),
    ])
    func parserRefusesWithLine(_ run: String, _ message: String) {
        let text = "FROM scratch\n\n" + run + "\n"
        #expect(throws: DockerfileError("Dockerfile", 3, message)) { try DockerfileParser.parse(text) }
    }

    @Test func mountFieldDetails() throws {
        // CSV quoting protects commas; `ro=false`, `readwrite`, and the secret's id from its target.
        let quoted = try RunMount(parsing: #"type=bind,"source=a,b",target=/t,ro=false"#)
        #expect(quoted.source == "a,b" && !quoted.readOnly)
        #expect(try RunMount(parsing: "type=cache,target=/c,readonly").readOnly)
        #expect(try RunMount(parsing: "type=secret,target=/etc/key").id == "key")
        #expect(try RunMount(parsing: "type=secret,id=a,env=TOKEN").secretTarget == nil)
        #expect(RunMount.bytes("512k") == 512 * 1024 && RunMount.bytes("1GiB") == 1 << 30 && RunMount.bytes("100") == 100)
        #expect(try RunMount(parsing: "type=cache,target=/x").canonical != (try RunMount(parsing: "type=cache,target=/x,sharing=locked")).canonical)
        #expect(BuildExecutor.cacheMountName("/var/cache/apt") == "%2Fvar%2Fcache%2Fapt")
        #expect(BuildExecutor.cacheMountName("..") == "%2E.")
        #expect(BuildExecutor.cacheMountName("pip-3.11") == "pip-3.11")
    }

    // MARK: - the executor, with a recording sandbox

    /// What the fake sandbox saw.
    final class Recorder: @unchecked Sendable {
        var specs: [RunSpec] = []
        /// Contents of each bind source when the command ran (path → text).
        var seen: [String: String] = [:]
        /// Names in each directory bind source when the command ran.
        var listing: [String: [String]] = [:]
    }

    struct Fixture {
        let dir: TemporaryDirectory
        let executor: BuildExecutor
        let recorder = Recorder()
        var context: String { dir.path + "/ctx" }

        init(isolation: RunSpec.Isolation = .namespaces) throws {
            dir = try TemporaryDirectory(prefix: "kolla-oci-runflags")
            let store = try ImageStore(root: dir.path + "/store")
            var plan = SandboxPlan.namespaces(.none)
            if isolation == .chroot {
                plan.rung = .chrootOnly
                plan.isolation = .chroot
            }
            executor = try BuildExecutor(store: store, plan: plan)
            try FileManager.default.createDirectory(atPath: dir.path + "/ctx/src", withIntermediateDirectories: true)
            try "hello\n".write(toFile: dir.path + "/ctx/src/file", atomically: true, encoding: .utf8)
            try "s3cret\n".write(toFile: dir.path + "/token", atomically: true, encoding: .utf8)
            let recorder = self.recorder
            // The kernel's part: mkdir of every mount point in the merged tree lands in the
            // upper directory (the lower is empty here); the command writes /out.
            executor.launch = { spec, _ in
                recorder.specs.append(spec)
                let upper = spec.overlay!.upper
                for bind in spec.binds {
                    var isDir: ObjCBool = false
                    _ = FileManager.default.fileExists(atPath: bind.source, isDirectory: &isDir)
                    let target = upper + bind.target
                    if isDir.boolValue {
                        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
                        recorder.listing[bind.target] = try FileManager.default.contentsOfDirectory(atPath: bind.source).sorted()
                        let file = bind.source + "/file"
                        if let text = try? String(contentsOfFile: file, encoding: .utf8) { recorder.seen[bind.target] = text }
                    } else {
                        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                        _ = FileManager.default.createFile(atPath: target, contents: nil)
                        recorder.seen[bind.target] = try? String(contentsOfFile: bind.source, encoding: .utf8)
                    }
                }
                for t in spec.tmpfs { try FileManager.default.createDirectory(atPath: upper + t, withIntermediateDirectories: true) }
                _ = FileManager.default.createFile(atPath: upper + "/out", contents: Data("built\n".utf8))
                return 0
            }
        }

        func build(_ dockerfile: String, configure: (inout BuildRequest) -> Void = { _ in }) throws -> BuildResult {
            var request = BuildRequest(dockerfilePath: context + "/Dockerfile", dockerfileText: dockerfile, contextDirectory: context)
            request.secrets["token"] = .file(dir.path + "/token")
            configure(&request)
            return try executor.build(request)
        }

        /// The paths in the last layer (relative, sorted).
        func lastLayer(_ result: BuildResult) throws -> [String] {
            let layer = executor.layers.path(for: result.config.rootfs.diffIDs.last!)
            let walker = FileManager.default.enumerator(atPath: layer)
            var out: [String] = []
            while let p = walker?.nextObject() as? String { out.append(p) }
            return out.sorted()
        }
    }

    static var isRoot: Bool { getuid() == 0 }

    @Test(.enabled(if: isRoot, "needs root (mount sources are chowned)"))
    func networkReachesTheSpec() throws {
        let f = try Fixture()
        defer { try? f.dir.remove() }
        _ = try f.build("FROM scratch\nUSER 0\nRUN --network=none true\nRUN --network=default echo a\nRUN echo b\n")
        #expect(f.recorder.specs.map(\.network) == [.none, .host, .host])
        _ = try f.build("FROM scratch\nUSER 0\nRUN --network=host echo c\nRUN echo d\n") { $0.network = .none }
        #expect(f.recorder.specs.suffix(2).map(\.network) == [.host, .none])
    }

    @Test(.enabled(if: isRoot, "needs root (mount sources are chowned)"))
    func reproducibleModeGivesRunSourceDateEpochAndFixedHistory() throws {
        let f = try Fixture()
        defer { try? f.dir.remove() }
        let first = try f.build("FROM scratch\nUSER 0\nRUN echo a\nENV X=1\n") { $0.timestamp = 1_700_000_000 }
        #expect(f.recorder.specs.last?.environment.contains("SOURCE_DATE_EPOCH=1700000000") == true)
        #expect(f.recorder.specs.last?.environment.contains("PYTHONHASHSEED=0") == true)
        // RUN's environment only: not the image's.
        #expect(first.config.config?.env?.contains { $0.hasPrefix("SOURCE_DATE_EPOCH=") } != true)
        #expect(first.config.history?.map(\.created) == Array(repeating: "2023-11-14T22:13:20Z", count: 3))
        #expect(first.config.created == "2023-11-14T22:13:20Z")
        // The same steps with another timestamp (reused from the cache or run again): the
        // history carries this build's time, never the earlier build's.
        let second = try f.build("FROM scratch\nUSER 0\nRUN echo a\nENV X=1\n") { $0.timestamp = 1_600_000_000 }
        #expect(second.config.history?.map(\.created) == Array(repeating: "2020-09-13T12:26:40Z", count: 3))
        // Without a timestamp RUN gets none; a Dockerfile's own value wins over the build's.
        _ = try f.build("FROM scratch\nUSER 0\nRUN echo b\n")
        #expect(f.recorder.specs.last?.environment.contains { $0.hasPrefix("SOURCE_DATE_EPOCH=") } == false)
        _ = try f.build("FROM scratch\nUSER 0\nENV SOURCE_DATE_EPOCH=5\nRUN echo c\n") { $0.timestamp = 1_700_000_000 }
        #expect(f.recorder.specs.last?.environment.contains("SOURCE_DATE_EPOCH=5") == true)
    }

    @Test(.enabled(if: isRoot, "needs root (mount sources are chowned)"))
    func mountsBecomeBindsAndTmpfsAndLeaveNoTrace() throws {
        let f = try Fixture()
        defer { try? f.dir.remove() }
        let result = try f.build(
            """
            FROM scratch
            USER 0
            WORKDIR /work
            RUN --mount=type=bind,source=src,target=/mnt/src \\
                --mount=type=cache,target=cache,id=c1,uid=42400,mode=0700 \\
                --mount=type=tmpfs,target=/tmp/t \\
                --mount=type=secret,id=token,mode=0440,gid=42400 \\
                --mount=type=secret,id=token,env=TOKEN \\
                --mount=type=secret,id=absent \\
                cat /mnt/src/file
            """)
        let spec = try #require(f.recorder.specs.last)
        let binds = spec.binds.map { "\($0.target) \($0.readOnly ? "ro" : "rw")" }
        #expect(binds == ["/mnt/src ro", "/work/cache rw", "/run/secrets/token ro"])
        #expect(spec.binds[0].source == f.context + "/src")
        #expect(spec.binds[1].source == f.dir.path + "/store/cache-mounts/c1")
        #expect(spec.tmpfs == ["/tmp/t"])
        #expect(spec.environment.contains("TOKEN=s3cret\n"))
        #expect(f.recorder.seen["/mnt/src"] == "hello\n" && f.recorder.seen["/run/secrets/token"] == "s3cret\n")
        // The cache directory: owner and mode as asked; the secret copy is gone with the step.
        let cache = try #require(try FileSystem.status(f.dir.path + "/store/cache-mounts/c1"))
        #expect(cache.uid == 42400 && cache.gid == 0 && cache.permissions & 0o7777 == 0o700)
        #expect(!FileManager.default.fileExists(atPath: spec.binds[2].source))
        // Only what the command wrote is in the layer: no mount points, no secret, no
        // history of it.
        #expect(try f.lastLayer(result) == ["out"])
        #expect(!(result.config.history ?? []).contains { ($0.createdBy ?? "").contains("s3cret") })
    }

    @Test(.enabled(if: isRoot, "needs root (mount sources are chowned)"))
    func readWriteBindsAreCopies() throws {
        let f = try Fixture()
        defer { try? f.dir.remove() }
        try "src/*.secret\n".write(toFile: f.context + "/.dockerignore", atomically: true, encoding: .utf8)
        try "x".write(toFile: f.context + "/src/key.secret", atomically: true, encoding: .utf8)
        _ = try f.build("FROM scratch\nUSER 0\nRUN --mount=target=/a,source=src,rw --mount=target=/b,source=src true\n")
        let spec = try #require(f.recorder.specs.last)
        // Writes to a read-write bind are discarded; an ignored file never shows.
        #expect(!spec.binds[0].source.hasPrefix(f.context) && !spec.binds[0].readOnly)
        #expect(!spec.binds[1].source.hasPrefix(f.context) && spec.binds[1].readOnly)
        #expect(f.recorder.seen["/a"] == "hello\n")
        #expect(f.recorder.listing["/a"] == ["file"] && f.recorder.listing["/b"] == ["file"])
        #expect(throws: ExecutorError.self) {
            try f.build("FROM scratch\nUSER 0\nRUN --mount=target=/a,source=../../etc true\n")
        }
    }

    @Test(.enabled(if: isRoot, "needs root (mount sources are chowned)"))
    func mountErrorsNameTheLine() throws {
        let f = try Fixture()
        defer { try? f.dir.remove() }
        let missing = #expect(throws: ExecutorError.self) {
            try f.build("FROM scratch\nUSER 0\nRUN --mount=type=secret,id=nope,required true\n")
        }
        #expect("\(missing!)".hasPrefix(f.context + "/Dockerfile:3: building at STEP"), "\(missing!)")
        #expect("\(missing!)".contains("secret nope is required"))
        let expanded = #expect(throws: ExecutorError.self) {
            try f.build("FROM scratch\nUSER 0\nARG T=volume\nRUN --mount=type=$T,target=/x true\n")
        }
        #expect("\(expanded!)".contains("Dockerfile:4: ") && "\(expanded!)".contains("unsupported mount type \"volume\""), "\(expanded!)")
        let source = #expect(throws: ExecutorError.self) {
            try f.build("FROM scratch\nUSER 0\nRUN --mount=target=/x,source=nothere true\n")
        }
        #expect("\(source!)".contains("Dockerfile:3: ") && "\(source!)".contains("bind source nothere is not in the build context"))
    }

    @Test(.enabled(if: isRoot, "needs root (mount sources are chowned)"))
    func cacheKeyCoversMountsButNotSecrets() throws {
        let f = try Fixture()
        defer { try? f.dir.remove() }
        let dockerfile = "FROM scratch\nUSER 0\nRUN --mount=target=/src,source=src --mount=type=secret,id=token cat /src/file\n"
        let first = try f.build(dockerfile)
        #expect(first.stepsRun == 1)
        #expect(try f.build(dockerfile).stepsCached == 1)
        // A secret's content is not part of the key.
        try "other\n".write(toFile: f.dir.path + "/token", atomically: true, encoding: .utf8)
        #expect(try f.build(dockerfile).stepsCached == 1)
        // The bound source's content is.
        try "changed\n".write(toFile: f.context + "/src/file", atomically: true, encoding: .utf8)
        #expect(try f.build(dockerfile).stepsRun == 1)
        #expect(try f.build(dockerfile).stepsCached == 1)
        // So is the build's network.
        #expect(try f.build(dockerfile) { $0.network = .none }.stepsRun == 1)
        // A RUN without flags keeps the key it had before mounts existed.
        let plain = try f.build("FROM scratch\nUSER 0\nRUN true\n")
        #expect(plain.stepsRun == 1)
        #expect(try f.build("FROM scratch\nUSER 0\nRUN true\n").stepsCached == 1)
    }

    @Test(.enabled(if: isRoot, "needs root (mount sources are chowned)"))
    func chrootRungRefusesMounts() throws {
        let f = try Fixture(isolation: .chroot)
        defer { try? f.dir.remove() }
        let refused = #expect(throws: ExecutorError.self) {
            try f.build("FROM scratch\nUSER 0\nRUN --mount=type=tmpfs,target=/t true\n")
        }
        #expect("\(refused!)".contains("Dockerfile:3: ") && "\(refused!)".contains("chroot isolation rung"), "\(refused!)")
        #expect(f.recorder.specs.isEmpty)
    }

    @Test(.enabled(if: isRoot, "needs root (mount sources are chowned)"))
    func bindFromAnotherStage() throws {
        let f = try Fixture()
        defer { try? f.dir.remove() }
        _ = try f.build(
            """
            FROM scratch AS build
            COPY src/file /out/file
            FROM scratch
            USER 0
            RUN --mount=type=bind,from=build,source=/out,target=/in cat /in/file
            """)
        let spec = try #require(f.recorder.specs.last)
        #expect(spec.binds.map(\.target) == ["/in"] && spec.binds[0].readOnly)
        #expect(f.recorder.seen["/in"] == "hello\n")
    }
}
