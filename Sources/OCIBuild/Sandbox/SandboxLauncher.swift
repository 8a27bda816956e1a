import CKollaSandbox
import Foundation
import OCISystem

/// Runs a `RunSpec` through the C child path (`ko_sandbox_run`): the calling thread
/// blocks until the command exits; output goes to the given descriptors.
package enum SandboxLauncher {
    /// Runs the command and returns its exit status (128+N for signal N).
    package static func run(_ spec: RunSpec, stdout: Int32, stderr: Int32, stdin: Int32 = -1) throws -> Int32 {
        if spec.isolation == .chroot {
            // Each of these needs a mount or a namespace; never silently run without it.
            if spec.network == .none { throw SandboxError("RUN sandbox: --network none needs a network namespace, which the chroot isolation rung cannot make") }
            if !spec.binds.isEmpty || !spec.tmpfs.isEmpty { throw SandboxError("RUN sandbox: mounts (-v, RUN --mount) need mount privilege, which the chroot isolation rung lacks") }
        }
        var strings: [UnsafeMutablePointer<CChar>] = []
        defer { strings.forEach { free($0) } }
        func c(_ s: String?) -> UnsafePointer<CChar>? {
            guard let s else { return nil }
            let p = strdup(s)!
            strings.append(p)
            return UnsafePointer(p)
        }
        func array(_ xs: [String]) -> [UnsafePointer<CChar>?] { xs.map { c($0) } + [nil] }
        var argv = array(spec.argv)
        var envp = array(spec.environment)
        var groups = spec.supplementaryGroups.map { gid_t($0) }
        let bindSources = spec.binds.map { c($0.source) }
        let bindTargets = spec.binds.map { c(String($0.target.drop { $0 == "/" })) }
        let bindReadOnly = spec.binds.map { Int32($0.readOnly ? 1 : 0) }
        let tmpfsTargets = spec.tmpfs.map { c(String($0.drop { $0 == "/" })) }
        var status: Int32 = 0
        var err = [CChar](repeating: 0, count: 1024)
        let rc: Int32 = withPointers(bindSources, bindTargets, bindReadOnly, tmpfsTargets) {
            bindSourcesPointer, bindTargetsPointer, bindReadOnlyPointer, tmpfsPointer in
          argv.withUnsafeMutableBufferPointer { argvBuf in
            envp.withUnsafeMutableBufferPointer { envBuf in
                groups.withUnsafeMutableBufferPointer { groupBuf in
                    var s = ko_sandbox_spec()
                    s.rootfs = c(spec.rootfs)
                    s.argv = UnsafePointer(argvBuf.baseAddress)
                    s.envp = UnsafePointer(envBuf.baseAddress)
                    s.cwd = c(spec.workingDirectory)
                    s.uid = spec.uid
                    s.gid = spec.gid
                    s.groups = UnsafePointer(groupBuf.baseAddress)
                    s.ngroups = groupBuf.count
                    s.hostname = c(spec.hostname)
                    switch spec.mapping {
                    case .none: s.idmap_mode = Int32(KO_IDMAP_NONE.rawValue)
                    case .inherited: s.idmap_mode = Int32(KO_IDMAP_INHERITED.rawValue)
                    case .single(let uid, let gid):
                        s.idmap_mode = Int32(KO_IDMAP_SINGLE.rawValue)
                        s.host_uid = uid
                        s.host_gid = gid
                    case .range(let us, let uc, let gs, let gc):
                        s.idmap_mode = Int32(KO_IDMAP_RANGE.rawValue)
                        s.subuid_start = us
                        s.subuid_count = uc
                        s.subgid_start = gs
                        s.subgid_count = gc
                    case .subordinate(let uid, let gid, let us, let uc, let gs, let gc):
                        s.idmap_mode = Int32(KO_IDMAP_SUBID.rawValue)
                        s.host_uid = uid
                        s.host_gid = gid
                        s.subuid_start = UInt(us)
                        s.subuid_count = UInt(uc)
                        s.subgid_start = UInt(gs)
                        s.subgid_count = UInt(gc)
                        s.newuidmap = c(IDMapping.helper("newuidmap") ?? "/usr/bin/newuidmap")
                        s.newgidmap = c(IDMapping.helper("newgidmap") ?? "/usr/bin/newgidmap")
                    }
                    if let o = spec.overlay {
                        s.overlay_lower = c(o.lower.joined(separator: ":"))
                        s.overlay_upper = c(o.upper)
                        s.overlay_work = c(o.work)
                        s.overlay_lower_base = c(o.lowerBase)
                        s.overlay_userxattr = spec.mapping.overlayUsesUserXattr ? 1 : 0
                    }
                    s.resolv_conf = c(spec.resolvConf)
                    s.hosts = c(spec.hosts)
                    s.nbinds = spec.binds.count
                    s.bind_sources = bindSourcesPointer
                    s.bind_targets = bindTargetsPointer
                    s.bind_readonly = bindReadOnlyPointer
                    s.ntmpfs = spec.tmpfs.count
                    s.tmpfs_targets = tmpfsPointer
                    s.network_none = spec.network == .none ? 1 : 0
                    s.terminal = spec.terminal ? 1 : 0
                    s.allow_new_privs = spec.allowNewPrivileges ? 1 : 0
                    s.record_owners = spec.recordOwners ? 1 : 0
                    s.skip_sync = spec.skipSync ? 1 : 0
                    s.isolation = Int32(spec.isolation == .chroot ? KO_ISOLATION_CHROOT.rawValue : KO_ISOLATION_NAMESPACES.rawValue)
                    s.protect_pid = getpid()
                    s.protect_pgid = getpgrp()
                    s.stdin_fd = stdin
                    s.stdout_fd = stdout
                    s.stderr_fd = stderr
                    return ko_sandbox_run(&s, &status, &err, err.count)
                }
            }
        }
        }
        if rc != 0 { throw SandboxError("RUN sandbox: " + cText(err)) }
        return status
    }

    /// Re-executes `arguments` of this program inside a new user namespace (see
    /// `ko_userns_reexec`) and returns its exit status. From then on this process only
    /// waits: the child owns the scratch, so SIGINT/SIGTERM are passed on to it (it cleans
    /// up and exits 130/143, which this process returns).
    package static func reexecInUserNamespace(
        executable: String, programName: String? = nil, arguments: [String], mapping: IDMapping, rung: SandboxPlan.Rung
    ) throws -> Int32 {
        var env = ProcessInfo.processInfo.environment
        env[IDMapping.namespaceMarker] = rung.rawValue
        var strings: [UnsafeMutablePointer<CChar>] = []
        defer { strings.forEach { free($0) } }
        func c(_ s: String) -> UnsafePointer<CChar>? {
            let p = strdup(s)!
            strings.append(p)
            return UnsafePointer(p)
        }
        var argv = ([programName ?? executable] + arguments).map { c($0) } + [nil]
        var envp = env.map { c("\($0.key)=\($0.value)") } + [nil]
        var status: Int32 = 0
        var err = [CChar](repeating: 0, count: 1024)
        let (mode, uid, gid, us, uc, gs, gc): (Int32, UInt32, UInt32, UInt, UInt, UInt, UInt)
        switch mapping {
        case .single(let u, let g): (mode, uid, gid, us, uc, gs, gc) = (Int32(KO_IDMAP_SINGLE.rawValue), u, g, 0, 0, 0, 0)
        case .subordinate(let u, let g, let a, let b, let c2, let d):
            (mode, uid, gid, us, uc, gs, gc) = (Int32(KO_IDMAP_SUBID.rawValue), u, g, a, b, c2, d)
        default: throw SandboxError("no user namespace is needed for this mapping")
        }
        let newuidmap = IDMapping.helper("newuidmap") ?? "/usr/bin/newuidmap"
        let newgidmap = IDMapping.helper("newgidmap") ?? "/usr/bin/newgidmap"
        Termination.forwardToChildren()
        let rc = argv.withUnsafeMutableBufferPointer { a in
            envp.withUnsafeMutableBufferPointer { e in
                ko_userns_reexec(
                    executable, UnsafePointer(a.baseAddress), UnsafePointer(e.baseAddress), mode, uid, gid, UInt(us), UInt(uc),
                    UInt(gs), UInt(gc), newuidmap, newgidmap, &status, &err, err.count)
            }
        }
        if rc != 0 { throw SandboxError("user namespace: " + cText(err)) }
        return status
    }
}

extension SandboxLauncher {
    /// What a privilege probe found: whether it worked, and why not.
    package struct ProbeResult: Sendable {
        package var ok: Bool
        package var why: String
    }

    /// Whether a child can make a mount namespace and mount in it.
    static func probeMount() -> ProbeResult { probe(ko_sandbox_probe_mount) }

    /// Whether a child can make a user namespace.
    static func probeUserNamespace() -> ProbeResult { probe(ko_sandbox_probe_userns) }

    private static func probe(_ call: (UnsafeMutablePointer<CChar>?, Int) -> Int32) -> ProbeResult {
        var err = [CChar](repeating: 0, count: 256)
        let ok = call(&err, err.count) == 1
        return ProbeResult(ok: ok, why: cText(err))
    }
}

/// The text of a NUL-terminated C buffer.
private func cText(_ buf: [CChar]) -> String {
    String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Runs `body` with stable base pointers of the bind-mount and tmpfs arrays.
private func withPointers<R>(
    _ a: [UnsafePointer<CChar>?], _ b: [UnsafePointer<CChar>?], _ c: [Int32], _ d: [UnsafePointer<CChar>?],
    _ body: (
        UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?,
        UnsafePointer<UnsafePointer<CChar>?>?
    ) -> R
) -> R {
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeBufferPointer { pc in
                d.withUnsafeBufferPointer { pd in body(pa.baseAddress, pb.baseAddress, pc.baseAddress, pd.baseAddress) }
            }
        }
    }
}
