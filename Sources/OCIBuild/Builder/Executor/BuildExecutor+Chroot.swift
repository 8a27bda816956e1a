import Foundation
import OCILayers
import OCISandbox
import OCIStore
import OCISystem
import OCIValues

/// A stage's root file system materialised in a plain directory, for the chroot rung:
/// the stage's layers applied in order (whiteouts deleting), updated in place by RUN.
final class MaterializedRoot: @unchecked Sendable {
    /// The scratch directory holding it (`rootfs/` inside).
    let scratch: String
    /// How many of the stage's layers are applied.
    var applied: Int = 0

    var path: String { scratch + "/rootfs" }

    init(scratch: String) { self.scratch = scratch }

    /// Removes the root (its scratch directory is registered for SIGINT/SIGTERM cleanup
    /// until then).
    func remove() { ScratchRegistry.remove(scratch) }
}

/// RUN in the chroot rung (no mount privilege, no user namespaces: a Docker-default CI
/// container): the command runs chroot'ed into the stage's materialised root, and its
/// changes are found by comparing a snapshot of the tree before with the tree after.
/// What a mount would give elsewhere is emulated and undone around the command: device
/// nodes in /dev (with CAP_MKNOD), the host's resolv.conf and hosts over the image's
/// regular files. /proc and /sys cannot be given without mounting and stay empty.
extension BuildExecutor {
    /// Top-level directories whose contents never count as changes (mount points elsewhere).
    static let chrootSkipped: Set<String> = ["proc", "sys", "dev"]

    /// The stage's root, with every layer of `state` applied.
    func materializedRoot(_ state: inout StageState) throws -> MaterializedRoot {
        let root: MaterializedRoot
        if let r = state.materialized {
            root = r
        } else {
            root = MaterializedRoot(scratch: try scratchDirectory())
            try FileSystem.createDirectory(root.path)
            state.materialized = root
        }
        var options = UnpackOptions()
        options.whiteouts = .apply
        // The blobs are read while gc may run: the build's lease keeps them.
        try state.lease?.pin(blobs: state.layers.map(\.digest))
        while root.applied < state.layers.count {
            let layer = state.layers[root.applied]
            options.expectedDigest = layer.digest
            _ = try PhaseClock.process.measure(.unpack) {
                try Unpacker(options: options).unpack(layerPath: store.blobPath(layer.digest), into: root.path)
            }
            root.applied += 1
        }
        return root
    }

    /// Runs `argv` chroot'ed into the stage's root and commits what it changed as a layer.
    func runChrootStep(
        argv: [String], environment: [String: String], _ state: inout StageState, request: BuildRequest,
        network: RunSpec.NetworkMode
    ) throws -> (status: Int32, changes: [LayerChange]?, root: MaterializedRoot) {
        let root = try materializedRoot(&state)
        let containerConfig = state.config.config ?? ContainerConfig()
        var spec = try chrootSpec(
            root, argv: argv, environment: environment, user: containerConfig.user ?? "",
            workdir: containerConfig.workingDir ?? "")
        spec.network = network
        // The root's changes are diffed into a blob or discarded: no fsync needed.
        spec.skipSync = true
        let snapshot = try PhaseClock.process.measure(.diff) { try TreeSnapshot(of: root.path, skipping: Self.chrootSkipped) }
        let emulated = try EmulatedMounts(root: root.path, resolvConf: spec.resolvConf, hosts: spec.hosts)
        let status: Int32
        do {
            status = try withLogPipe(request.log) { fd in try SandboxLauncher.run(spec, stdout: fd, stderr: fd) }
        } catch {
            try? emulated.undo()
            throw error
        }
        // A file not restored would put the host's resolv.conf or hosts into the layer.
        try emulated.undo()
        guard status == 0 else { return (status, nil, root) }
        let changes = try PhaseClock.process.measure(.diff) {
            try snapshot.changes(in: root.path, ignoring: emulated.ignoredPaths)
        }
        return (status, changes, root)
    }

    /// The spec for a command in a materialised root: user from the image, working directory
    /// created when missing (confined to the root), chroot isolation.
    func chrootSpec(_ root: MaterializedRoot, argv: [String], environment: [String: String], user: String, workdir: String) throws -> RunSpec {
        let view = RootfsView(layers: [root.path], opaqueXattr: "")
        let identity = try view.user(user.isEmpty ? "root" : user)
        var environment = environment
        if environment["PATH"] == nil { environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" }
        if environment["HOME"] == nil { environment["HOME"] = identity.home }
        let resolvedWorkdir = try view.resolve(workdir.isEmpty ? "/" : workdir)
        if !resolvedWorkdir.isEmpty, view.lookup(resolvedWorkdir) == nil {
            _ = try ConfinedDirectory(path: root.path).directory(resolvedWorkdir, create: true)
        }
        var spec = RunSpec(
            rootfs: root.path, argv: argv, environment: environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" },
            mapping: mapping)
        spec.isolation = .chroot
        spec.workingDirectory = "/" + resolvedWorkdir
        spec.uid = identity.uid
        spec.gid = identity.gid
        spec.supplementaryGroups = identity.groups
        return spec
    }
}

/// What the chroot rung puts into a root around one command, and takes out after it:
/// device nodes created in /dev, and the host's resolv.conf and hosts written over the
/// image's regular files (their content, mode and times restored afterwards).
struct EmulatedMounts {
    let root: String
    private var createdNodes: [String] = []
    private var devBefore: Set<String> = []
    private var saved: [(path: String, content: [UInt8], info: FileInfo)] = []

    /// Paths whose changes are the sandbox's, not the command's.
    var ignoredPaths: Set<String> { BuildExecutor.boundFiles }

    private static let nodes: [(String, UInt32, UInt32)] = [
        ("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0),
    ]

    init(root: String, resolvConf: String?, hosts: String?) throws {
        self.root = root
        let dev = root + "/dev"
        if (try? FileSystem.status(dev))??.kind == .directory {
            devBefore = Set((try? FileSystem.directoryEntries(dev)) ?? [])
            let confined = try ConfinedDirectory(path: dev)
            let top = try confined.directory("", create: false)
            for (name, major, minor) in Self.nodes where !devBefore.contains(name) {
                // Without CAP_MKNOD the node is simply absent, as /proc is.
                if (try? confined.makeNode(name, in: top, kind: .characterDevice, permissions: 0o666, major: major, minor: minor)) != nil {
                    try FileSystem.setMode(dev + "/" + name, 0o666)
                    createdNodes.append(dev + "/" + name)
                } else if name == "null", let fd = try? confined.createFile(name, in: top, mode: 0o666) {
                    // No device nodes here (a user namespace): an empty file everyone may
                    // write stands in for /dev/null, since so many scripts redirect to it.
                    try fd.setMode(0o666)
                    createdNodes.append(dev + "/" + name)
                }
            }
        }
        for (host, rel) in [(resolvConf, "etc/resolv.conf"), (hosts, "etc/hosts")] {
            guard let host, let info = try FileSystem.status(root + "/" + rel), info.kind == .regular,
                let content = try? FileDescriptor(path: root + "/" + rel, flags: O_RDONLY | O_NOFOLLOW).readAll(),
                let hostContent = FileManager.default.contents(atPath: host)
            else { continue }
            saved.append((root + "/" + rel, content, info))
            let fd = try FileDescriptor(path: root + "/" + rel, flags: O_WRONLY | O_TRUNC | O_NOFOLLOW)
            try fd.write(Array(hostContent))
        }
    }

    /// Removes what was added to /dev (also what the command created there) and restores
    /// the saved files; a file that cannot be restored is an error (its content would be
    /// the host's).
    func undo() throws {
        let dev = root + "/dev"
        for name in (try? FileSystem.directoryEntries(dev)) ?? [] where !devBefore.contains(name) {
            try? FileSystem.removeTree(dev + "/" + name)
        }
        for s in saved {
            // Removed by the command: nothing of the host's is left to take out (and the
            // path is not part of the layer either way).
            guard try FileSystem.status(s.path) != nil else { continue }
            let fd = try FileDescriptor(path: s.path, flags: O_WRONLY | O_TRUNC | O_NOFOLLOW)
            try fd.write(s.content)
            try fd.setMode(s.info.permissions)
            try fd.setTimes(seconds: s.info.mtimeSeconds, nanoseconds: s.info.mtimeNanoseconds)
        }
    }
}
