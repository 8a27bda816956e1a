import Foundation
import Testing

@testable import KollaFront

/// `kolla-oci render` argument handling.
@Suite struct RenderCommandTests {
    @Test func parsesFlags() throws {
        let c = try RenderCommand(arguments: [
            "--vars", "a.json", "--vars=b.json", "--search-path", "d1", "--trim-blocks", "--lstrip-blocks",
            "--keep-trailing-newline", "--undefined", "strict", "t.j2",
        ])
        #expect(c.varFiles == ["a.json", "b.json"])
        #expect(c.searchPaths == ["d1"])
        #expect(c.options.trimBlocks && c.options.lstripBlocks && c.options.keepTrailingNewline)
        #expect(c.options.undefined == .strict)
        #expect(c.template == "t.j2")
    }

    @Test func rejectsBadArguments() {
        #expect(throws: UsageError.self) { try RenderCommand(arguments: []) }
        #expect(throws: UsageError.self) { try RenderCommand(arguments: ["--undefined", "loud", "t"]) }
        #expect(throws: UsageError.self) { try RenderCommand(arguments: ["--bogus", "t"]) }
        #expect(throws: UsageError.self) { try RenderCommand(arguments: ["a", "b"]) }
    }

    @Test func unknownCommandExitsTwo() {
        #expect(KollaOCI.main(programName: "kolla-oci", arguments: ["frobnicate"]) == 2)
    }
}
