import Foundation
import OCISystem

/// Where a build's time goes, in seconds per phase. Phases of concurrent builds (kolla's
/// `--threads`) add up, so the sum can exceed the wall time.
package struct PhaseTimes: Sendable, Equatable {
    /// The phases, in the order a step goes through them.
    package enum Phase: String, Sendable, CaseIterable {
        /// Extracting layers into the layer cache (or a chroot root).
        case unpack
        /// Inside RUN commands.
        case run
        /// Finding what a step changed (overlay upper walk, or the tree snapshot diff).
        case diff
        /// Making the tar stream: walking the changes, reading files, tar headers.
        case archive
        /// Compressing the tar (time this thread waited for the compressor; its workers
        /// run on other cores meanwhile).
        case compress
        /// sha256 of the tar (diff_id) and of the blob (digest).
        case hash
        /// Writing the blob and moving it into the store.
        case store
        /// Pushing images to the registry.
        case push
        /// Build workers idle while images wait for their parents.
        case waiting
    }

    /// Seconds per phase (absent: none).
    package private(set) var seconds: [Phase: Double] = [:]

    package init() {}

    /// Adds `value` seconds to `phase`.
    package mutating func add(_ phase: Phase, _ value: Double) {
        seconds[phase, default: 0] += value
    }

    /// Adds every phase of `other`.
    package mutating func add(_ other: PhaseTimes) {
        for (phase, value) in other.seconds { add(phase, value) }
    }

    /// The seconds of `phase` (0 when it never happened).
    package subscript(_ phase: Phase) -> Double { seconds[phase] ?? 0 }

    /// One line per phase: `  unpack      1.23 s`.
    package func lines() -> [String] {
        Phase.allCases.map {
            "  " + $0.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0) + String(format: " %8.2f s", self[$0])
        }
    }

    /// A JSON object `{"unpack": 1.23, …}` with every phase, in phase order.
    package func json() -> String {
        "{" + Phase.allCases.map { String(format: "\"%@\": %.3f", $0.rawValue as NSString, self[$0]) }
            .joined(separator: ", ") + "}"
    }
}

/// A process-wide, thread-safe total of phase times (`kolla-oci build --timings`).
package final class PhaseClock: @unchecked Sendable {
    /// The total of every build in this process.
    package static let process = PhaseClock()

    private let lock = NSLock()
    private var times = PhaseTimes()

    /// Adds `value` seconds to `phase`.
    package func add(_ phase: PhaseTimes.Phase, _ value: Double) {
        lock.lock()
        times.add(phase, value)
        lock.unlock()
    }

    /// Adds every phase of `other`.
    package func add(_ other: PhaseTimes) {
        lock.lock()
        times.add(other)
        lock.unlock()
    }

    /// Runs `body` and adds its wall time to `phase`.
    package func measure<T>(_ phase: PhaseTimes.Phase, _ body: () throws -> T) rethrows -> T {
        let start = Monotonic.now()
        defer { add(phase, Monotonic.now() - start) }
        return try body()
    }

    /// The totals so far.
    package var snapshot: PhaseTimes {
        lock.lock()
        defer { lock.unlock() }
        return times
    }
}
