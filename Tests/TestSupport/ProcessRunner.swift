// Running other programs from tests (skopeo, umoci, podman, the built kolla-oci binary)
// and finding them on PATH, so that a test can say why it cannot run instead of passing.

import Foundation

/// The outcome of a finished process.
package struct ProcessResult: Sendable {
    /// Exit status (or 128 + signal number when killed).
    package var status: Int32
    /// Everything written to standard output.
    package var stdout: String
    /// Everything written to standard error.
    package var stderr: String
}

/// The absolute path of `tool` on `PATH`, nil when absent.
package func findExecutable(_ tool: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = "\(directory)/\(tool)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// Runs `executable` (a path, or a name looked up on PATH) with `arguments`, waits, and
/// returns its status and output. Output goes through temporary files, so a chatty
/// child never blocks on a full pipe.
package func runProcess(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                        currentDirectory: String? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable
                                : (findExecutable(executable) ?? executable))
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    let directory = try TemporaryDirectory(prefix: "kolla-oci-process")
    defer { try? directory.remove() }
    let outURL = directory.appending("stdout")
    let errURL = directory.appending("stderr")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try out.close()
    try err.close()
    let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus
        : process.terminationStatus
    return ProcessResult(status: status,
                         stdout: String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self),
                         stderr: String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self))
}

/// The `kolla-oci` executable built next to the running test bundle
/// (`.build/<config>/kolla-oci`), nil when it has not been built.
package func builtKollaOCI() -> String? {
    var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("kolla-oci").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    let fromSource = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/kolla-oci").path
    return FileManager.default.isExecutableFile(atPath: fromSource) ? fromSource : nil
}
