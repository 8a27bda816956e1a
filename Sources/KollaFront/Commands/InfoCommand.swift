import Foundation
import OCIBuild

/// `kolla-oci info [--isolation auto|userns|chroot] [--root DIR]`: where this process
/// stands on the isolation ladder and why, the store, and the id ranges RUN maps — what
/// to look at first when RUN fails in a CI container.
struct InfoCommand {
    static let usage = """
        usage: kolla-oci info [--isolation auto|userns|chroot] [--root DIR]
        """

    let arguments: [String]

    func run() throws -> Int32 {
        let args = try ArgumentScanner(arguments, flags: [.init("--isolation"), .init("--root")])
        guard args.positionals.isEmpty else { throw UsageError("info takes no arguments") }
        let request = try UserNamespace.request(args.value("--isolation"))
        print("kolla-oci \(KollaOCI.version)")
        print("uid: \(ProcessIdentity.userID), user namespace: \(SandboxPlan.inInitialUserNamespace ? "the host's" : "nested")")
        do {
            let plan = try UserNamespace.plan(request)
            print("isolation: \(plan.rung.rawValue)")
            print("why: \(plan.reason)")
            print(plan.isolation == .chroot
                ? "sandbox: chroot into a materialised root; Docker's default capabilities without CAP_SYS_CHROOT; no_new_privs; seccomp (also refusing chroot, ptrace and signals to kolla-oci); no pid, mount or network namespace"
                : "sandbox: user/mount/pid/uts/ipc namespaces, pivot_root, masked /proc, read-only /sys; Docker's default capabilities; no_new_privs; seccomp")
            switch plan.mapping {
            case .range(let us, let uc, let gs, let gc):
                print("RUN ids: container 0-\(uc - 1) = host uids \(us)-\(us + uc - 1), gids \(gs)-\(gs + gc - 1)")
            case .subordinate(let uid, _, let us, let uc, _, _):
                print("RUN ids: container 0 = host uid \(uid), 1-\(uc) = host uids \(us)-\(us + uc - 1)")
            case .single(let uid, _):
                print("RUN ids: container 0 = host uid \(uid) only (no subordinate ids: chown to other ids fails)")
            case .inherited:
                print("RUN ids: those of the user namespace this process runs in")
            case .none:
                print("RUN ids: the host's")
            }
        } catch {
            print("isolation: none possible")
            print("why: \(error)")
            return 1
        }
        print("store: \(UserNamespace.storeRoot(args.value("--root")))")
        return 0
    }
}
