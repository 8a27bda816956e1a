import Foundation

/// An unprivileged user made for one test and removed after it, with its lines in
/// /etc/subuid and /etc/subgid (when asked for) taken out again, so that a test run
/// leaves no user and no subordinate-id line on the host. Needs root.
package struct TestUser: Sendable {
    /// The user's name.
    package let name: String
    /// The subordinate-id line this test added, if any.
    package let subordinateLine: String?

    /// Creates the user (its home under a temporary directory is not made) and, when
    /// `subordinateIDs` is given, adds `name:start:count` to /etc/subuid and /etc/subgid.
    package static func create(_ name: String, subordinateIDs: (start: Int, count: Int)? = nil) throws -> TestUser {
        // A user left behind by a killed earlier run is removed first.
        if (try? runTool("/usr/bin/id", [name]))?.status == 0 { TestUser(name: name, subordinateLine: nil).remove() }
        let add = try runTool("/usr/sbin/useradd", ["--no-create-home", "--shell", "/bin/sh", name])
        guard add.status == 0 else { throw TestUserError("useradd \(name): \(add.stderr)") }
        // useradd may allocate subordinate ids itself (SUB_UID_COUNT): only the asked-for ones stay.
        let line = subordinateIDs.map { "\(name):\($0.start):\($0.count)" }
        for file in ["/etc/subuid", "/etc/subgid"] {
            try Self.edit(file) { $0.filter { !$0.hasPrefix(name + ":") } + (line.map { [$0] } ?? []) }
        }
        return TestUser(name: name, subordinateLine: line)
    }

    /// Removes the user and every subordinate-id line naming it.
    package func remove() {
        _ = try? runTool("/usr/sbin/userdel", [name])
        for file in ["/etc/subuid", "/etc/subgid"] {
            try? Self.edit(file) { $0.filter { !$0.hasPrefix(name + ":") } }
        }
    }

    /// Adds root's own range (`root:start:count`) to /etc/subuid and /etc/subgid, as the
    /// simulation of a rootless-podman container needs (`unshare --map-users` maps through
    /// newuidmap); the returned closure takes it out again.
    package static func addRootRange(start: Int, count: Int) throws -> @Sendable () -> Void {
        let line = "root:\(start):\(count)"
        for file in ["/etc/subuid", "/etc/subgid"] { try edit(file) { $0.contains(line) ? $0 : $0 + [line] } }
        return { for file in ["/etc/subuid", "/etc/subgid"] { try? edit(file) { $0.filter { $0 != line } } } }
    }

    /// Rewrites the lines of `file` in place (same inode, mode and owner).
    private static func edit(_ file: String, _ change: ([String]) -> [String]) throws {
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").map(String.init)
        let updated = change(lines)
        guard updated != lines else { return }
        let out = updated.isEmpty ? "" : updated.joined(separator: "\n") + "\n"
        guard let handle = FileHandle(forUpdatingAtPath: file) ?? {
            _ = FileManager.default.createFile(atPath: file, contents: nil, attributes: [.posixPermissions: 0o644])
            return FileHandle(forUpdatingAtPath: file)
        }() else { throw TestUserError("cannot open \(file)") }
        defer { try? handle.close() }
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(out.utf8))
    }
}

/// A test fixture could not be set up.
package struct TestUserError: Error, CustomStringConvertible {
    package let description: String
    package init(_ d: String) { description = d }
}
