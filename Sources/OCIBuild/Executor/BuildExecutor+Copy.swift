import Foundation

/// COPY and ADD: sources from the build context (minus `.dockerignore`), another stage
/// (`--from`) or here-documents, written into a fresh upper directory at the destination
/// resolved inside the image (symlinks such as `lib -> usr/lib` followed), with
/// `--chown`/`--chmod`; ADD also unpacks local tar archives.
extension BuildExecutor {
    func copyStep(
        _ ins: Instruction, sources rawSources: [String], destination rawDest: String, isAdd: Bool, _ state: inout StageState,
        file: Dockerfile, words: ShellWords, request: BuildRequest, ignore: DockerIgnore?, finished: [String: StageState],
        counters: inout BuildCounters
    ) throws {
        let env = state.expansionEnvironment
        func x(_ s: String) throws -> String { try expand(words, s, env, ins, file) }
        let dest = try x(rawDest)
        let workdir = state.config.config?.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/"
        let absDest = dest.hasPrefix("/") ? dest : (workdir as NSString).appendingPathComponent(dest) + (dest.hasSuffix("/") ? "/" : "")
        let chown = try ins.flag("chown").map { try x($0) }
        let chmod = try ins.flag("chmod").map { try x($0) }.map { text -> mode_t in
            guard let m = mode_t(text, radix: 8), m <= 0o7777 else {
                throw ExecutorError.step(file: file.name, line: ins.line, instruction: ins.text, cause: "invalid --chmod=\(text)")
            }
            return m
        }

        // Where sources come from.
        var sourceRoot = request.contextDirectory
        var fromScratch: String?
        defer { if let fromScratch { ScratchRegistry.remove(fromScratch) } }
        var fromKey = ""
        if let from = try ins.flag("from").map({ try x($0) }) {
            let other: StageState
            if let s = finished[from.lowercased()] {
                other = s
            } else if let (_, descriptor) = try? store.resolve(from) {
                let (_, manifest) = try store.manifest(descriptor)
                var image = StageState(config: try store.readJSON(ImageConfig.self, manifest.config), layers: manifest.layers, cacheKey: "", baseName: from)
                image.lease = state.lease
                other = image
            } else {
                throw ExecutorError.step(file: file.name, line: ins.line, instruction: ins.text, cause: ExecutorError.noSuchStage(from).description)
            }
            let dir = try scratchDirectory()
            fromScratch = dir
            try flatten(other, into: dir + "/rootfs")
            sourceRoot = dir + "/rootfs"
            fromKey = other.config.rootfs.diffIDs.map(\.description).joined(separator: ",")
        }
        let heredocNames = Set(ins.heredocs.map(\.name))
        var sources: [String] = []
        for s in rawSources {
            if s.hasPrefix("<<"), heredocNames.contains(String(s.drop { $0 == "<" || $0 == "-" }).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))) {
                continue
            }
            sources.append(try x(s))
        }
        if isAdd, let url = sources.first(where: { $0.hasPrefix("http://") || $0.hasPrefix("https://") }) {
            throw ExecutorError.step(file: file.name, line: ins.line, instruction: ins.text, cause: "ADD from a URL (\(url)) is not supported yet; download it into the context")
        }
        // Expand globs inside the source root; `..` cannot leave it.
        var matches: [String] = []
        for s in sources {
            let rel = RootfsView.clean(s)
            let found = try glob(rel, in: sourceRoot, ignore: fromScratch == nil ? ignore : nil)
            if found.isEmpty {
                throw ExecutorError.step(file: file.name, line: ins.line, instruction: ins.text, cause: "no source files were specified or found for \(s)")
            }
            matches += found
        }

        // The cache key covers the content of every source.
        let contentDigest = try digestSources(matches, root: sourceRoot, ignore: fromScratch == nil ? ignore : nil)
        let docs = ins.heredocs.map { "\($0.name)\u{1}\($0.content)" }.joined(separator: "\u{2}")
        let key = BuildCache.key(state.cacheKey, ins.text, contentDigest, docs, fromKey, absDest, chown ?? "", chmod.map { String($0, radix: 8) } ?? "")
        if reuse(key, &state, request: request) {
            counters.cached += 1
            return
        }

        let view = RootfsView(layers: try extractedLayers(state), opaqueXattr: overlayXattrPrefix + "opaque")
        let owner = try chown.map { try view.owner($0) } ?? (0, 0)
        let scratch = try scratchDirectory()
        defer { ScratchRegistry.remove(scratch) }
        let upper = scratch + "/upper"
        try FileManager.default.createDirectory(atPath: upper, withIntermediateDirectories: true)

        let total = matches.count + ins.heredocs.count
        let destIsDir = absDest.hasSuffix("/") || total > 1
            || (view.lookup((try? view.resolve(absDest)) ?? "").map { $0.info.kind == .directory } ?? false)
        let resolvedDest = try view.resolve(absDest)
        let copier = TreeCopier(owner: owner, chownGiven: chown != nil, chmod: chmod, ignore: fromScratch == nil ? ignore : nil, sourceRoot: sourceRoot, timestamp: request.timestamp)
        if destIsDir {
            try mirrorParents(view, resolvedDest, into: upper, includeSelf: true)
            try copier.makeDirectories(upper, resolvedDest, view: view)
        } else {
            try mirrorParents(view, resolvedDest, into: upper, includeSelf: false)
        }
        for doc in ins.heredocs {
            let target = destIsDir ? upper + "/" + resolvedDest + "/" + doc.name : upper + "/" + resolvedDest
            try copier.writeFile(target, Array(doc.content.utf8), mode: 0o644)
        }
        for rel in matches {
            let src = sourceRoot + (rel.isEmpty ? "" : "/" + rel)
            var st = stat()
            guard lstat(src, &st) == 0 else { continue }
            let isDir = (st.st_mode & S_IFMT) == S_IFDIR
            if isAdd && !isDir && fromScratch == nil && TreeCopier.isArchive(src) {
                // ADD unpacks local archives into the destination directory.
                let target = upper + "/" + resolvedDest
                try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
                var options = UnpackOptions()
                options.whiteouts = .apply
                _ = try Unpacker(options: options).unpack(layerPath: src, into: target)
                continue
            }
            if isDir {
                // A directory source copies its contents, not itself.
                let target = upper + "/" + resolvedDest
                try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
                try copier.copyContents(of: src, relative: rel, to: target)
            } else {
                let target = destIsDir ? upper + "/" + resolvedDest + "/" + (rel as NSString).lastPathComponent : upper + "/" + resolvedDest
                try copier.copy(src, relative: rel, to: target)
            }
        }
        let createdBy = "/bin/sh -c #(nop) \(isAdd ? "ADD" : "COPY") \(sources.joined(separator: " ")) in \(absDest)"
        try commitLayer(
            changes: try Differ.treeChanges(lower: nil, upper: upper), upper: upper, state: &state, createdBy: createdBy,
            cacheKey: key, request: request)
        counters.run += 1
    }

    /// Applies every layer of `stage` to an empty directory (for `COPY --from`).
    func flatten(_ stage: StageState, into dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var options = UnpackOptions()
        options.whiteouts = .apply
        for layer in stage.layers {
            _ = try Unpacker(options: options).unpack(layerPath: store.blobPath(layer.digest), into: dir)
        }
    }

    /// Paths (relative to `root`) matching a source pattern with `*`, `?` and `[…]`.
    func glob(_ pattern: String, in root: String, ignore: DockerIgnore?) throws -> [String] {
        if pattern.isEmpty { return [""] }
        let parts = pattern.split(separator: "/").map(String.init)
        var current = [""]
        for part in parts {
            var next: [String] = []
            let wild = part.contains(where: { "*?[".contains($0) })
            for base in current {
                let dir = root + (base.isEmpty ? "" : "/" + base)
                if wild {
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
                    for n in names.sorted() where fnmatch(part, n, 0) == 0 {
                        next.append(base.isEmpty ? n : base + "/" + n)
                    }
                } else {
                    let p = base.isEmpty ? part : base + "/" + part
                    var st = stat()
                    if lstat(root + "/" + p, &st) == 0 { next.append(p) }
                }
            }
            current = next
        }
        return current.filter { ignore?.excludes($0) != true }
    }

    /// A digest of the sources' paths, modes and contents (symlink targets), the
    /// content part of a COPY/ADD cache key.
    func digestSources(_ paths: [String], root: String, ignore: DockerIgnore?) throws -> String {
        var bytes: [UInt8] = []
        func add(_ rel: String) {
            let full = root + (rel.isEmpty ? "" : "/" + rel)
            var st = stat()
            guard lstat(full, &st) == 0 else { return }
            bytes += Array("\(rel)\u{0}\(st.st_mode)\u{0}".utf8)
            switch st.st_mode & S_IFMT {
            case S_IFREG:
                if let d = try? Digest.sha256(of: FileManager.default.contents(atPath: full) ?? Data()) { bytes += Array(d.encoded.utf8) }
            case S_IFLNK:
                bytes += Array(((try? FileManager.default.destinationOfSymbolicLink(atPath: full)) ?? "").utf8)
            case S_IFDIR:
                for n in ((try? FileManager.default.contentsOfDirectory(atPath: full)) ?? []).sorted() {
                    let child = rel.isEmpty ? n : rel + "/" + n
                    if ignore?.excludes(child) == true { continue }
                    add(child)
                }
            default: break
            }
            bytes.append(1)
        }
        for p in paths { add(p) }
        return try Digest.sha256(of: bytes).encoded
    }
}

/// Copies files into an upper directory as COPY does: modes kept (or `--chmod`), owner
/// 0:0 (or `--chown`), mtimes kept (clamped to SOURCE_DATE_EPOCH when set), symlinks as
/// links, `.dockerignore`d paths skipped.
struct TreeCopier {
    let owner: (uid: UInt32, gid: UInt32)
    let chownGiven: Bool
    let chmod: mode_t?
    let ignore: DockerIgnore?
    let sourceRoot: String
    let timestamp: Int?

    static func isArchive(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        let head = [UInt8](h.readData(ofLength: 512))
        if head.count >= 3 && head[0] == 0x1f && head[1] == 0x8b { return true }  // gzip
        if head.count >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd { return true }  // zstd
        if head.count >= 3 && head[0] == 0x42 && head[1] == 0x5a && head[2] == 0x68 { return true }  // bzip2
        if head.count >= 6 && head[0] == 0xfd && head[1] == 0x37 && head[2] == 0x7a { return true }  // xz
        if head.count >= 262 && Array(head[257..<262]) == Array("ustar".utf8) { return true }  // tar
        return false
    }

    func finish(_ path: String, mode: mode_t, isLink: Bool = false, mtime: Int) {
        lchown(path, owner.uid, owner.gid)
        if !isLink { Glibc.chmod(path, chmod ?? mode) }
        let t = timestamp.map { min($0, mtime) } ?? mtime
        var times = [timespec(tv_sec: t, tv_nsec: 0), timespec(tv_sec: t, tv_nsec: 0)]
        utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW)
    }

    func writeFile(_ target: String, _ bytes: [UInt8], mode: mode_t) throws {
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: target, contents: Data(bytes)) else {
            throw ExecutorError.source("cannot write \(target)")
        }
        finish(target, mode: mode, mtime: Int(Date().timeIntervalSince1970))
    }

    /// Directories created for the destination itself (not mirrored from the image) get
    /// the copy's owner, as Docker does.
    func makeDirectories(_ upper: String, _ dest: String, view: RootfsView) throws {
        var rel = ""
        for part in dest.split(separator: "/") {
            rel = rel.isEmpty ? String(part) : rel + "/" + part
            let target = upper + "/" + rel
            var st = stat()
            if lstat(target, &st) == 0 { continue }
            mkdir(target, 0o755)
            if chownGiven { lchown(target, owner.uid, owner.gid) }
        }
    }

    func copy(_ src: String, relative: String, to target: String) throws {
        var st = stat()
        guard lstat(src, &st) == 0 else { return }
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var existing = stat()
        if lstat(target, &existing) == 0 && (existing.st_mode & S_IFMT) != S_IFDIR { unlink(target) }
        switch st.st_mode & S_IFMT {
        case S_IFLNK:
            let dest = try FileManager.default.destinationOfSymbolicLink(atPath: src)
            guard symlink(dest, target) == 0 else { throw ExecutorError.source("symlink \(target): \(String(cString: strerror(errno)))") }
            finish(target, mode: 0o777, isLink: true, mtime: st.st_mtim.tv_sec)
        case S_IFDIR:
            if mkdir(target, mode_t(st.st_mode & 0o7777)) != 0 && errno != EEXIST {
                throw ExecutorError.source("mkdir \(target): \(String(cString: strerror(errno)))")
            }
            try copyContents(of: src, relative: relative, to: target)
            finish(target, mode: mode_t(st.st_mode & 0o7777), mtime: st.st_mtim.tv_sec)
        case S_IFREG:
            try copyFile(src, target)
            finish(target, mode: mode_t(st.st_mode & 0o7777), mtime: st.st_mtim.tv_sec)
        default:
            break  // sockets, fifos and devices are not copied
        }
    }

    func copyContents(of dir: String, relative: String, to target: String) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: dir).sorted() {
            let rel = relative.isEmpty ? name : relative + "/" + name
            if ignore?.excludes(rel) == true && ignore?.hasExceptions != true { continue }
            if ignore?.excludes(rel) == true {
                // An exception below may re-include something: descend without copying this entry.
                var st = stat()
                if lstat(dir + "/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
                    try copyContents(of: dir + "/" + name, relative: rel, to: target + "/" + name)
                }
                continue
            }
            try copy(dir + "/" + name, relative: rel, to: target + "/" + name)
        }
    }

    private func copyFile(_ src: String, _ dst: String) throws {
        let inFD = open(src, O_RDONLY | O_CLOEXEC)
        guard inFD >= 0 else { throw ExecutorError.source("open \(src): \(String(cString: strerror(errno)))") }
        defer { close(inFD) }
        let outFD = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard outFD >= 0 else { throw ExecutorError.source("create \(dst): \(String(cString: strerror(errno)))") }
        defer { close(outFD) }
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = read(inFD, &buf, buf.count)
            if n < 0 { throw ExecutorError.source("read \(src): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            var off = 0
            while off < n {
                let w = buf.withUnsafeBytes { write(outFD, $0.baseAddress! + off, n - off) }
                if w < 0 { throw ExecutorError.source("write \(dst): \(String(cString: strerror(errno)))") }
                off += w
            }
        }
    }
}
