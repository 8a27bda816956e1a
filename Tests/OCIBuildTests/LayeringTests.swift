// The package's layering where the compiler cannot see it (tools/check-layering): C and
// libc only behind their wrappers, the front end only on the builder's API.

import Foundation
import Testing
import TestSupport

@Suite struct LayeringTests {
    @Test func cAndLibcOnlyBehindTheirWrappers() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let run = try runTool("/bin/bash", [repository + "/tools/check-layering"], directory: repository)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    }
}
