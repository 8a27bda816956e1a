import Foundation
import TestSupport
import Testing

/// `kolla-oci build --profile ci` (base → openstack-base → keystone-base → keystone, apt
/// installs from Debian's archive) in the rungs of the isolation ladder that root can
/// simulate here (the rootless-with-subordinate-ids rung is KollaBuildTests'):
///
/// * root-userns — plain root: RUN in root's own id range;
/// * userns-container — root of a user namespace with a range, as in a rootless-podman
///   container: `unshare --user --map-root-user --map-users=… --mount`;
/// * rootless-single-id — an unprivileged user without subordinate ids (made here, removed
///   after): owners recorded by the chown supervisor;
/// * chroot — that namespace with user namespaces switched off inside it
///   (`max_user_namespaces` 0) and the capabilities cut to Docker's default set with capsh,
///   as in a Docker-default CI container.
///
/// Each rung is checked with `kolla-oci info`, and the chroot rung's images must hold the
/// same files, layer by layer, as the root-userns rung's.
@Suite(.serialized) struct IsolationRungTests {
    static var reason: String? {
        if getuid() != 0 { return "needs root to simulate CI containers (unshare, capsh)" }
        for tool in ["/usr/bin/unshare", "/usr/sbin/capsh", "/usr/bin/bsdtar"] where !FileManager.default.isExecutableFile(atPath: tool) {
            return "needs \(tool) (tools/setup)"
        }
        return DebianBase.unavailableReason
    }

    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Every capability outside Docker's default set, for `capsh --drop`.
    static let nonDefaultCapabilities = [
        "cap_dac_read_search", "cap_linux_immutable", "cap_net_broadcast", "cap_net_admin", "cap_ipc_lock", "cap_ipc_owner",
        "cap_sys_module", "cap_sys_rawio", "cap_sys_ptrace", "cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice",
        "cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_lease", "cap_audit_control", "cap_mac_override",
        "cap_mac_admin", "cap_syslog", "cap_wake_alarm", "cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf",
        "cap_checkpoint_restore",
    ].joined(separator: ",")

    static let singleUser = "kolla-oci-single"

    enum Rung: String, CaseIterable {
        case rootUserNamespace = "root-userns"
        case userNamespaceContainer = "userns-container"
        case singleID = "rootless-single-id"
        case chroot

        /// The command line that runs `command` (a shell command) as this rung's CI container would.
        func wrap(_ command: String) -> [String] {
            let unshare = ["/usr/bin/unshare", "--user", "--map-root-user", "--map-users=500000,1,65536",
                           "--map-groups=500000,1,65536", "--mount", "--fork"]
            switch self {
            case .rootUserNamespace: return ["/bin/sh", "-c", command]
            case .singleID: return ["/usr/sbin/runuser", "-u", IsolationRungTests.singleUser, "--", "/bin/sh", "-c", command]
            case .userNamespaceContainer: return unshare + ["/bin/sh", "-c", command]
            case .chroot:
                let inner = "echo 0 > /proc/sys/user/max_user_namespaces && exec /usr/sbin/capsh --drop=\(IsolationRungTests.nonDefaultCapabilities) -- -c \"$0\""
                return unshare + ["/bin/sh", "-c", inner, command]
            }
        }
    }

    func shell(_ rung: Rung, _ command: String, in dir: String) throws -> ToolRun {
        let argv = rung.wrap(command)
        return try runTool(argv[0], Array(argv.dropFirst()), environment: ["HOME": dir], directory: dir)
    }

    @Test(.enabled(if: reason == nil, "\(reason ?? "")"))
    func ciProfileInEachRung() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-rungs")
        defer { _ = try? runTool("/bin/rm", ["-rf", dir.path]) }
        // The rootless-podman simulation maps through newuidmap: root needs a range, taken out after.
        let removeRange = try TestUser.addRootRange(start: 500000, count: 65536)
        defer { removeRange() }
        chmod(dir.path, 0o755)
        _ = try runTool("/bin/mkdir", ["-p", dir.path + "/tree/data"])
        _ = try runTool("/bin/cp", ["-a", Self.repoRoot + "/docker", dir.path + "/tree/"])
        _ = try runTool("/bin/sh", ["-c", "cp -a \(Self.repoRoot)/etc/kolla/data/. \(dir.path)/tree/data/"])
        try FileManager.default.copyItem(atPath: try DebianBase.tarball(), toPath: dir.path + "/base.tar")
        let bin = kollaOCIBinary()
        // The user without subordinate ids, and the directory its store and work dir live in.
        let single = try TestUser.create(Self.singleUser)
        defer { single.remove() }
        try FileManager.default.createDirectory(atPath: dir.path + "/single", withIntermediateDirectories: true)
        _ = try runTool("/bin/chown", [Self.singleUser, dir.path + "/single"])

        var files: [Rung: [String: [[String]]]] = [:]
        for rung in Rung.allCases {
            let own = rung == .singleID ? dir.path + "/single" : dir.path
            let store = "\(own)/store-\(rung.rawValue)"
            let info = try shell(rung, "KOLLA_OCI_ROOT=\(store) \(bin) info", in: dir.path)
            #expect(info.stdout.contains("isolation: \(rung.rawValue)\n"), "\(rung): \(info.stdout) \(info.stderr)")
            let imported = try shell(rung, "KOLLA_OCI_ROOT=\(store) \(bin) import base.tar debian:bookworm", in: dir.path)
            try #require(imported.status == 0, "\(rung): \(imported.stderr)")
            let build = try shell(
                rung,
                "KOLLA_OCI_ROOT=\(store) \(bin) build --data-dir \(dir.path)/tree --profile ci --threads 2 --tag ci-rungs --work-dir \(own)/w-\(rung.rawValue)",
                in: dir.path)
            let expected = #"{"built": [{"name": "base"}, {"name": "keystone"}, {"name": "keystone-base"}, {"name": "openstack-base"}], "failed": []"#
            try #require(build.status == 0, "\(rung): \(build.stderr.suffix(3000))")
            #expect(build.stdout.hasPrefix(expected), "\(rung): \(build.stdout)")
            // The keystone image works: its own binary answers.
            let version = try shell(rung, "KOLLA_OCI_ROOT=\(store) \(bin) run --rm kolla/keystone:ci-rungs keystone-manage --version", in: dir.path)
            #expect(version.status == 0 && !version.stdout.isEmpty, "\(rung): \(version.stdout) \(version.stderr)")
            files[rung] = try layerFiles(store: store)
        }
        // The chroot rung finds the same changes by walking as the overlay rungs record.
        for image in ["base", "openstack-base", "keystone-base", "keystone"] {
            let overlay = files[.rootUserNamespace]?[image] ?? []
            let walked = files[.chroot]?[image] ?? []
            #expect(overlay.count == walked.count, "\(image): \(overlay.count) vs \(walked.count) layers")
            for (i, (a, b)) in zip(overlay, walked).enumerated() where a != b {
                let onlyOverlay = Set(a).subtracting(b).sorted().prefix(20)
                let onlyWalked = Set(b).subtracting(a).sorted().prefix(20)
                Issue.record("\(image) layer \(i): only in the overlay rung's \(Array(onlyOverlay)), only in the chroot rung's \(Array(onlyWalked))")
            }
            for rung in [Rung.userNamespaceContainer, .singleID] where files[rung]?[image] != overlay {
                Issue.record("\(image): the \(rung.rawValue) rung's layers differ from the root-userns rung's")
            }
        }
    }

    /// Member names of every layer of each image of the ci profile, in layer order.
    func layerFiles(store: String) throws -> [String: [[String]]] {
        var result: [String: [[String]]] = [:]
        for image in ["base", "openstack-base", "keystone-base", "keystone"] {
            let inspect = try runTool(kollaOCIBinary(), ["inspect", "--root", store, "kolla/\(image):ci-rungs"])
            let json = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any]
            let layers = ((json?["manifest"] as? [String: Any])?["layers"] as? [[String: Any]]) ?? []
            result[image] = try layers.map { layer in
                let digest = (layer["digest"] as? String ?? "").replacingOccurrences(of: "sha256:", with: "")
                return try runTool("/usr/bin/bsdtar", ["-tf", store + "/blobs/sha256/" + digest]).stdout
                    .split(separator: "\n").map(String.init).sorted()
            }
        }
        return result
    }
}
