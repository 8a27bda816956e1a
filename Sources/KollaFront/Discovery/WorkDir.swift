import Foundation
import OCIBuild

/// The assembled `<work-dir>/docker` tree (kolla's `setup_working_dir`): the image tree
/// copied, each `--docker-dir` overlaid in order (later files win), the apt files put
/// into `base/`, and the image directories found by walking it.
struct WorkDir {
    /// `<work-dir>/docker`.
    let path: String
    /// The temporary directory to delete afterwards, when `--work-dir` was not given.
    let temporary: String?
    /// Directories holding a `Dockerfile.j2`, in walk order (kolla's `find_dockerfiles`).
    private(set) var imagePaths: [String] = []

    /// Assembles the work dir.
    init(configuration conf: Configuration) throws {
        let fm = FileManager.default
        if let workDir = conf.string("work_dir"), !workDir.isEmpty {
            path = (workDir as NSString).appendingPathComponent("docker")
            temporary = nil
        } else {
            let stamp = WorkDir.timestamp()
            let base = NSTemporaryDirectory() + "kolla-\(stamp)_" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
            try fm.createDirectory(atPath: base, withIntermediateDirectories: true)
            path = base + "/docker"
            temporary = base
        }
        try WorkDir.copyTree(conf.catalog.dockerDir, to: path)
        for dir in conf.multi("docker_dir") {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                throw ConfigError.dataFile(dir, "--docker-dir is not a directory")
            }
            try WorkDir.copyTree(dir, to: path)
        }
        for (option, target) in [("apt_sources_list", "sources.list"), ("apt_preferences", "apt_preferences")] {
            guard let src = conf.string(option), !src.isEmpty else { continue }
            let dest = path + "/base/" + target
            guard fm.fileExists(atPath: src) else { throw ConfigError.dataFile(src, "\(option): no such file") }
            try? fm.removeItem(atPath: dest)
            try fm.copyItem(atPath: src, toPath: dest)
        }
        imagePaths = WorkDir.findDockerfiles(path)
    }

    private static func timestamp() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd_HH-mm-ss"
        return f.string(from: Date())
    }

    /// `shutil.copytree(src, dest, dirs_exist_ok=True)`: entries in directory-listing
    /// order, files replaced, symlinks copied as links.
    ///
    /// The top level is copied here, in order; then the subdirectories below it, which
    /// share nothing, on all cores. Every directory's own entries are still created by one
    /// thread in listing order, so file systems that list in creation order (tmpfs) list
    /// the copy as a sequential copy would.
    static func copyTree(_ src: String, to dest: String) throws {
        try makeDirectory(dest, intermediate: true)
        var found: [(String, String)] = []
        for entry in try listing(src) {
            let s = src + "/" + entry.name
            let d = dest + "/" + entry.name
            if try copyEntry(s, to: d, listed: entry) { found.append((s, d)) }
        }
        let subtrees = found
        try Concurrently.forEach(subtrees.count) { i in try copyContents(subtrees[i].0, to: subtrees[i].1) }
    }

    /// Copies the entries of directory `src` into the existing directory `dest`.
    private static func copyContents(_ src: String, to dest: String) throws {
        for entry in try listing(src) {
            let s = src + "/" + entry.name
            let d = dest + "/" + entry.name
            if try copyEntry(s, to: d, listed: entry) { try copyContents(s, to: d) }
        }
    }

    /// Copies one entry, for a directory only the directory itself; true for a directory.
    /// An entry gone since the listing is skipped.
    private static func copyEntry(_ s: String, to d: String, listed: FileSystem.ListedEntry) throws -> Bool {
        guard let kind = listed.kind ?? ((try? FileSystem.status(s)) ?? nil)?.kind else { return false }
        switch kind {
        case .directory:
            try makeDirectory(d, intermediate: false)
            return true
        case .symlink:
            try FileSystem.replaceSymlink(d, target: try FileSystem.linkTarget(s))
        case .regular:
            try FileSystem.copyFile(s, to: d)
        default:
            throw ConfigError.dataFile(s, "cannot copy a special file into the work dir")
        }
        return false
    }

    /// mkdir with Python's default mode (0777 less the umask), with missing parents when
    /// `intermediate`; an existing directory (or link to one) is fine.
    private static func makeDirectory(_ path: String, intermediate: Bool) throws {
        if intermediate {
            let parent = FileSystem.parentPath(path)
            if try FileSystem.statusFollowingLinks(parent) == nil { try FileSystem.createDirectory(parent, mode: 0o777) }
        }
        if try FileSystem.makeDirectoryIfAbsent(path, mode: 0o777) { return }
        guard try FileSystem.statusFollowingLinks(path)?.kind == .directory else {
            throw ConfigError.dataFile(path, "exists and is not a directory")
        }
    }

    /// Directory entries in the order the file system returns them (what Python's
    /// `os.scandir`, and so kolla's walk order, sees), with the types it reports.
    static func listing(_ dir: String) throws -> [FileSystem.ListedEntry] {
        do {
            return try FileSystem.directoryListing(dir)
        } catch {
            throw ConfigError.unreadable(dir)
        }
    }

    /// `os.walk` top-down: a directory is listed when it holds `Dockerfile.j2`, then its
    /// subdirectories are walked in listing order. The root's subdirectories are walked on
    /// all cores and their findings joined in listing order (the same list).
    static func findDockerfiles(_ root: String) -> [String] {
        guard let (rootHasTemplate, subdirs) = scan(root) else { return [] }
        let found = Concurrently.map(subdirs.count) { i in
            var out: [String] = []
            walk(root + "/" + subdirs[i], into: &out)
            return out
        }
        return (rootHasTemplate ? [root] : []) + found.joined()
    }

    private static func walk(_ dir: String, into out: inout [String]) {
        guard let (hasTemplate, subdirs) = scan(dir) else { return }
        if hasTemplate { out.append(dir) }
        for s in subdirs { walk(dir + "/" + s, into: &out) }
    }

    /// Whether `dir` holds a `Dockerfile.j2`, and its subdirectories in listing order
    /// (nil when it cannot be listed, which os.walk skips).
    private static func scan(_ dir: String) -> (Bool, [String])? {
        guard let entries = try? listing(dir) else { return nil }
        var subdirs: [String] = []
        var hasTemplate = false
        for entry in entries {
            let n = entry.name
            switch entry.kind {
            case .directory?:
                subdirs.append(n)
            case .regular?:
                if n == "Dockerfile.j2" { hasTemplate = true }
            default:
                // A link (or a type the listing did not give): classified by its target.
                guard let followed = (try? FileSystem.statusFollowingLinks(dir + "/" + n)) ?? nil else { continue }
                if followed.kind == .directory {
                    // os.walk does not follow directory symlinks.
                    if let own = (try? FileSystem.status(dir + "/" + n)) ?? nil, own.kind == .symlink { continue }
                    subdirs.append(n)
                } else if n == "Dockerfile.j2" {
                    hasTemplate = true
                }
            }
        }
        return (hasTemplate, subdirs)
    }

    /// kolla's `create_patch_files`: an empty `patches/` per image, plus the files a
    /// `patches_path/<image>/series` lists. Images are independent: done on all cores.
    func createPatchFiles(patchesPath: String?) throws {
        let images = imagePaths
        try Concurrently.forEach(images.count) { i in try WorkDir.createPatchFiles(image: images[i], patchesPath: patchesPath) }
    }

    private static func createPatchFiles(image: String, patchesPath: String?) throws {
        let fm = FileManager.default
        let name = (image as NSString).lastPathComponent
        let dest = image + "/patches"
        try makeDirectory(dest, intermediate: false)
        guard let patchesPath, !patchesPath.isEmpty else { return }
        let src = patchesPath + "/" + name
        let series = src + "/series"
        guard let data = fm.contents(atPath: series) else { return }
        try? fm.removeItem(atPath: dest + "/series")
        try fm.copyItem(atPath: series, toPath: dest + "/series")
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        where !line.hasPrefix("#") {
            let file = line.trimmingCharacters(in: .whitespaces)
            guard !file.isEmpty, !file.contains(".."), fm.fileExists(atPath: src + "/" + file) else { continue }
            try? fm.removeItem(atPath: dest + "/" + file)
            try fm.copyItem(atPath: src + "/" + file, toPath: dest + "/" + file)
        }
    }

    /// Sets atime and mtime of everything below the work dir to 0 (kolla's `set_time`),
    /// so build contexts do not depend on when they were assembled.
    func resetTimes() {
        func walk(_ dir: String) {
            guard let entries = try? WorkDir.listing(dir) else { return }
            for entry in entries {
                let p = dir + "/" + entry.name
                guard let kind = entry.kind ?? ((try? FileSystem.status(p)) ?? nil)?.kind else { continue }
                if kind == .directory { walk(p) }
                try? FileSystem.setTimes(p, seconds: 0)
            }
        }
        walk(path)
    }

    /// Removes the temporary directory, if this run made one.
    func cleanup() {
        if let temporary { try? FileManager.default.removeItem(atPath: temporary) }
    }
}
