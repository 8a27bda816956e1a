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
    static func copyTree(_ src: String, to dest: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: dest, withIntermediateDirectories: true)
        for name in try readdirNames(src) {
            let s = src + "/" + name
            let d = dest + "/" + name
            guard let info = (try? FileSystem.status(s)) ?? nil else { continue }
            switch info.kind {
            case .directory:
                try copyTree(s, to: d)
            case .symlink:
                try? fm.removeItem(atPath: d)
                try fm.createSymbolicLink(atPath: d, withDestinationPath: try fm.destinationOfSymbolicLink(atPath: s))
            default:
                if fm.fileExists(atPath: d) { try fm.removeItem(atPath: d) }
                try fm.copyItem(atPath: s, toPath: d)
            }
        }
    }

    /// Directory entries in the order the file system returns them (what Python's
    /// `os.scandir`, and so kolla's walk order, sees).
    static func readdirNames(_ dir: String) throws -> [String] {
        do {
            return try FileSystem.directoryEntriesInListingOrder(dir)
        } catch {
            throw ConfigError.unreadable(dir)
        }
    }

    /// `os.walk` top-down: a directory is listed when it holds `Dockerfile.j2`, then its
    /// subdirectories are walked in listing order.
    static func findDockerfiles(_ root: String) -> [String] {
        var out: [String] = []
        func walk(_ dir: String) {
            guard let names = try? readdirNames(dir) else { return }
            var subdirs: [String] = []
            var hasTemplate = false
            for n in names {
                guard let followed = (try? FileSystem.statusFollowingLinks(dir + "/" + n)) ?? nil else { continue }
                if followed.kind == .directory {
                    // os.walk does not follow directory symlinks.
                    if let own = (try? FileSystem.status(dir + "/" + n)) ?? nil, own.kind == .symlink { continue }
                    subdirs.append(n)
                } else if n == "Dockerfile.j2" {
                    hasTemplate = true
                }
            }
            if hasTemplate { out.append(dir) }
            for s in subdirs { walk(dir + "/" + s) }
        }
        walk(root)
        return out
    }

    /// kolla's `create_patch_files`: an empty `patches/` per image, plus the files a
    /// `patches_path/<image>/series` lists.
    func createPatchFiles(patchesPath: String?) throws {
        let fm = FileManager.default
        for image in imagePaths {
            let name = (image as NSString).lastPathComponent
            let dest = image + "/patches"
            try fm.createDirectory(atPath: dest, withIntermediateDirectories: true)
            guard let patchesPath, !patchesPath.isEmpty else { continue }
            let src = patchesPath + "/" + name
            let series = src + "/series"
            guard let data = fm.contents(atPath: series) else { continue }
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
    }

    /// Sets atime and mtime of everything below the work dir to 0 (kolla's `set_time`),
    /// so build contexts do not depend on when they were assembled.
    func resetTimes() {
        func walk(_ dir: String) {
            guard let names = try? WorkDir.readdirNames(dir) else { return }
            for n in names {
                let p = dir + "/" + n
                guard let info = (try? FileSystem.status(p)) ?? nil else { continue }
                if info.kind == .directory { walk(p) }
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
