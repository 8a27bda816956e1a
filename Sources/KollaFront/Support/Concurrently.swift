import Foundation

/// Independent work over a list, on all cores, with results and failures kept in the
/// list's order: what the front end renders, walks, copies and reads concurrently must
/// still report and log as a sequential loop would.
enum Concurrently {
    /// `body(i)` for every index in `0..<count`, concurrently; the results in index order.
    static func map<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
        let slots = Slots<T>(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { i in slots.set(i, body(i)) }
        return slots.values
    }

    /// `body(i)` for every index, concurrently; rethrows the failure of the lowest index
    /// (the one a sequential loop would have met first) after all have run.
    static func forEach(_ count: Int, _ body: @Sendable (Int) throws -> Void) throws {
        let failures: [(any Error)?] = map(count) { i in
            do { try body(i); return nil } catch { return error }
        }
        if let first = failures.lazy.compactMap({ $0 }).first { throw first }
    }

    /// One result per index, each written once by its own iteration.
    private final class Slots<T>: @unchecked Sendable {
        private var slots: [T?]
        private let lock = NSLock()

        init(count: Int) { slots = Array(repeating: nil, count: count) }

        func set(_ i: Int, _ value: T) {
            lock.lock()
            slots[i] = value
            lock.unlock()
        }

        var values: [T] {
            lock.lock()
            defer { lock.unlock() }
            return slots.map { $0! }
        }
    }
}
