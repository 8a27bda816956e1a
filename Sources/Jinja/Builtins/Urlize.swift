import Foundation

/// Jinja's `urlize` (`jinja2.utils.urlize` and `filters.do_urlize`): URLs and email
/// addresses in text become links. The regular expressions are Jinja's, run by ICU.
enum Urlize {
    private static let httpPattern = #"""
        ^
        (
            (https?://|www\.)
            (([\w%-]+\.)+)?
            (
                [a-z]{2,63}
            |
                xn--[\w%]{2,59}
            )
        |
            ([\w%-]{2,63}\.)+
            (com|net|int|edu|gov|org|info|mil)
        |
            (https?://)
            (
                (([\d]{1,3})(\.[\d]{1,3}){3})
            |
                (\[([\da-f]{0,4}:){2}([\da-f]{0,4}:?){1,6}])
            )
        )
        (?::[\d]{1,5})?
        (?:[/?\x23]\S*)?
        $
        """#

    private static func regex(_ pattern: String, _ options: NSRegularExpression.Options = []) -> NSRegularExpression {
        // The patterns are constants: compiling them cannot fail.
        try! NSRegularExpression(pattern: pattern, options: options)
    }

    // Compiled once: compiling them on every call cost more than the matching.
    private static let httpRegex = regex(httpPattern, [.caseInsensitive, .allowCommentsAndWhitespace])
    private static let emailRegex = regex(#"^\S+@\w[\w.-]*\.\w+$"#)
    private static let leadRegex = regex(#"^([(<]|&lt;)+"#)
    private static let trailRegex = regex(#"([)>.,\n]|&gt;)+$"#)
    private static let schemeRegex = regex(#"^([\w.+-]{2,}:(/){0,2})$"#)

    /// The range of the first match of `re` in `s`, as a String range.
    private static func firstMatch(_ re: NSRegularExpression, _ s: String) -> Range<String.Index>? {
        guard let m = re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) else { return nil }
        return Range(m.range, in: s)
    }

    /// Whether a URI scheme prefix is valid for `extra_schemes` (`_uri_scheme_re`).
    static func isValidScheme(_ s: String) -> Bool {
        firstMatch(schemeRegex, s) != nil
    }

    /// `str.count(sub)` (non-overlapping).
    private static func count(_ s: String, _ sub: String) -> Int {
        s.components(separatedBy: sub).count - 1
    }

    /// `utils.urlize` on already computed attributes.
    static func urlize(
        _ text: String, trimURLLimit: Int?, rel: String?, target: String?, extraSchemes: [String]
    ) -> String {
        func trim(_ x: String) -> String {
            guard let limit = trimURLLimit, x.unicodeScalars.count > limit else { return x }
            return String(String.UnicodeScalarView(x.unicodeScalars.prefix(max(0, limit)))) + "..."
        }
        let relAttr = rel.map { " rel=\"\(htmlEscape($0))\"" } ?? ""
        let targetAttr = target.map { " target=\"\(htmlEscape($0))\"" } ?? ""

        // re.split(r"(\s+)", escape(text)): words and the whitespace between them.
        var words: [String] = []
        var current = String.UnicodeScalarView()
        var inSpace = false
        for u in htmlEscape(text).unicodeScalars {
            let space = isPyWhitespace(u)
            if space != inSpace {
                words.append(String(current))
                current = String.UnicodeScalarView()
                inSpace = space
            }
            current.append(u)
        }
        words.append(String(current))

        for (i, word) in words.enumerated() where i % 2 == 0 {
            var head = ""
            var middle = word
            var tail = ""
            if let r = firstMatch(leadRegex, middle) {
                head = String(middle[r])
                middle = String(middle[r.upperBound...])
            }
            if [")", ">", ".", ",", "\n", "&gt;"].contains(where: { middle.hasSuffix($0) }), let r = firstMatch(trailRegex, middle) {
                tail = String(middle[r])
                middle = String(middle[..<r.lowerBound])
            }
            // Prefer balancing parentheses in URLs over ignoring a trailing character.
            for (open, close) in [("(", ")"), ("<", ">"), ("&lt;", "&gt;")] {
                let opens = count(middle, open)
                if opens <= count(middle, close) { continue }
                for _ in 0..<min(opens, count(tail, close)) {
                    guard let r = tail.range(of: close) else { break }
                    middle += tail[..<r.upperBound]
                    tail = String(tail[r.upperBound...])
                }
            }
            if firstMatch(httpRegex, middle) != nil {
                let href = middle.hasPrefix("https://") || middle.hasPrefix("http://") ? middle : "https://" + middle
                middle = "<a href=\"\(href)\"\(relAttr)\(targetAttr)>\(trim(middle))</a>"
            } else if middle.hasPrefix("mailto:"), firstMatch(emailRegex, String(middle.dropFirst(7))) != nil {
                middle = "<a href=\"\(middle)\">\(middle.dropFirst(7))</a>"
            } else if middle.contains("@"), !middle.hasPrefix("www."), !middle.hasPrefix("@"), !middle.contains(":"),
                firstMatch(emailRegex, middle) != nil
            {
                middle = "<a href=\"mailto:\(middle)\">\(middle)</a>"
            } else {
                for scheme in extraSchemes where middle != scheme && middle.hasPrefix(scheme) {
                    middle = "<a href=\"\(middle)\"\(relAttr)\(targetAttr)>\(middle)</a>"
                }
            }
            words[i] = head + middle + tail
        }
        return words.joined()
    }
}

extension BuiltinFilters {
    /// `do_urlize(value, trim_url_limit=None, nofollow=False, target=None, rel=None,
    /// extra_schemes=None)` with Jinja's default policies (`rel="noopener"`).
    static func doUrlize(_ v: Value, _ a: Arguments, _ r: Renderer) throws -> Value {
        let b = try a.bind(
            ["trim_url_limit", "nofollow", "target", "rel", "extra_schemes"], function: "do_urlize")
        func optional(_ x: Value?) -> Value? {
            if case .none? = x { return nil }
            return x
        }
        var relParts = Set(pySplit(try optional(b[3]).map { try r.str($0) } ?? "", sep: nil, maxsplit: -1))
        if try r.truthy(b[1, default: .bool(false)]) { relParts.insert("nofollow") }
        relParts.insert("noopener")
        var trimLimit: Int?
        if let t = optional(b[0]) {
            guard let n = t.intValue, !t.isFloat else {
                throw TemplateError(.typeError, "'>' not supported between instances of 'int' and '\(t.typeName)'")
            }
            trimLimit = n
        }
        let schemes = try optional(b[4]).map { try r.iterate($0).map { try r.str($0) } } ?? []
        for scheme in schemes where !Urlize.isValidScheme(scheme) {
            throw TemplateError(.filterArgumentError, "\(pyRepr(scheme)) is not a valid URI scheme prefix.")
        }
        return .string(
            Urlize.urlize(
                try r.str(v), trimURLLimit: trimLimit, rel: relParts.sorted().joined(separator: " "),
                target: try optional(b[2]).map { try r.str($0) }, extraSchemes: schemes))
    }
}
