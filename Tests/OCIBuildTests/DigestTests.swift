// Digest parsing (image-spec descriptor.md#digests) and computing sha256 digests through
// libcrypto, checked against published vectors and against coreutils' sha256sum.

import Foundation
import Testing
import TestSupport
import OCIBuild
import OCISystem

@Suite("Digest")
struct DigestTests {
    // MARK: computing

    /// FIPS 180-4 example vectors plus values the OCI tooling meets every day.
    static let sha256Vectors: [(input: [UInt8], hex: String)] = [
        ([], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (Array("abc".utf8), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        // The OCI "empty" descriptor's blob, `{}`.
        (Array("{}".utf8), "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"),
        // A minimal empty tar: two 512-byte zero blocks.
        ([UInt8](repeating: 0, count: 1024),
         "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"),
        // FIPS 180-2 appendix B.3: one million 'a'.
        ([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000),
         "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ]

    @Test("sha256 of known vectors", arguments: 0..<sha256Vectors.count)
    func knownVectors(index: Int) throws {
        let (input, hex) = Self.sha256Vectors[index]
        let digest = try Digest.sha256(of: input)
        #expect(digest.description == "sha256:\(hex)")
        #expect(digest.algorithm == .sha256)
        #expect(digest.encoded == hex)
    }

    @Test("sha256 of String.UTF8View and Data matches [UInt8]")
    func contiguousInputs() throws {
        let expected = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        #expect(try Digest.sha256(of: "abc".utf8).description == expected)
        #expect(try Digest.sha256(of: Data("abc".utf8)).description == expected)
        // A sequence without contiguous storage takes the copying path.
        #expect(try Digest.sha256(of: "abc".utf8.lazy.map { $0 }).description == expected)
    }

    @Test("1 MiB of zeros matches sha256sum and the published value")
    func oneMebibyteOfZeros() throws {
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        let ours = try Digest.sha256(of: zeros)
        #expect(ours.encoded == "30e14955ebf1352266dc2ff8067e68104607e750abb9d3b36582b8af909fcb58")

        try withTemporaryDirectory { dir in
            let file = dir.appending("zeros")
            try Data(zeros).write(to: file)
            let output = try run("/usr/bin/env", ["sha256sum", file.path])
            // sha256sum prints "<hex>  <path>".
            let hex = output.split(separator: " ").first.map(String.init)
            #expect(hex == ours.encoded)
        }
    }

    @Test("streaming in uneven pieces equals hashing at once, and finalize resets")
    func streaming() throws {
        var generator = SplitMix64(seed: 42)
        let data = (0..<200_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let whole = try Digest.sha256(of: data)

        let hasher = try SHA256()
        var offset = 0
        for size in [0, 1, 63, 64, 65, 4096, 65_536, 100_000] where offset < data.count {
            let end = min(offset + size, data.count)
            try hasher.update(data[offset..<end])
            offset = end
        }
        try data[offset...].withUnsafeBytes { try hasher.update($0) }
        #expect(try hasher.finalizeDigest() == whole)

        // After finalize the hasher is empty again and reusable.
        #expect(try hasher.finalizeDigest().encoded == Self.sha256Vectors[0].hex)
        try hasher.update("abc".utf8)
        #expect(try hasher.finalize().count == SHA256.byteCount)
    }

    // MARK: parsing

    @Test("valid digests parse and print back unchanged", arguments: [
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "sha256:0000000000000000000000000000000000000000000000000000000000000000",
        "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    ])
    func parsesValid(text: String) throws {
        let digest = try Digest(text)
        #expect(digest.description == text)
        #expect(digest.encoded.count == digest.algorithm.encodedLength)
        #expect(try Digest(digest.description) == digest)
    }

    /// Each invalid input and the rule it must be reported as breaking.
    static let invalid: [(text: String, problem: OCIError.DigestProblem)] = [
        ("", .missingSeparator),
        ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", .missingSeparator),
        (":e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", .malformedAlgorithm),
        ("SHA256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", .malformedAlgorithm),
        ("sha256+:abc", .malformedAlgorithm),
        ("sha+-256:abc", .malformedAlgorithm),
        ("sha256:", .malformedEncoded),
        ("sha256:e3b0c442/8fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", .malformedEncoded),
        ("sha256:e3b0:c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85", .malformedEncoded),
        ("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 ", .malformedEncoded),
        ("md5:d41d8cd98f00b204e9800998ecf8427e", .unsupportedAlgorithm("md5")),
        ("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8",
         .unsupportedAlgorithm("multihash+base58")),
        ("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", .notLowercaseHex),
        ("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g", .notLowercaseHex),
        ("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
         .wrongLength(expected: 64, actual: 63)),
        ("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8550",
         .wrongLength(expected: 64, actual: 65)),
        ("sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         .wrongLength(expected: 128, actual: 64)),
    ]

    @Test("invalid digests are rejected with the broken rule", arguments: 0..<invalid.count)
    func rejectsInvalid(index: Int) {
        let (text, problem) = Self.invalid[index]
        #expect(throws: OCIError.invalidDigest(text, reason: problem)) {
            try Digest(text)
        }
    }

    @Test("error messages name the digest and the rule")
    func errorMessages() {
        let error = OCIError.invalidDigest("sha256:abc", reason: .wrongLength(expected: 64, actual: 3))
        #expect(error.description == "invalid digest \"sha256:abc\": encoded part must be 64 characters, got 3")
        let long = OCIError.invalidDigest(String(repeating: "x", count: 500), reason: .missingSeparator)
        #expect(long.description.count < 160)
        #expect(long.description.hasSuffix("…\": expected <algorithm>:<encoded>"))
    }

    // MARK: values

    @Test("Codable as a plain JSON string")
    func codable() throws {
        let digest = try Digest.sha256(of: "{}".utf8)
        let json = try JSONEncoder().encode(["digest": digest])
        #expect(String(decoding: json, as: UTF8.self)
                == #"{"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}"#)
        #expect(try JSONDecoder().decode([String: Digest].self, from: json) == ["digest": digest])

        let bad = Data(#"["sha256:ABC"]"#.utf8)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([Digest].self, from: bad)
        }
    }

    @Test("Hashable and Comparable follow the digest string")
    func hashableAndComparable() throws {
        let a = try Digest("sha256:" + String(repeating: "0", count: 64))
        let b = try Digest("sha256:" + String(repeating: "f", count: 64))
        let c = try Digest("sha512:" + String(repeating: "0", count: 128))
        #expect(Set([a, b, a, try Digest(a.description)]).count == 2)
        #expect([c, b, a].sorted() == [a, b, c])
    }
}

/// Runs `executable` with `arguments` and returns its standard output; throws unless it
/// exits 0.
private func run(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CocoaError(.fileReadUnknown, userInfo: [
            NSLocalizedDescriptionKey: "\(executable) \(arguments) exited \(process.terminationStatus)",
        ])
    }
    return String(decoding: output, as: UTF8.self)
}

/// A tiny deterministic generator (SplitMix64) so streaming tests use varied bytes.
private struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
