import Foundation
import TestSupport
import Testing

/// Non-ASCII member names (Debian's /etc/ssl/certs has links such as
/// `988a38cb.0 -> NetLock_Arany_=Class_Gold=_Főtanúsítvány.pem`) survive a layer round
/// trip whatever the caller's locale.
@Suite struct UnicodeNameTests {
    @Test func nonASCIINamesRoundTrip() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-utf8")
        defer { try? dir.remove() }
        let tree = dir.path + "/tree"
        try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: true)
        try "x\n".write(toFile: tree + "/Főtanúsítvány.pem", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: tree + "/988a38cb.0", withDestinationPath: "Főtanúsítvány.pem")
        let env = ["KOLLA_OCI_ROOT": dir.path + "/store", "LC_ALL": "C", "LANG": "C"]
        let bin = kollaOCIBinary()
        let made = try runTool(bin, ["mklayer", tree, dir.path + "/layer.tar"], environment: env)
        try #require(made.status == 0, "\(made.stderr)")
        #expect(try runTool(bin, ["import", dir.path + "/layer.tar", "u:1"], environment: env).status == 0)
        let out = dir.path + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let unpacked = try runTool(bin, ["unpack", "u:1", out], environment: env)
        #expect(unpacked.status == 0, "\(unpacked.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/988a38cb.0") == "Főtanúsítvány.pem")
        #expect(FileManager.default.contents(atPath: out + "/Főtanúsítvány.pem") == Data("x\n".utf8))
    }
}
