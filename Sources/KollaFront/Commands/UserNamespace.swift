import Foundation
import OCIBuild

/// Choosing the isolation rung once per process, and entering the build's own user
/// namespace when not root (as `buildah unshare` does).
enum UserNamespace {
    /// `--isolation` (or the `isolation` config key) as a request; nil means auto.
    static func request(_ text: String?) throws -> IsolationRequest {
        guard let text else { return .auto }
        guard let r = IsolationRequest(rawValue: text) else {
            throw UsageError("--isolation must be auto, userns or chroot, not '\(text)'")
        }
        return r
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var chosen: [IsolationRequest: SandboxPlan] = [:]

    /// The rung this process uses (probed once), logged at debug level by callers.
    static func plan(_ request: IsolationRequest) throws -> SandboxPlan {
        lock.lock()
        defer { lock.unlock() }
        if let p = chosen[request] { return p }
        let p = try SandboxPlan.detect(request)
        chosen[request] = p
        return p
    }

    /// For a non-root caller, re-executes this command inside a user namespace and returns
    /// its exit status; nil when the current process should do the work itself.
    static func enterIfNeeded(root: String?, isolation: IsolationRequest) throws -> Int32? {
        guard ProcessIdentity.userID != 0 else { return nil }
        let plan = try plan(isolation)
        switch plan.mapping {
        case .single, .subordinate:
            // The child is uid 0 in its namespace: pass the store location explicitly.
            ProcessIdentity.setEnvironment("KOLLA_OCI_ROOT", storeRoot(root))
            let exe = ProcessIdentity.executablePath
            return try SandboxLauncher.reexecInUserNamespace(
                executable: exe, programName: CommandLine.arguments.first, arguments: Array(CommandLine.arguments.dropFirst()),
                mapping: plan.mapping, rung: plan.rung)
        case .none, .inherited, .range:
            return nil
        }
    }

    static func storeRoot(_ root: String?) -> String {
        root ?? StoreLocation.defaultRoot(environment: ProcessInfo.processInfo.environment)
    }
}
