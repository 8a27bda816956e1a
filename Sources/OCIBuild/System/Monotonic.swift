// The monotonic clock for phase timings (never jumps with the wall clock).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Seconds on CLOCK_MONOTONIC.
package enum Monotonic {
    /// Now, in seconds since an arbitrary fixed point.
    package static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
