// Copying images out of the store: into another OCI layout directory, or into a single
// OCI archive (a tar of a layout, what `podman load` and `skopeo copy oci-archive:` read).
// Blobs are copied through the target's ingest (verified, atomic), never re-encoded.

import OCISystem
import OCIValues

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif


extension ImageStore {
    /// Every descriptor `descriptor` reaches (itself first), each verified present with
    /// the right size; throws on the first broken reference.
    package func closure(of descriptor: Descriptor, name: String) throws(StoreError) -> [Descriptor] {
        var all: [Descriptor] = []
        var seen = Set<Digest>()
        var problems: [String] = []
        walk(descriptor, context: "image \(name)", problems: &problems) { item in
            if seen.insert(item.digest).inserted { all.append(item) }
        }
        if let first = problems.first { throw .invalidLayout(path: root, reason: first) }
        return all
    }

    /// Copies blob `descriptor` from this store into `target` (no-op when present there).
    package func copyBlob(_ descriptor: Descriptor, to target: ImageStore) throws(StoreError) {
        if target.hasBlob(descriptor.digest) { return }
        let ingest = try target.startIngest()
        try storeCall { () throws(NativeError) in
            let source = try FileDescriptor(path: blobPath(descriptor.digest), flags: O_RDONLY)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
            defer { buffer.deallocate() }
            while true {
                let n = try source.read(into: buffer)
                if n == 0 { break }
                try ingest.file.write(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
            }
        }
        try target.commit(ingest, expected: descriptor.digest, expectedSize: descriptor.size)
    }

    /// Copies image `descriptor` with everything it references into the layout `target`
    /// and names it `name` there.
    package func copyImage(_ descriptor: Descriptor, name: String, to target: ImageStore) throws {
        let blobs = try closure(of: descriptor, name: name)
        try target.withWriteLease {
            // Children before parents, so a reader never sees a manifest without its blobs.
            for blob in blobs.reversed() { try copyBlob(blob, to: target) }
            var entry = descriptor
            entry.annotations = nil
            try target.tag(name, entry)
        }
    }

    /// Writes image `descriptor` as an OCI archive at `path`: a tar of an OCI layout holding
    /// only this image, named `name`. Written to a temporary file beside `path` and renamed.
    package func exportArchive(_ descriptor: Descriptor, name: String, to path: String) throws(StoreError) {
        let blobs = try closure(of: descriptor, name: name)
        var entry = descriptor
        entry.annotations = nil
        entry.refName = name
        let indexBytes: [UInt8]
        do throws(OCIError) { indexBytes = try CanonicalJSON.encode(Index(manifests: [entry])) } catch {
            throw .invalidDocument(path: path, error)
        }
        var generator = SystemRandomNumberGenerator()
        let temporary = "\(path).tmp-\(ProcessIdentity.processID)-\(String(generator.next(), radix: 16))"
        do throws(NativeError) {
            let output = try FileDescriptor(path: temporary, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o644)
            let tar = try LayerArchiveWriter(output: output, options: CompressionOptions(.none))
            func file(_ name: String, _ bytes: [UInt8]) throws(NativeError) {
                try tar.append(TarEntry(path: name, kind: .regular, permissions: 0o644, size: Int64(bytes.count)))
                try tar.writeData(bytes)
            }
            try file("oci-layout", Self.layoutFileContent)
            try file("index.json", indexBytes)
            try tar.append(TarEntry(path: "blobs/", kind: .directory, permissions: 0o755))
            try tar.append(TarEntry(path: "blobs/sha256/", kind: .directory, permissions: 0o755))
            for blob in blobs.sorted(by: { $0.digest < $1.digest }) {
                try tar.append(TarEntry(path: "blobs/sha256/\(blob.digest.encoded)", kind: .regular,
                                        permissions: 0o644, size: blob.size))
                let source = try FileDescriptor(path: blobPath(blob.digest), flags: O_RDONLY)
                try tar.writeData(from: source, expectedSize: blob.size)
            }
            _ = try tar.finish()
            try output.sync()
            try FileSystem.rename(temporary, to: path)
        } catch {
            try? FileSystem.removeFile(temporary)
            throw .native(error)
        }
    }
}
