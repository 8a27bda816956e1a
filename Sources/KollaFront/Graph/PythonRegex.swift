import Foundation

/// A regular expression used as Python's `re.search` (unanchored) on image names.
/// ICU's syntax (NSRegularExpression) agrees with Python's `re` for the patterns kolla
/// profiles and regexes use (alternations, anchors, classes, quantifiers).
struct PythonRegex: @unchecked Sendable {
    private let regex: NSRegularExpression

    init(_ pattern: String) throws {
        do {
            regex = try NSRegularExpression(pattern: pattern)
        } catch {
            throw ConfigError.badValue(source: "command line", option: "regex", value: pattern, reason: "not a valid regular expression")
        }
    }

    /// True when the pattern matches anywhere in `s`.
    func search(_ s: String) -> Bool {
        regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }
}
