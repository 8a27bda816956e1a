// Several blob transfers at once. libcurl's easy interface blocks its thread, so blobs run
// on dedicated threads (not the Swift cooperative pool, whose few threads a blocking call would starve), each with its
// own `RegistrySession`. The first failure cancels the rest: running transfers abort at
// their next callback, queued ones never start, and the failure is what the caller sees.
// The width is per registry, not per operation: pushes running side by side (the build
// front end pushes several images at once) share one registry's slots.

import Foundation
import OCISystem
import Synchronization

enum BlobWorkers {
    /// Runs `body` for every index of `0..<count` on up to `width` threads, each thread with
    /// its own session. With one item or a width of 1 it runs on the calling thread with
    /// `session`. Returns when all are done; throws the first failure (not a cancellation
    /// it caused).
    static func run(count: Int, width: Int, registry: String, client: RegistryClient, session: RegistrySession,
                    _ body: @escaping @Sendable (Int, RegistrySession) throws(RegistryError) -> Void)
        throws(RegistryError) {
        guard count > 0 else { return }
        let slots = client.transferSlots(for: registry)
        let threads = max(1, min(width, count))
        if threads == 1 {
            for index in 0..<count {
                try slots.acquire(cancellation: nil)
                defer { slots.release() }
                try body(index, session)
            }
            return
        }
        struct Shared {
            var next = 0
            var failure: RegistryError?
        }
        let shared = Mutex(Shared())
        let cancellation = TransferCancellation()
        let done = DispatchGroup()
        for _ in 0..<threads {
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                func fail(_ error: RegistryError) {
                    shared.withLock { state in
                        // A cancellation is a consequence; keep the cause.
                        if state.failure == nil || isCancellation(state.failure!) { state.failure = error }
                    }
                    cancellation.cancel()
                }
                let worker: RegistrySession
                do throws(RegistryError) {
                    worker = try RegistrySession(client: client, cancellation: cancellation)
                } catch {
                    fail(error)
                    return
                }
                while !cancellation.isCancelled {
                    let index: Int? = shared.withLock { state in
                        guard state.next < count else { return nil }
                        defer { state.next += 1 }
                        return state.next
                    }
                    guard let index else { break }
                    do throws(RegistryError) {
                        try slots.acquire(cancellation: cancellation)
                        defer { slots.release() }
                        try body(index, worker)
                    } catch {
                        fail(error)
                        break
                    }
                }
            }
            // Transfers need little stack; 1 MiB is plenty and keeps many threads cheap.
            thread.stackSize = 1 << 20
            thread.start()
        }
        done.wait()
        if let failure = shared.withLock({ $0.failure }) { throw failure }
    }

    private static func isCancellation(_ error: RegistryError) -> Bool {
        if case .cancelled = error { return true }
        return false
    }
}

/// The transfer slots of one registry: at most `RegistryOptions.maxConcurrentBlobs` blob
/// transfers to it at once, across all operations of one client.
final class TransferSlots: Sendable {
    private let semaphore: DispatchSemaphore

    init(_ count: Int) { semaphore = DispatchSemaphore(value: max(1, count)) }

    /// Waits for a free slot; gives up when `cancellation` is set meanwhile.
    func acquire(cancellation: TransferCancellation?) throws(RegistryError) {
        while semaphore.wait(timeout: .now() + .milliseconds(100)) == .timedOut {
            if cancellation?.isCancelled == true { throw .cancelled(operation: "wait for a transfer slot") }
        }
    }

    /// Frees the slot taken by `acquire`.
    func release() { semaphore.signal() }
}
