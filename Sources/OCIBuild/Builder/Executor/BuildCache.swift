import Foundation
import OCIValues

/// The build cache: step key → the layer that step produced. A key chains the parent
/// image (manifest digest), every instruction's text, the build args in scope and, for
/// COPY/ADD, a digest of the source content (buildah's `generateCacheKey`, BuildKit's
/// content-aware keys), so a step is reused only when everything it depends on is the
/// same. Entries live as small JSON files in `STORE/cache/`; an entry whose blob was
/// garbage-collected is simply a miss.
struct BuildCache: Sendable {
    let directory: String

    struct Entry: Codable, Sendable {
        var layer: Descriptor
        var diffID: Digest
        var createdBy: String
        /// When the step first ran: reused steps keep it, so a rebuild with every step
        /// cached yields the same config and manifest digests.
        var created: String?
    }

    /// sha256 over the parts, separated so that no two part lists collide.
    static func key(_ parts: String...) -> String {
        var bytes: [UInt8] = []
        for p in parts {
            bytes += Array(p.utf8)
            bytes.append(0)
        }
        return (try? Digest.sha256(of: bytes).encoded) ?? ""
    }

    func lookup(_ key: String) -> Entry? {
        guard let data = FileManager.default.contents(atPath: directory + "/" + key + ".json") else { return nil }
        return try? JSONDecoder().decode(Entry.self, from: data)
    }

    /// Records an entry atomically (write to a temporary name, rename).
    func record(_ key: String, _ entry: Entry) {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard let data = try? JSONEncoder().encode(entry) else { return }
        let tmp = directory + "/.\(key).\(ProcessIdentity.processID).tmp"
        if FileManager.default.createFile(atPath: tmp, contents: data) {
            try? FileSystem.rename(tmp, to: directory + "/" + key + ".json")
        }
    }
}
