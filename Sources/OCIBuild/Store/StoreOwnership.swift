// Who owns the temporary entries in a store, so that several kolla-oci processes can share
// one store and each removes only its own leftovers, while anyone can remove a dead
// process's:
//
//     ROOT/ingest/owners/<token>        one per live process using the store, flock()ed
//                                       exclusively for the process's lifetime
//     ROOT/ingest/tmp-<token>-…         blob and index files being written
//     ROOT/ingest/build/step-<token>-…  a build step's scratch (upper, overlay work, merged)
//     ROOT/ingest/leases/lease-<token>-…  content pinned by a running build (ContentLease)
//     ROOT/layers/sha256/tmp-<token>-…  a layer being extracted
//
// `<token>` is `<pid>-<random>`: the pid tells a human whose entry it is, the random part
// keeps a later process that reuses the pid from adopting a dead one's entries. An entry's
// owner is alive while its owner file is locked; the kernel drops the lock however the
// process ends (even SIGKILL), so `gc` and the start of every build can sweep entries of
// owners that are gone without ever touching a running process's. An entry whose name
// carries no token (older kolla-oci versions) counts as dead.
//
// This process additionally records every scratch path it creates in `ScratchRegistry`,
// so a SIGINT or SIGTERM (`Termination`) can remove them before the process exits.

import OCISystem
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif


/// This process's ownership of temporary entries in stores.
package enum StoreOwner {
    /// `<pid>-<random hex>`, the token in the names of this process's temporary entries.
    package static let token: String = {
        var generator = SystemRandomNumberGenerator()
        let random = String(UInt32.random(in: 0...UInt32.max, using: &generator), radix: 16)
        return "\(ProcessIdentity.processID)-\(random)"
    }()

    /// The owner files this process holds, by store root. The descriptors stay open (and
    /// locked) until the process exits.
    private static let claims = Mutex<[String: FileDescriptor]>([:])

    /// `ROOT/ingest/owners`.
    package static func ownersDirectory(storeRoot: String) -> String { "\(storeRoot)/ingest/owners" }

    /// Makes this process a live owner in the store at `storeRoot` (idempotent). Call it
    /// before creating any entry named with `token` there.
    package static func claim(storeRoot: String) throws(NativeError) {
        try claims.withLock { (held) throws(NativeError) in
            if held[storeRoot] != nil { return }
            let directory = ownersDirectory(storeRoot: storeRoot)
            try FileSystem.createDirectory(directory)
            // Locked under a dot name and then renamed: a sweeper never sees the owner file
            // unlocked, which it would take for a dead owner's.
            let temporary = "\(directory)/.new-\(token)"
            let file = try FileDescriptor(path: temporary, flags: O_RDWR | O_CREAT | O_TRUNC, mode: 0o600)
            try file.lock(exclusive: true)
            try FileSystem.rename(temporary, to: "\(directory)/\(token)")
            held[storeRoot] = file
        }
    }

    /// Deletes this process's owner files, for a process that is about to exit (the locks
    /// go with the process anyway; this only spares `gc` the sweeping).
    package static func releaseAll() {
        claims.withLock { held in
            for root in held.keys { try? FileSystem.removeFile("\(ownersDirectory(storeRoot: root))/\(token)") }
            held.removeAll()
        }
    }

    /// True while the process that owns `token` in the store at `storeRoot` runs. Errors
    /// other than a missing owner file count as alive: never delete what may be in use.
    package static func isLive(_ token: String, storeRoot: String) -> Bool {
        if token == self.token { return true }
        let file: FileDescriptor
        do throws(NativeError) {
            file = try FileDescriptor(path: "\(ownersDirectory(storeRoot: storeRoot))/\(token)", flags: O_RDONLY)
        } catch {
            return error.code != Int(ENOENT)
        }
        do throws(NativeError) {
            // Getting the lock means nobody holds it; closing `file` drops it again.
            return try !file.lock(exclusive: false, wait: false)
        } catch {
            return true
        }
    }

    /// The owner token in an entry name `<prefix><token>-…`; nil when the name has none.
    package static func token(inName name: String, prefix: String) -> String? {
        guard name.hasPrefix(prefix) else { return nil }
        let parts = name.dropFirst(prefix.count).split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, !parts[0].isEmpty, parts[0].allSatisfy(\.isNumber),
              !parts[1].isEmpty, parts[1].allSatisfy(\.isHexDigit) else { return nil }
        return "\(parts[0])-\(parts[1])"
    }

    /// Removes the entries `<prefix>…` in `directory` whose owner is gone (see the file
    /// header), and those `<legacyPrefix>…` (names without a token); returns how many were
    /// removed. Failures are skipped: a sweep is an optimisation that the next one repeats.
    @discardableResult
    package static func sweep(_ directory: String, prefix: String, legacyPrefix: String? = nil,
                              storeRoot: String) -> Int {
        guard let names = try? FileSystem.directoryEntries(directory) else { return 0 }
        var removed = 0
        for name in names where name.hasPrefix(prefix) || legacyPrefix.map(name.hasPrefix) == true {
            if let owner = token(inName: name, prefix: prefix), isLive(owner, storeRoot: storeRoot) { continue }
            if ScratchRegistry.removeEntry("\(directory)/\(name)") { removed += 1 }
        }
        return removed
    }

    /// Removes the owner files of processes that are gone. Their entries must have been
    /// swept first (an entry without an owner file counts as dead anyway).
    package static func sweepOwners(storeRoot: String) {
        let directory = ownersDirectory(storeRoot: storeRoot)
        guard let names = try? FileSystem.directoryEntries(directory) else { return }
        for name in names {
            let path = "\(directory)/\(name)"
            if name.hasPrefix(".new-") {
                // A claim between create and rename, or one that died there: only the
                // latter is unlocked and old.
                guard let info = try? FileSystem.status(path), ProcessIdentity.now - info.mtimeSeconds > 600,
                      let file = try? FileDescriptor(path: path, flags: O_RDONLY),
                      (try? file.lock(exclusive: true, wait: false)) == true else { continue }
                try? FileSystem.removeFile(path)
            } else if !isLive(name, storeRoot: storeRoot) {
                try? FileSystem.removeFile(path)
            }
        }
    }
}

/// The scratch paths (directories and files) this process has created and not yet
/// removed, so that `Termination` can remove them when a signal ends the process.
///
/// Register a path when it is created and remove it through `remove(_:)`, which deletes
/// it before forgetting it: a signal arriving in between finds it still registered.
package enum ScratchRegistry {
    private struct State {
        var paths: Set<String> = []
        /// Set once termination has taken the list: nothing may be created after it.
        var terminating = false
    }

    private static let state = Mutex(State())

    /// Creates a scratch path with `make` (which returns the path it created) and
    /// registers it, as one step with respect to termination.
    package static func create(_ make: () throws(NativeError) -> String) throws(NativeError) -> String {
        let (path, stopping) = try state.withLock { (state) throws(NativeError) -> (String?, Bool) in
            if state.terminating { return (nil, true) }
            let path = try make()
            state.paths.insert(path)
            return (path, false)
        }
        guard let path, !stopping else { waitForExit() }
        return path
    }

    /// Registers an existing scratch path.
    package static func register(_ path: String) {
        let stopping = state.withLock { state -> Bool in
            if state.terminating { return true }
            state.paths.insert(path)
            return false
        }
        if stopping { waitForExit() }
    }

    /// Forgets `path` without removing it (it was renamed into place or removed otherwise).
    package static func unregister(_ path: String) {
        state.withLock { _ = $0.paths.remove(path) }
    }

    /// Removes scratch path `path` (a tree or a file) and forgets it.
    package static func remove(_ path: String) {
        _ = removeEntry(path)
        unregister(path)
    }

    /// The registered paths (for tests and diagnostics).
    package static var registered: Set<String> { state.withLock { $0.paths } }

    /// Removes a scratch entry: a file, or a directory tree after making an overlay work
    /// directory deletable (overlayfs leaves `work/work` with mode 000). True when the
    /// entry is gone afterwards.
    @discardableResult
    static func removeEntry(_ path: String) -> Bool {
        guard let info = try? FileSystem.status(path) else { return false }
        if info.kind == .directory {
            if (try? FileSystem.status(path + "/work/work"))?.kind == .directory {
                try? FileSystem.setMode(path + "/work/work", 0o700)
            }
            try? FileSystem.removeTree(path)
        } else {
            try? FileSystem.removeFile(path)
        }
        return isAbsent(path)
    }

    /// True when `path` certainly does not exist (false when it does or lstat fails).
    static func isAbsent(_ path: String) -> Bool {
        do throws(NativeError) {
            return try FileSystem.status(path) == nil
        } catch {
            return false
        }
    }

    /// Takes every registered path for removal at termination; later `create` and
    /// `register` calls block until the process exits.
    static func takeAllForTermination() -> [String] {
        state.withLock { state in
            state.terminating = true
            return state.paths.sorted()
        }
    }

    /// Parks the calling thread: the process is about to exit.
    private static func waitForExit() -> Never {
        ProcessIdentity.parkForever()
    }
}

extension ScratchRegistry {
    /// Installs the SIGINT/SIGTERM handling of the executable with the store's cleanup:
    /// this process's scratch is removed and its owner files released before it exits.
    package static func installTerminationCleanup() throws(NativeError) {
        try Termination.install(
            Termination.Hooks(
                removeScratch: {
                    var left: [String] = []
                    for path in takeAllForTermination() {
                        // A killed RUN may still be writing for a moment, and the build thread
                        // may be removing the same tree: retry briefly until the path is gone.
                        var gone = false
                        for attempt in 0..<50 {
                            if removeEntry(path) || isAbsent(path) {
                                gone = true
                                break
                            }
                            if attempt < 49 { ProcessIdentity.sleep(milliseconds: 100) }
                        }
                        if !gone { left.append(path) }
                    }
                    return left
                },
                release: { StoreOwner.releaseAll() }
            ))
    }
}
