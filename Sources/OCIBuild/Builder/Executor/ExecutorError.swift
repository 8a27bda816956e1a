/// Build failures. `located` ones say `file:line: building at STEP "…": cause`.
package enum ExecutorError: Error, CustomStringConvertible {
    case step(file: String, line: Int, instruction: String, cause: String)
    case runFailed(file: String, line: Int, instruction: String, status: Int32)
    case unknownUser(String)
    case unknownGroup(String)
    case symlinkLoop(String)
    case missingImage(String)
    case noSuchStage(String)
    case source(String)
    /// A bind mount's container path that cannot be a mount point inside the image.
    case mountPoint(String, String)

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
        case .source(let m): return m
        case let .mountPoint(path, reason): return "bind mount target \(path): \(reason)"
        }
    }
}
