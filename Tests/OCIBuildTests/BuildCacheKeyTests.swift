// The build cache key covers the settings that change a step's result without appearing
// in the Dockerfile: the layer compression and the timestamp. A rebuild with other
// settings runs the step again; the same settings reuse it.

import Foundation
import Testing
import TestSupport

@testable import OCIBuild

@Suite(.serialized) struct BuildCacheKeyTests {
    static var isRoot: Bool { getuid() == 0 }

    @Test(.enabled(if: isRoot, "needs root (a build executor claims its store as its owner)"))
    func compressionAndTimestampAreInTheKey() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-cachekey")
        defer { try? dir.remove() }
        let context = dir.path + "/ctx"
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        try "hello\n".write(toFile: context + "/file", atomically: true, encoding: .utf8)
        let executor = try BuildExecutor(store: try ImageStore(root: dir.path + "/store"), plan: .namespaces(.none))
        func build(_ compression: Compression, _ timestamp: Int? = nil) throws -> BuildResult {
            var request = BuildRequest(
                dockerfilePath: context + "/Dockerfile", dockerfileText: "FROM scratch\nCOPY file /file\n",
                contextDirectory: context)
            request.compression = compression
            request.timestamp = timestamp
            return try executor.build(request)
        }
        func layerType(_ result: BuildResult) throws -> MediaType {
            try executor.store.manifest(result.manifest).1.layers[0].mediaType
        }
        let gzip = try build(.gzip)
        #expect(gzip.stepsRun == 1)
        #expect(try build(.gzip).stepsCached == 1)
        // zstd: not the gzip layer.
        let zstd = try build(.zstd)
        #expect(zstd.stepsRun == 1)
        #expect(try layerType(zstd) == .ociLayer(.zstd))
        let zstdAgain = try build(.zstd)
        #expect(zstdAgain.stepsCached == 1)
        #expect(try layerType(zstdAgain) == .ociLayer(.zstd))
        // A timestamp: not the unclamped layer; the same timestamp reuses its own.
        #expect(try build(.gzip, 1_000).stepsRun == 1)
        #expect(try build(.gzip, 1_000).stepsCached == 1)
        #expect(try build(.gzip, 2_000).stepsRun == 1)
        // The first settings still find their own entry.
        let back = try build(.gzip)
        #expect(back.stepsCached == 1)
        #expect(try layerType(back) == .ociLayer(.gzip))
        #expect(back.manifest.digest == gzip.manifest.digest)
    }
}
