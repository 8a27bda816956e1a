// Where blobs were seen on registries, kept in the store so a later push — another
// process, another day — can mount a blob from a repository of the same registry instead
// of uploading it (containers/image's blob-info cache, in small). The file lives in the
// store's own `ingest/` directory, which layout readers ignore:
//
//     ingest/blob-locations.json   {"sha256:…": ["127.0.0.1:5000/kolla/base", …], …}
//
// It is a hint only: a stale entry costs one mount request that the registry answers
// with an ordinary upload session (202), which the push then uses. Updates are merged
// under an exclusive lock and the file is replaced atomically; it is bounded in size.

import Foundation
import OCIStore
import OCISystem
import OCIValues


/// The store's record of blob locations on registries.
enum BlobLocations {
    /// Repositories kept per digest (most recent first).
    static let perDigest = 4
    /// Digests kept in the file; the oldest entries beyond it are dropped.
    static let maxDigests = 20_000

    /// The file's path in `store`.
    static func path(_ store: ImageStore) -> String { "\(store.ingestDirectory)/blob-locations.json" }

    /// The file's content; empty when missing or unreadable (it is only a hint).
    static func load(_ store: ImageStore) -> [Digest: [String]] {
        guard let data = FileManager.default.contents(atPath: path(store)),
              let raw = try? JSONDecoder().decode([String: [String]].self, from: data) else { return [:] }
        var result: [Digest: [String]] = [:]
        for (key, names) in raw {
            if let digest = try? Digest(key) { result[digest] = names }
        }
        return result
    }

    /// Merges `updates` (their lists first) into the file, under its lock. Failures are
    /// ignored: losing a hint only costs an upload later.
    static func merge(_ updates: [Digest: [String]], into store: ImageStore) {
        guard !updates.isEmpty else { return }
        do {
            let lock = try FileDescriptor(path: "\(store.ingestDirectory)/blob-locations.lock",
                                          flags: O_RDWR | O_CREAT, mode: 0o644)
            try lock.lock(exclusive: true)
            var all = load(store)
            for (digest, names) in updates {
                var list = names
                for name in all[digest] ?? [] where !list.contains(name) { list.append(name) }
                all[digest] = Array(list.prefix(perDigest))
            }
            if all.count > maxDigests {
                // No age is recorded; keep the digests just updated and an arbitrary rest.
                let keep = Set(updates.keys)
                let others = all.keys.filter { !keep.contains($0) }.sorted()
                for digest in others.prefix(all.count - maxDigests) { all[digest] = nil }
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(Dictionary(uniqueKeysWithValues: all.map { ($0.key.description, $0.value) }))
            // `tmp-<owner token>-` names are what `gc` clears after a killed writer.
            try StoreOwner.claim(storeRoot: store.root)
            let temporary = "\(store.ingestDirectory)/tmp-\(StoreOwner.token)-blob-locations"
            let file = try FileDescriptor(path: temporary, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
            try file.write(Array(data))
            try FileSystem.rename(temporary, to: path(store))
            withExtendedLifetime(lock) {}
        } catch {
            return
        }
    }
}
