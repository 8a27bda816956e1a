import Foundation

/// Parses Dockerfile text into stages of instructions (the Dockerfile reference and
/// BuildKit's frontend): parser directives, comments, line continuations with the escape
/// character, here-documents on RUN/COPY/ADD, flags, exec and shell forms. Every error
/// names the file and line.
package enum DockerfileParser {
    private static let directiveNames: Set<String> = ["syntax", "escape", "check"]
    private static let flagged: Set<String> = ["FROM", "RUN", "COPY", "ADD", "HEALTHCHECK"]

    package static func parse(_ text: String, name: String = "Dockerfile") throws -> Dockerfile {
        var file = Dockerfile(name: name)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { l in
            l.hasSuffix("\r") ? String(l.dropLast()) : String(l)
        }
        func fail(_ line: Int, _ message: String) -> DockerfileError { DockerfileError(name, line, message) }

        // Parser directives: only at the very top, before any other line.
        var i = 0
        var seen = Set<String>()
        while i < lines.count {
            let t = lines[i].trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("#"), let eq = t.firstIndex(of: "=") else { break }
            let key = t.dropFirst()[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            guard directiveNames.contains(key), !key.contains(" ") else { break }
            let value = t[t.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if !seen.insert(key).inserted { throw fail(i + 1, "only one \(key) parser directive can be used") }
            switch key {
            case "escape":
                guard value == "\\" || value == "`" else { throw fail(i + 1, "invalid escape token '\(value)' does not match ` or \\") }
                file.escape = value.first!
            case "syntax": file.syntax = value
            default: break
            }
            i += 1
        }
        let escape = file.escape
        let words = ShellWords(escape: escape)

        var currentStage: Stage?
        while i < lines.count {
            let raw = lines[i]
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") {
                i += 1
                continue
            }
            // Join continuation lines (comment and empty lines inside are skipped).
            let start = i + 1
            var logical = ""
            var line = raw
            while true {
                let stripped = line.trimmingTrailingWhitespace()
                if stripped.last == escape {
                    logical += String(stripped.dropLast())
                    i += 1
                    while i < lines.count {
                        let t = lines[i].trimmingCharacters(in: .whitespaces)
                        if t.isEmpty || t.hasPrefix("#") { i += 1 } else { break }
                    }
                    guard i < lines.count else { break }
                    line = lines[i]
                } else {
                    logical += line
                    i += 1
                    break
                }
            }
            var endLine = i
            var instruction = try parseInstruction(logical, line: start, words: words, fail: fail)
            // Here-documents follow the instruction's last line.
            if ["RUN", "COPY", "ADD"].contains(instruction.kind.keyword) {
                for marker in heredocMarkers(logical, escape: escape) {
                    var body: [String] = []
                    var closed = false
                    while i < lines.count {
                        let l = lines[i]
                        i += 1
                        let candidate = marker.stripTabs ? String(l.drop { $0 == "\t" }) : l
                        if candidate == marker.name {
                            closed = true
                            break
                        }
                        body.append(marker.stripTabs ? candidate : l)
                    }
                    guard closed else { throw fail(start, "unterminated heredoc \(marker.name)") }
                    instruction.heredocs.append(
                        Heredoc(
                            name: marker.name, content: body.map { $0 + "\n" }.joined(), stripTabs: marker.stripTabs,
                            quoted: marker.quoted))
                }
                endLine = i
            }
            instruction.endLine = endLine

            switch instruction.kind {
            case .from(_, let alias):
                if let s = currentStage { file.stages.append(s) }
                currentStage = Stage(from: instruction, instructions: [], alias: alias?.lowercased())
            case .arg where currentStage == nil:
                file.globalArgs.append(instruction)
            default:
                guard currentStage != nil else {
                    throw fail(start, "no build stage in current context: \(instruction.kind.keyword) must come after FROM")
                }
                currentStage!.instructions.append(instruction)
            }
        }
        if let s = currentStage { file.stages.append(s) }
        if file.stages.isEmpty { throw fail(1, "the Dockerfile has no FROM instruction") }
        return file
    }

    private struct Marker {
        var name: String
        var stripTabs: Bool
        var quoted: Bool
    }

    /// `<<EOF`, `<<-EOF`, `<<"EOF"` words outside quotes, in order.
    private static func heredocMarkers(_ s: String, escape: Character) -> [Marker] {
        var out: [Marker] = []
        for w in ShellWords(escape: escape).split(s) {
            guard w.hasPrefix("<<"), w.count > 2 else { continue }
            var rest = Substring(w.dropFirst(2))
            var strip = false
            if rest.hasPrefix("-") {
                strip = true
                rest = rest.dropFirst()
            }
            var quoted = false
            if let q = rest.first, q == "\"" || q == "'", rest.count >= 2, rest.last == q {
                quoted = true
                rest = rest.dropFirst().dropLast()
            }
            guard !rest.isEmpty, rest.allSatisfy({ $0.isLetter || $0.isNumber || "_-./".contains($0) }) else { continue }
            out.append(Marker(name: String(rest), stripTabs: strip, quoted: quoted))
        }
        return out
    }

    /// The failure of one instruction, at its line.
    private typealias Fail = (Int, String) -> DockerfileError

    /// One logical line (continuations joined) into an instruction: the keyword, the
    /// leading `--flags` of the instructions that take them, then the arguments as the
    /// keyword reads them.
    private static func parseInstruction(
        _ logical: String, line: Int, words: ShellWords, fail: Fail
    ) throws -> Instruction {
        let text = logical.trimmingCharacters(in: .whitespaces)
        let keywordEnd = text.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? text.endIndex
        let keyword = text[..<keywordEnd].uppercased()
        var rest = text[keywordEnd...].trimmingCharacters(in: .whitespaces)
        let flags = flagged.contains(keyword) ? leadingFlags(&rest) : []
        func need(_ ok: Bool, _ message: String) throws { if !ok { throw fail(line, message) } }
        let kind: Instruction.Kind
        switch keyword {
        case "FROM": kind = try fromKind(rest, line, words, fail)
        case "RUN":
            try need(!rest.isEmpty, "RUN requires at least one argument")
            kind = .run(command(rest))
            do {
                _ = try RunFlags(flags)
            } catch let e as RunFlagError {
                throw fail(line, e.description)
            }
        case "CMD": kind = .cmd(command(rest))
        case "ENTRYPOINT": kind = .entrypoint(command(rest))
        case "COPY", "ADD": kind = try copyKind(keyword, rest, flags, line, words, fail)
        case "ENV", "LABEL":
            try need(!rest.isEmpty, "\(keyword) requires at least one argument")
            let pairs = try nameValues(rest, keyword, line, words, fail)
            kind = keyword == "ENV" ? .env(pairs) : .label(pairs)
        case "ARG": kind = try argKind(rest, line, words, fail)
        case "USER":
            try need(!rest.isEmpty, "USER requires exactly one argument")
            kind = .user(rest)
        case "WORKDIR":
            try need(!rest.isEmpty, "WORKDIR requires exactly one argument")
            kind = .workdir(rest)
        case "EXPOSE":
            try need(!rest.isEmpty, "EXPOSE requires at least one argument")
            kind = .expose(words.split(rest))
        case "VOLUME":
            try need(!rest.isEmpty, "VOLUME requires at least one argument")
            kind = .volume(jsonArray(rest) ?? words.split(rest))
        case "SHELL":
            guard let a = jsonArray(rest), !a.isEmpty else { throw fail(line, "SHELL requires the arguments to be in JSON form") }
            kind = .shell(a)
        case "STOPSIGNAL":
            try need(!rest.isEmpty, "STOPSIGNAL requires exactly one argument")
            kind = .stopsignal(rest)
        case "MAINTAINER":
            try need(!rest.isEmpty, "MAINTAINER requires exactly one argument")
            kind = .maintainer(rest)
        case "ONBUILD": kind = try onbuildKind(rest, line, fail)
        case "HEALTHCHECK": kind = try healthcheckKind(rest, flags, line, fail)
        default:
            throw fail(line, "unknown instruction: \(text[..<keywordEnd])")
        }
        return Instruction(line: line, endLine: line, text: text, kind: kind, flags: flags)
    }

    /// Takes the `--name[=value]` flags off the front of `rest`.
    private static func leadingFlags(_ rest: inout String) -> [Instruction.Flag] {
        var flags: [Instruction.Flag] = []
        while rest.hasPrefix("--") {
            let end = rest.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? rest.endIndex
            let f = rest[rest.index(rest.startIndex, offsetBy: 2)..<end]
            if let eq = f.firstIndex(of: "=") {
                flags.append(.init(name: String(f[..<eq]), value: String(f[f.index(after: eq)...])))
            } else {
                flags.append(.init(name: String(f), value: nil))
            }
            rest = rest[end...].trimmingCharacters(in: .whitespaces)
        }
        return flags
    }

    /// `FROM image [AS name]`.
    private static func fromKind(_ rest: String, _ line: Int, _ words: ShellWords, _ fail: Fail) throws -> Instruction.Kind {
        let w = words.split(rest)
        if w.count == 1 { return .from(image: w[0], alias: nil) }
        if w.count == 3, w[1].lowercased() == "as" { return .from(image: w[0], alias: w[2]) }
        throw fail(line, "FROM requires either one or three arguments")
    }

    /// `COPY`/`ADD` sources and destination (JSON or shell words), and their known flags.
    private static func copyKind(
        _ keyword: String, _ rest: String, _ flags: [Instruction.Flag], _ line: Int, _ words: ShellWords, _ fail: Fail
    ) throws -> Instruction.Kind {
        var parts = jsonArray(rest) ?? words.split(rest)
        guard parts.count >= 2 else {
            throw fail(line, "\(keyword) requires at least two arguments, but only one was provided. Destination could not be determined")
        }
        let dest = parts.removeLast()
        let known = ["chown", "chmod", "from", "link", "parents", "exclude", "checksum", "keep-git-dir", "unpack"]
        for f in flags where !known.contains(f.name) {
            throw fail(line, "unknown flag: --\(f.name)")
        }
        return keyword == "COPY" ? .copy(sources: parts, destination: dest) : .add(sources: parts, destination: dest)
    }

    /// `ARG name[=default] …`.
    private static func argKind(_ rest: String, _ line: Int, _ words: ShellWords, _ fail: Fail) throws -> Instruction.Kind {
        let w = words.split(rest)
        guard !w.isEmpty else { throw fail(line, "ARG requires at least one argument") }
        return .arg(
            try w.map { word in
                if let eq = word.firstIndex(of: "=") {
                    let n = String(word[..<eq])
                    guard !n.isEmpty else { throw fail(line, "ARG names can not be blank") }
                    return .init(name: n, defaultValue: String(word[word.index(after: eq)...]))
                }
                return .init(name: word, defaultValue: nil)
            })
    }

    /// `ONBUILD instruction`, kept as text; ONBUILD, FROM and MAINTAINER are refused.
    private static func onbuildKind(_ rest: String, _ line: Int, _ fail: Fail) throws -> Instruction.Kind {
        let inner = rest.split(separator: " ").first.map { $0.uppercased() } ?? ""
        guard !rest.isEmpty else { throw fail(line, "ONBUILD requires at least one argument") }
        guard !["ONBUILD", "FROM", "MAINTAINER"].contains(inner) else {
            throw fail(line, "\(inner) isn't allowed as an ONBUILD trigger")
        }
        return .onbuild(rest)
    }

    /// `HEALTHCHECK NONE` or `HEALTHCHECK [--flags] CMD command`.
    private static func healthcheckKind(
        _ rest: String, _ flags: [Instruction.Flag], _ line: Int, _ fail: Fail
    ) throws -> Instruction.Kind {
        var hc = Instruction.Healthcheck()
        let upper = rest.uppercased()
        if upper == "NONE" {
            guard flags.isEmpty else { throw fail(line, "HEALTHCHECK NONE takes no flags") }
            return .healthcheck(hc)
        }
        guard upper.hasPrefix("CMD") else { throw fail(line, "Unknown type \"\(rest.split(separator: " ").first ?? "")\" in HEALTHCHECK (try CMD)") }
        let cmdText = rest.dropFirst(3).trimmingCharacters(in: .whitespaces)
        guard !cmdText.isEmpty else { throw fail(line, "Missing command after HEALTHCHECK CMD") }
        hc.test = command(cmdText)
        for f in flags {
            switch f.name {
            case "interval": hc.interval = f.value
            case "timeout": hc.timeout = f.value
            case "start-period": hc.startPeriod = f.value
            case "start-interval": hc.startInterval = f.value
            case "retries":
                guard let r = f.value.flatMap(Int.init), r >= 0 else { throw fail(line, "--retries must be a non-negative integer") }
                hc.retries = r
            default: throw fail(line, "unknown flag: --\(f.name)")
            }
        }
        return .healthcheck(hc)
    }

    /// Exec form if the text is a JSON array of strings, else shell form (as Docker does).
    private static func command(_ s: String) -> Instruction.Command {
        if let a = jsonArray(s) { return .exec(a) }
        return .shell(s)
    }

    private static func jsonArray(_ s: String) -> [String]? {
        guard s.hasPrefix("["), s.hasSuffix("]"), let data = s.data(using: .utf8),
            let v = try? JSONSerialization.jsonObject(with: data) as? [Any], v.allSatisfy({ $0 is String })
        else { return nil }
        return v as? [String]
    }

    /// ENV/LABEL: `k=v k2="v 2"` or the legacy single `k value with spaces`.
    private static func nameValues(
        _ rest: String, _ keyword: String, _ line: Int, _ words: ShellWords, _ fail: (Int, String) -> DockerfileError
    ) throws -> [Instruction.KeyValue] {
        let w = words.split(rest)
        guard let first = w.first else { throw fail(line, "\(keyword) requires at least one argument") }
        if !first.contains("=") {
            // Legacy form: the rest of the line after the key is the value.
            let key = first
            let value = rest.dropFirst(key.count).trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty || keyword == "LABEL" else { throw fail(line, "\(keyword) must have two arguments") }
            return [.init(key: key, value: value)]
        }
        return try w.map { word in
            guard let eq = word.firstIndex(of: "=") else {
                throw fail(line, "Syntax error - can't find = in \"\(word)\". Must be of the form: name=value")
            }
            let key = String(word[..<eq])
            guard !key.isEmpty else { throw fail(line, "\(keyword) names can not be blank") }
            return .init(key: key, value: String(word[word.index(after: eq)...]))
        }
    }
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var s = Substring(self)
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
