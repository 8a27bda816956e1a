import Foundation

/// `.dockerignore` rules (moby/patternmatcher semantics): one pattern per line, `#`
/// comments, `!` exceptions, Go `filepath.Match` wildcards plus `**`; the last matching
/// rule decides, and a path is excluded when it or one of its parent directories is.
package struct DockerIgnore: Sendable {
    private struct Rule: @unchecked Sendable {
        let regex: NSRegularExpression
        let exclusion: Bool  // `!pattern`
    }

    private let rules: [Rule]

    /// Parses `.dockerignore` text; `file` names it in errors.
    package init(_ text: String, file: String = ".dockerignore") throws {
        var rules: [Rule] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var p = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if p.isEmpty || p.hasPrefix("#") { continue }
            var exclusion = false
            if p.hasPrefix("!") {
                exclusion = true
                p = String(p.dropFirst()).trimmingCharacters(in: .whitespaces)
            }
            p = DockerIgnore.clean(p)
            if p.isEmpty || p == "." { continue }
            guard let re = try? NSRegularExpression(pattern: DockerIgnore.regex(p)) else {
                throw DockerfileError(file, n + 1, "invalid pattern '\(raw)'")
            }
            rules.append(Rule(regex: re, exclusion: exclusion))
        }
        self.rules = rules
    }

    /// True when `path` (relative to the context, `/`-separated) is excluded.
    package func excludes(_ path: String) -> Bool {
        let clean = DockerIgnore.clean(path)
        var excluded = false
        for rule in rules {
            if DockerIgnore.matchesOrParent(rule.regex, clean) { excluded = !rule.exclusion }
        }
        return excluded
    }

    /// True when some exception rule could re-include something below directory `path`
    /// (then the walk must descend into an excluded directory).
    package var hasExceptions: Bool { rules.contains { $0.exclusion } }

    private static func matchesOrParent(_ re: NSRegularExpression, _ path: String) -> Bool {
        var p = path
        while true {
            if re.firstMatch(in: p, range: NSRange(p.startIndex..., in: p)) != nil { return true }
            guard let slash = p.lastIndex(of: "/") else { return false }
            p = String(p[..<slash])
        }
    }

    /// `filepath.Clean` without the leading slash.
    static func clean(_ p: String) -> String {
        var parts: [Substring] = []
        for part in p.split(separator: "/") {
            if part == "." || part.isEmpty { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }

    /// A pattern as an anchored regular expression.
    static func regex(_ p: String) -> String {
        var out = "^"
        let chars = Array(p)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "*":
                if i + 1 < chars.count, chars[i + 1] == "*" {
                    i += 1
                    // `**/` also matches nothing; `**` matches across directories.
                    if i + 1 < chars.count, chars[i + 1] == "/" {
                        i += 1
                        out += "(.*/)?"
                    } else {
                        out += ".*"
                    }
                } else {
                    out += "[^/]*"
                }
            case "?": out += "[^/]"
            case "[":
                var j = i + 1
                var cls = "["
                if j < chars.count, chars[j] == "^" || chars[j] == "!" {
                    cls += "^"
                    j += 1
                }
                while j < chars.count, chars[j] != "]" {
                    if chars[j] == "\\" { cls += "\\\\" } else { cls.append(chars[j]) }
                    j += 1
                }
                out += cls + "]"
                i = j
            case "\\":
                if i + 1 < chars.count {
                    i += 1
                    out += NSRegularExpression.escapedPattern(for: String(chars[i]))
                }
            default:
                out += NSRegularExpression.escapedPattern(for: String(c))
            }
            i += 1
        }
        return out + "$"
    }
}
