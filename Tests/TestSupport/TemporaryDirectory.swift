// Scratch directories for tests: unique per call, under the system temporary directory
// ($TMPDIR or /tmp), and removable even after a test has made parts of them read-only
// (unpacked root file systems have 0555 directories and read-only files).

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A freshly created, empty directory that only its creator uses.
///
/// Create one with `TemporaryDirectory(prefix:)` and `remove()` it when done, or let
/// `withTemporaryDirectory(prefix:_:)` do both around a closure.
package struct TemporaryDirectory: Sendable {
    /// The directory's absolute file URL.
    package let url: URL

    /// The directory's absolute path.
    package var path: String { url.path }

    /// Creates a new directory named `<prefix>.XXXXXX` (random suffix, mode 0700) in the
    /// system temporary directory; `mkdtemp` guarantees no other caller gets the same one.
    package init(prefix: String = "kolla-oci-test") throws {
        let base = FileManager.default.temporaryDirectory.path
        var template = Array("\(base)/\(prefix).XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in
            mkdtemp(buffer.baseAddress!) != nil
        }
        guard created else {
            let code = errno
            throw CocoaError(.fileWriteUnknown, userInfo: [
                NSLocalizedDescriptionKey: "mkdtemp \(base): \(String(cString: strerror(code)))",
            ])
        }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        url = URL(fileURLWithPath: path, isDirectory: true)
    }

    /// The URL of `relativePath` inside the directory (nothing is created).
    package func appending(_ relativePath: String) -> URL {
        url.appendingPathComponent(relativePath)
    }

    /// Deletes the directory and everything in it. Directories inside that lack owner
    /// write or search permission are made accessible first, so read-only trees go too.
    /// Removing a directory that is already gone is not an error.
    package func remove() throws {
        let manager = FileManager.default
        guard manager.fileExists(atPath: path) else { return }
        do {
            try manager.removeItem(at: url)
        } catch {
            // Deleting an entry needs write+search on its parent: grant that to every
            // directory (never following symlinks), then try once more.
            Self.makeDirectoriesWritable(path)
            try manager.removeItem(at: url)
        }
    }

    /// Adds owner rwx to `path` and, recursively, to every real directory below it.
    private static func makeDirectoriesWritable(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { return }
        _ = chmod(path, (info.st_mode & 0o7777) | S_IRWXU)
        guard let children = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
        for child in children {
            makeDirectoriesWritable(path + "/" + child)
        }
    }
}

/// Runs `body` with a new temporary directory and removes the directory afterwards,
/// whether `body` returns or throws.
package func withTemporaryDirectory<Result>(
    prefix: String = "kolla-oci-test",
    _ body: (TemporaryDirectory) throws -> Result
) throws -> Result {
    let directory = try TemporaryDirectory(prefix: prefix)
    defer { try? directory.remove() }
    return try body(directory)
}

/// Runs the asynchronous `body` with a new temporary directory and removes the directory
/// afterwards, whether `body` returns or throws.
package func withTemporaryDirectory<Result>(
    prefix: String = "kolla-oci-test",
    _ body: (TemporaryDirectory) async throws -> Result
) async throws -> Result {
    let directory = try TemporaryDirectory(prefix: prefix)
    defer { try? directory.remove() }
    return try await body(directory)
}
