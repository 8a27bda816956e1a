import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Keeps a render from overflowing its thread's stack: Jinja2 raises `RecursionError`
/// where Python's recursion limit is reached, and so do we when the stack gets low,
/// instead of crashing the process (templates are untrusted input).
///
/// The lowest usable address is the stricter of a budget below where the render started
/// and, when the thread's bounds are known, a reserve above the bottom of its stack (the
/// reserve covers the work between two checks: evaluating a deeply nested expression,
/// printing a deeply nested value).
struct StackGuard {
    /// Stack a render may use below its starting point.
    static let budget: UInt = 6 << 20
    /// Stack kept free above the bottom of the thread's stack.
    static let reserve: UInt = 1 << 20

    private let limit: UInt

    init() {
        let sp = StackGuard.stackPointer()
        var limit = sp > StackGuard.budget ? sp - StackGuard.budget : 0
        if let (low, size) = StackGuard.cachedThreadStack(containing: sp), size > 2 * StackGuard.reserve {
            limit = max(limit, low + StackGuard.reserve)
        }
        self.limit = limit
    }

    /// Throws `RecursionError` when the stack is nearly used up.
    @inline(__always)
    func check() throws {
        if StackGuard.stackPointer() < limit {
            throw TemplateError(.recursionError, "maximum recursion depth exceeded")
        }
    }

    /// The current thread's stack bounds when they contain `sp`. glibc reads and parses
    /// /proc/self/maps for the main thread's bounds on every call, which cost more than
    /// a small template's render, so bounds are kept per thread id; an entry left by an
    /// exited thread whose id was reused fails the containment check and is read again.
    private static func cachedThreadStack(containing sp: UInt) -> (UInt, UInt)? {
        let id = threadID()
        if let (low, size) = bounds.get(id), low < sp, sp - low <= size { return (low, size) }
        guard let (low, size) = threadStack(), low < sp, sp - low <= size else { return nil }
        bounds.set(id, (low, size))
        return (low, size)
    }

    private static let bounds = BoundsCache()

    /// Thread id → stack bounds, shared by the threads that render.
    private final class BoundsCache: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [UInt: (UInt, UInt)] = [:]

        func get(_ id: UInt) -> (UInt, UInt)? {
            lock.lock()
            defer { lock.unlock() }
            return entries[id]
        }

        func set(_ id: UInt, _ value: (UInt, UInt)) {
            lock.lock()
            entries[id] = value
            lock.unlock()
        }
    }

    #if canImport(Glibc)
        private static func threadID() -> UInt { UInt(pthread_self()) }
    #elseif canImport(Darwin)
        private static func threadID() -> UInt { UInt(bitPattern: pthread_self()) }
    #else
        private static func threadID() -> UInt { 0 }
    #endif

    /// An address in the caller's stack frame.
    @inline(never)
    static func stackPointer() -> UInt {
        var marker: UInt8 = 0
        return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
    }

    #if canImport(Glibc)
        private typealias GetAttr = @convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32
        /// glibc's `pthread_getattr_np` (a GNU extension the Swift module does not export).
        private static let getattr: GetAttr? = dlsym(
            UnsafeMutableRawPointer(bitPattern: 0), "pthread_getattr_np"
        ).map { unsafeBitCast($0, to: GetAttr.self) }

        /// The lowest address and size of the current thread's stack.
        private static func threadStack() -> (UInt, UInt)? {
            var attr = pthread_attr_t()
            guard let getattr, getattr(pthread_self(), &attr) == 0 else { return nil }
            defer { pthread_attr_destroy(&attr) }
            var addr: UnsafeMutableRawPointer?
            var size = 0
            guard pthread_attr_getstack(&attr, &addr, &size) == 0, let addr else { return nil }
            return (UInt(bitPattern: addr), UInt(size))
        }
    #elseif canImport(Darwin)
        private static func threadStack() -> (UInt, UInt)? {
            let top = UInt(bitPattern: pthread_get_stackaddr_np(pthread_self()))
            let size = UInt(pthread_get_stacksize_np(pthread_self()))
            return (top - size, size)
        }
    #else
        private static func threadStack() -> (UInt, UInt)? { nil }
    #endif
}
