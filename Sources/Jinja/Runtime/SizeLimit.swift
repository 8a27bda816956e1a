/// The largest string or sequence one operation may build.
///
/// Python raises `MemoryError` when a repetition or a padding asks for more memory than
/// the machine has (`'a' * 10**12`, `[1, 2] * 2**62`, `'%10000000000d' % 1`). Asking the
/// allocator first would abort the process (or trap on the overflowing size), so every
/// operation whose result size comes from a template number checks it here before it
/// allocates. The bound is far above anything a real template renders.
enum SizeLimit {
    #if FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
        /// Fuzzing only: 64 KiB, so that the paths past the bound run often and a loop
        /// of bulk operations on values at the bound stays within a fuzzer's patience.
        static let maxBytes = 1 << 16
    #else
        /// Bytes one result may take: 256 MiB of string, or of list elements.
        static let maxBytes = 1 << 28
    #endif

    /// Python's `MemoryError` (which has no message).
    static var memoryError: TemplateError { TemplateError(.memoryError, "") }

    /// Fails with `MemoryError` unless `count` items of `itemSize` bytes each stay within the bound.
    static func check(_ count: Int, itemSize: Int = 1) throws {
        guard count > 0 else { return }
        let (total, overflow) = count.multipliedReportingOverflow(by: max(itemSize, 1))
        if overflow || total > maxBytes { throw memoryError }
    }

    /// The most values one list may hold.
    static var maxValues: Int { maxBytes / MemoryLayout<Value>.stride }

    /// Fails with `MemoryError` unless `count` values stay within the bound.
    static func checkValues(_ count: Int) throws {
        try check(count, itemSize: MemoryLayout<Value>.stride)
    }

    /// `unit` repeated `count` times (nothing for a count below one), checked first.
    static func repeating(_ unit: String, count: Int) throws -> String {
        guard count > 0 else { return "" }
        try check(count, itemSize: unit.utf8.count)
        return String(repeating: unit, count: count)
    }

    /// `character` repeated `count` times (nothing for a count below one), checked first.
    static func repeating(_ character: Character, count: Int) throws -> String {
        guard count > 0 else { return "" }
        try check(count, itemSize: character.utf8.count)
        return String(repeating: character, count: count)
    }
}

/// `parts` joined by `separator`, failing with `MemoryError` before a result past the bound
/// is built (a long separator between many parts multiplies).
func checkedJoin(_ parts: [String], separator: String) throws -> String {
    var total = 0
    for p in parts { total += p.utf8.count }
    let (seps, overflow) = max(parts.count - 1, 0).multipliedReportingOverflow(by: separator.utf8.count)
    if overflow { throw SizeLimit.memoryError }
    try SizeLimit.check(total + seps)
    return parts.joined(separator: separator)
}
