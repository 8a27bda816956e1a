// The store as a private place: the 0700 top directory.

import Foundation
import Testing
import TestSupport
import OCIBuild

#if canImport(Glibc)
import Glibc
#endif

@Suite("Store sharing")
struct StoreSharingTests {
    @Test("the store's top directory is created 0700 and an owner's existing one tightened")
    func privateTopDirectory() throws {
        try withTemporaryDirectory { dir in
            // New store, missing parents: the parents are ordinary, the store is private.
            let root = dir.appending("var/lib/kolla-oci").path
            _ = try ImageStore(root: root)
            #expect(try FileSystem.status(root)?.permissions == 0o700)
            #expect(try FileSystem.status(dir.appending("var/lib").path)?.permissions == 0o755)

            // An existing store made world-readable is tightened when opened for writing.
            try FileSystem.setMode(root, 0o755)
            _ = try ImageStore(root: root, create: false)
            #expect(try FileSystem.status(root)?.permissions == 0o755)
            _ = try ImageStore(root: root)
            #expect(try FileSystem.status(root)?.permissions == 0o700)

            // An existing empty directory given as the root becomes a private store.
            let given = dir.appending("given").path
            try FileSystem.createDirectory(given, mode: 0o755)
            _ = try ImageStore(root: given)
            #expect(try FileSystem.status(given)?.permissions == 0o700)

            // A layout for other tools (an export target) and a shared sticky directory
            // keep their modes.
            let export = dir.appending("export").path
            _ = try ImageStore(root: export, isPrivate: false)
            #expect(try FileSystem.status(export)?.permissions == 0o755)
            let sticky = dir.appending("sticky").path
            try FileSystem.createDirectory(sticky)
            try FileSystem.setMode(sticky, 0o1777)
            _ = try ImageStore(root: sticky)
            #expect(try FileSystem.status(sticky)?.permissions == 0o1777)
        }
    }
}
