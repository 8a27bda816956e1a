import OCISystem
import OCIValues

/// Build failures. `located` ones say `file:line: building at STEP "…": cause`; every
/// failure inside a step is located by the step loop, whatever layer raised it.
package enum ExecutorError: Error, CustomStringConvertible {
    /// A failure inside a step, with the Dockerfile's location; `cause` is the typed error
    /// of whichever part failed (this type's own cases, the store's, the layers', ...).
    case step(file: String, line: Int, instruction: String, cause: any Error)
    case runFailed(file: String, line: Int, instruction: String, status: Int32)
    case unknownUser(String)
    case unknownGroup(String)
    case symlinkLoop(String)
    case missingImage(String)
    case noSuchStage(String)
    /// A bind mount's container path that cannot be a mount point inside the image.
    case mountPoint(String, String)
    /// The Dockerfile has no stage to build.
    case nothingToBuild
    case stageWithoutFrom
    /// A layer the base image's manifest lists is not in the store.
    case missingBaseLayer(Digest)
    /// `--chmod=` that is not an octal mode of at most 0o7777.
    case invalidChmod(String)
    /// A here-document whose name cannot be a file name (the reason says why).
    case invalidHeredocName(reason: String)
    case addFromURL(String)
    /// A COPY/ADD source pattern that matched nothing.
    case noSources(String)
    /// A COPY/ADD source that resolves to nothing inside its tree (a dangling symlink).
    case danglingSource(String, inContext: Bool)
    case copyOntoRoot
    /// A bind or secret mount's source that is not where it may be read.
    case bindSourceOutsideContext(String)
    case bindSourceIgnored(String)
    case bindSourceOutsideStage(source: String, stage: String)
    case bindSourceMissing(String)
    case mountOverRoot
    case secretRequired(String)
    case secretUnreadable(id: String, path: String)
    case sshMountUnsupported
    case cacheMount(String, NativeError)
    /// A file the RUN sandbox would have to map has an owner outside its id range.
    case ownerOutsideRange(path: String, uid: UInt32, gid: UInt32, ids: Int)
    /// A system call of the executor's own (pipes, directories) failed.
    case system(NativeError)

    /// True for the cases that already name the Dockerfile file and line.
    package var isLocated: Bool {
        switch self {
        case .step, .runFailed: return true
        default: return false
        }
    }

    package var description: String {
        switch self {
        case let .step(file, line, instruction, cause):
            return "\(file):\(line): building at STEP \"\(instruction)\": \(cause)"
        case let .runFailed(file, line, instruction, status):
            return "\(file):\(line): building at STEP \"\(instruction)\": exit status \(status)"
        case .unknownUser(let u): return "unable to find user \(u): no matching entries in passwd file"
        case .unknownGroup(let g): return "unable to find group \(g): no matching entries in group file"
        case .symlinkLoop(let p): return "too many levels of symbolic links resolving \(p)"
        case .missingImage(let r): return "image \(r) is not in the store (import or pull it first)"
        case .noSuchStage(let s): return "no stage or image named \(s)"
        case let .mountPoint(path, reason): return "bind mount target \(path): \(reason)"
        case .nothingToBuild: return "nothing to build"
        case .stageWithoutFrom: return "stage without FROM"
        case .missingBaseLayer(let d): return "layer \(d) of the base image is missing from the store"
        case .invalidChmod(let text): return "invalid --chmod=\(text)"
        case .invalidHeredocName(let reason): return reason
        case .addFromURL(let url): return "ADD from a URL (\(url)) is not supported yet; download it into the context"
        case .noSources(let s): return "no source files were specified or found for \(s)"
        case let .danglingSource(rel, inContext):
            return "\(rel): no such file or directory (a symlink to nothing inside the \(inContext ? "context" : "source stage")?)"
        case .copyOntoRoot: return "cannot copy onto the root directory"
        case .bindSourceOutsideContext(let s): return "bind source \(s) is not in the build context"
        case .bindSourceIgnored(let s): return "bind source \(s) is excluded by .dockerignore"
        case let .bindSourceOutsideStage(source, stage): return "bind source \(source) is not in \(stage)"
        case .bindSourceMissing(let rel): return "\(rel): no such file or directory"
        case .mountOverRoot: return "RUN --mount: cannot mount over /"
        case .secretRequired(let id): return "secret \(id) is required but was not given (--secret id=\(id),src=PATH)"
        case let .secretUnreadable(id, path): return "secret \(id): cannot read \(path)"
        case .sshMountUnsupported: return "RUN --mount=type=ssh is not supported: kolla-oci forwards no SSH agent"
        case let .cacheMount(dir, error): return "cache mount \(dir): \(error)"
        case let .ownerOutsideRange(path, uid, gid, ids):
            return "\(path): owner \(uid):\(gid) is outside the id range RUN maps (\(ids) ids)"
        case .system(let error): return error.description
        }
    }
}
