// libFuzzer entry point for OCIBuild's parsers of untrusted input, compiled into the
// OCIBuild module by bench/fuzz. FUZZ_TARGET picks one: dockerfile (parser and word
// expansion), oci-json (manifest, index and image config decoding, digests and
// references) or tar (the layer reader over libarchive, and member path cleaning).
// Every input must end in a value or a typed error; a trap or a sanitizer report is a bug.
import Foundation

private let stage: String = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? "dockerfile"

/// Where the tar target puts each input: the reader takes a file, as it does for blobs.
private let blobPath: String = {
    let dir = ProcessInfo.processInfo.environment["FUZZ_SCRATCH"] ?? NSTemporaryDirectory()
    return dir + "/kolla-oci-fuzz-\(ProcessInfo.processInfo.processIdentifier).blob"
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func ociBuildFuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    switch stage {
    case "oci-json": fuzzJSON(Array(bytes))
    case "tar": fuzzTar(bytes)
    default: fuzzDockerfile(String(decoding: bytes, as: UTF8.self))
    }
    return 0
}

private func fuzzDockerfile(_ text: String) {
    let env = ["A": "x y", "EMPTY": "", "HOME": "/root"]
    if let file = try? DockerfileParser.parse(text, name: "Dockerfile.fuzz") {
        let words = ShellWords(escape: file.escape)
        for stage in file.stages {
            for instruction in stage.instructions {
                // Every payload touched (Kind is Equatable) without reflection, which
                // costs more than the parse itself.
                precondition(instruction.kind == instruction.kind)
                precondition(instruction.line <= instruction.endLine)
                _ = try? words.processWords(instruction.text, env: env)
            }
        }
        _ = try? words.processWords(text, env: env)
    }
    for escape in ["\\", "`"] as [Character] {
        let words = ShellWords(escape: escape)
        _ = words.split(text)
        _ = try? words.processWords(text, env: env)
        _ = try? words.process(text, env: env)
    }
}

private func fuzzJSON(_ bytes: [UInt8]) {
    if let m = try? CanonicalJSON.decode(Manifest.self, from: bytes, what: "fuzz") {
        _ = try? CanonicalJSON.encode(m)
    }
    if let i = try? CanonicalJSON.decode(Index.self, from: bytes, what: "fuzz") {
        _ = try? CanonicalJSON.encode(i)
    }
    if let c = try? CanonicalJSON.decode(ImageConfig.self, from: bytes, what: "fuzz") {
        _ = try? CanonicalJSON.encode(c)
    }
    let text = String(decoding: bytes, as: UTF8.self)
    _ = try? Digest(text)
    _ = try? Reference(text)
}

private func fuzzTar(_ bytes: UnsafeBufferPointer<UInt8>) {
    do {
        let out = try FileDescriptor(path: blobPath, flags: O_WRONLY | O_CREAT | O_TRUNC)
        try out.write(UnsafeRawBufferPointer(bytes))
    } catch {
        fatalError("cannot write the fuzz input to \(blobPath): \(error)")
    }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
    defer { buffer.deallocate() }
    do {
        let reader = try LayerArchiveReader(path: blobPath)
        var entries = 0
        while let entry = try reader.next() {
            entries += 1
            _ = try? LayerPath.clean(entry.path)
            if let target = entry.hardlinkTarget { _ = try? LayerPath.clean(target) }
            while try reader.readData(into: buffer) > 0 {}
        }
        _ = try reader.finish()
    } catch {
        _ = "\(error)"
    }
}
