// The retry schedule of one registry operation, by elapsed time rather than by count
// alone: a registry restarting (a rolling update, a crashed pod) refuses or resets every
// connection for seconds to tens of seconds, which a handful of quick retries does not
// outlast, while a fixed large count would stretch over minutes once waits grow.
//
// * The clock starts at the first failure, not the first attempt: a long upload that
//   fails at its end still has the whole budget for its retries.
// * Waits grow exponentially from `retryDelay` up to `maxRetryDelay`, with jitter (each
//   wait is drawn between half and all of the step), so the blob workers of one push, or
//   many clients cut off by the same restart, do not all return at the same instant.
// * `Retry-After` is honoured as given; when it points past the deadline the operation
//   gives up at once (the registry says it will not be back in time).
// * The last wait is cut to end at the deadline, so a registry that stays down fails the
//   operation about `retryMaxTime` after its first failure (plus one attempt).
// * An operation nested in another (the `POST` that restarts a blob upload) never runs
//   past the enclosing operation's deadline.
//
// Nothing of this runs when nothing fails: a budget is a few stored numbers until its
// first `next`.

import Foundation

/// How long, and how often, one operation is retried.
struct RetryBudget {
    private let firstDelay: Double
    private let maxDelay: Double
    private let maxTime: Double
    private let maxRetries: Int?
    /// The deadline of an enclosing operation, if any.
    private let outer: Date?
    /// When the first attempt started, for messages.
    private let started: Date
    /// When the operation gives up; set at the first failure.
    private(set) var deadline: Date?
    /// Attempts made so far, the one that just failed included.
    private(set) var attempts = 1

    /// How many times content that arrived wrong (a digest or size mismatch either way)
    /// is fetched or sent again: `options.retries` when set, else 3. Corruption is not a
    /// registry restarting, so it does not get the whole time budget.
    static func corruptionRetries(_ options: RegistryOptions) -> Int { options.retries ?? 3 }

    /// A budget for an operation starting now, by `options`, ending no later than `outer`.
    init(_ options: RegistryOptions, within outer: Date? = nil) {
        firstDelay = max(0, options.retryDelay)
        maxDelay = max(firstDelay, options.maxRetryDelay)
        maxTime = max(0, options.retryMaxTime)
        maxRetries = options.retries
        self.outer = outer
        started = Date()
    }

    /// Seconds since the first attempt started.
    var elapsed: Double { Date().timeIntervalSince(started) }

    /// Called after an attempt failed in a way worth retrying: the seconds to wait before
    /// the next attempt (counted in `attempts`), or nil to give up — the count or the time
    /// is spent, or `retryAfter` (a `Retry-After` value) asks for longer than is left.
    mutating func next(retryAfter: String? = nil) -> Double? {
        let now = Date()
        if deadline == nil {
            let own = now.addingTimeInterval(maxTime)
            deadline = outer.map { min($0, own) } ?? own
        }
        if let maxRetries, attempts > maxRetries { return nil }
        let remaining = deadline!.timeIntervalSince(now)
        guard remaining > 0 else { return nil }
        let delay: Double
        if let retryAfter, let seconds = RegistrySession.retryAfterSeconds(retryAfter) {
            guard seconds <= remaining else { return nil }
            delay = max(0, seconds)
        } else {
            // 2^20 steps exceed any sane maximum; the cap keeps `pow` finite.
            let step = min(firstDelay * pow(2, Double(min(attempts - 1, 20))), maxDelay)
            delay = min(step / 2 + Double.random(in: 0...(step / 2)), remaining)
        }
        attempts += 1
        return delay
    }
}
