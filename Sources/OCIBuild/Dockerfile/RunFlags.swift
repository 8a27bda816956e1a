/// The flags of a `RUN` instruction, with BuildKit's Dockerfile syntax and rules:
/// `--network=default|host|none`, `--mount=…` (repeatable) and `--security=sandbox`.
///
/// The parser checks them once without variables (values that use `$` are checked only
/// after expansion); the executor parses them again with the ARG/ENV in scope.
package struct RunFlags: Sendable, Equatable {
    /// `RUN --network`: `default` is the build's own mode (`--network_mode`, `bud --network`).
    package enum Network: String, Sendable, CaseIterable {
        case `default`
        case host
        case none
    }

    package var network: Network = .default
    package var mounts: [RunMount] = []

    package init() {}

    /// Parses RUN's flags. `expand` expands variables in `--mount` values; without it
    /// (parse time) a value holding `$` is left for the executor to check.
    package init(_ flags: [Instruction.Flag], expand: ((String) throws -> String)? = nil) throws {
        for flag in flags {
            switch flag.name {
            case "network":
                guard let text = flag.value, let mode = Network(rawValue: text.lowercased()) else {
                    throw RunFlagError("unsupported network mode \"\(flag.value ?? "")\": RUN --network takes default, host or none")
                }
                network = mode
            case "mount":
                guard let text = flag.value, !text.isEmpty else { throw RunFlagError("RUN --mount needs a value (type=…,target=…)") }
                mounts.append(try RunMount(parsing: text, expand: expand))
            case "security":
                // BuildKit's default is the sandbox; `insecure` (privileged RUN) has no
                // equivalent in an unprivileged user namespace.
                guard flag.value == "sandbox" else {
                    throw RunFlagError("RUN --security=\(flag.value ?? "") is not supported (only sandbox, the default)")
                }
            default:
                throw RunFlagError("unknown flag: --\(flag.name)")
            }
        }
    }
}

/// One `RUN --mount=…`: BuildKit's comma-separated `key=value` fields (a field holding a
/// comma is double-quoted, as in CSV).
package struct RunMount: Sendable, Equatable {
    package enum Kind: String, Sendable, CaseIterable {
        case bind, cache, tmpfs, secret, ssh
    }

    /// `sharing=` of cache mounts: concurrent use (shared), one user at a time with the
    /// others waiting (locked), or a fresh empty directory for a second user (private).
    package enum Sharing: String, Sendable, CaseIterable {
        case shared, `private`, locked
    }

    package var kind: Kind = .bind
    /// The mount point; relative paths are relative to the working directory. Optional
    /// only for secrets (default `/run/secrets/<id>`).
    package var target: String?
    /// bind: path in the context or in `from`; cache: path in `from` that seeds the cache.
    package var source: String?
    /// bind and cache: a stage or image instead of the build context.
    package var from: String?
    package var readOnly: Bool = true
    /// cache: the cache's name (default: the target); secret: the secret's id.
    package var id: String?
    package var sharing: Sharing = .shared
    /// cache and secret: the directory's or file's mode (octal) and owner.
    package var mode: UInt32?
    package var uid: UInt32?
    package var gid: UInt32?
    /// tmpfs: the size limit in bytes.
    package var size: UInt64?
    /// secret: fail when the secret is not given (otherwise the mount is skipped).
    package var required = false
    /// secret: also expose the secret as this environment variable.
    package var env: String?

    package init(kind: Kind = .bind) {
        self.kind = kind
        readOnly = kind != .cache && kind != .tmpfs
    }

    private static let keys: Set<String> = [
        "type", "from", "source", "src", "target", "dst", "destination", "readonly", "ro", "readwrite", "rw", "id",
        "sharing", "required", "size", "mode", "uid", "gid", "env",
    ]

    /// Parses the value of one `--mount` flag.
    package init(parsing text: String, expand: ((String) throws -> String)? = nil) throws {
        var fields: [(key: String, value: String?)] = []
        for field in try RunMount.csvFields(text) {
            guard let eq = field.firstIndex(of: "=") else {
                let key = field.lowercased()
                guard ["readonly", "ro", "readwrite", "rw", "required"].contains(key) else {
                    throw RunFlagError("RUN --mount: invalid field '\(field)' must be a key=value pair")
                }
                fields.append((key, nil))
                continue
            }
            let key = field[..<eq].lowercased()
            guard RunMount.keys.contains(key) else {
                throw RunFlagError("RUN --mount: unexpected key '\(key)' in '\(field)'")
            }
            fields.append((key, String(field[field.index(after: eq)...])))
        }
        // Values are expanded (or, at parse time, left alone when they use variables).
        var deferred = Set<String>()
        var values: [(key: String, value: String?)] = []
        for (key, value) in fields {
            guard let value else {
                values.append((key, nil))
                continue
            }
            if let expand {
                values.append((key, try expand(value)))
            } else if value.contains("$") {
                deferred.insert(key)
            } else {
                values.append((key, value))
            }
        }
        // The type decides the defaults and which keys are allowed.
        var kind = Kind.bind
        if let t = values.last(where: { $0.key == "type" })?.value {
            guard let k = Kind(rawValue: t.lowercased()) else {
                throw RunFlagError("RUN --mount: unsupported mount type \"\(t)\" (bind, cache, tmpfs, secret or ssh)")
            }
            kind = k
        } else if deferred.contains("type") {
            self.init(kind: .bind)
            return  // checked after expansion
        }
        self.init(kind: kind)
        if kind == .ssh {
            throw RunFlagError("RUN --mount=type=ssh is not supported: kolla-oci forwards no SSH agent")
        }
        func bool(_ key: String, _ value: String?) throws -> Bool {
            guard let value else { return true }
            switch value {
            case "1", "t", "T", "true", "TRUE", "True": return true
            case "0", "f", "F", "false", "FALSE", "False": return false
            default: throw RunFlagError("RUN --mount: invalid boolean \(key)=\(value)")
            }
        }
        func only(_ key: String, _ kinds: Set<Kind>) throws {
            if !kinds.contains(kind) { throw RunFlagError("RUN --mount: unexpected key '\(key)' for mount type '\(kind.rawValue)'") }
        }
        func number(_ key: String, _ value: String, radix: Int) throws -> UInt32 {
            guard let n = UInt32(value, radix: radix) else {
                throw RunFlagError("RUN --mount: invalid \(key)=\(value) (\(radix == 8 ? "an octal mode" : "a number"))")
            }
            return n
        }
        for key in deferred where ["sharing", "size", "mode", "uid", "gid", "env", "id"].contains(key) {
            try only(key, RunMount.allowed[key] ?? Set(Kind.allCases))
        }
        for (key, value) in values {
            if let allowed = RunMount.allowed[key] { try only(key, allowed) }
            switch key {
            case "type": break
            case "from": from = value
            case "source", "src": source = value
            case "target", "dst", "destination": target = value
            case "readonly", "ro": readOnly = try bool(key, value)
            case "readwrite", "rw": readOnly = !(try bool(key, value))
            case "required": required = try bool(key, value)
            case "id": id = value
            case "sharing":
                guard let s = Sharing(rawValue: (value ?? "").lowercased()) else {
                    throw RunFlagError("RUN --mount: unsupported sharing value \"\(value ?? "")\" (shared, private or locked)")
                }
                sharing = s
            case "size":
                guard let bytes = RunMount.bytes(value ?? "") else { throw RunFlagError("RUN --mount: invalid size=\(value ?? "")") }
                size = bytes
            case "mode":
                let m = try number(key, value ?? "", radix: 8)
                guard m <= 0o7777 else { throw RunFlagError("RUN --mount: invalid mode=\(value ?? "")") }
                mode = m
            case "uid": uid = try number(key, value ?? "", radix: 10)
            case "gid": gid = try number(key, value ?? "", radix: 10)
            case "env": env = value
            default: break
            }
        }
        if deferred.isEmpty { try validate() }
    }

    /// Keys that only some mount types take.
    private static let allowed: [String: Set<Kind>] = [
        "sharing": [.cache], "size": [.tmpfs], "required": [.secret, .ssh], "mode": [.cache, .secret, .ssh],
        "uid": [.cache, .secret, .ssh], "gid": [.cache, .secret, .ssh], "env": [.secret], "from": [.bind, .cache],
        "source": [.bind, .cache, .secret], "src": [.bind, .cache, .secret], "id": [.cache, .secret, .ssh],
    ]

    /// The checks that need every field.
    private mutating func validate() throws {
        switch kind {
        case .bind, .cache, .tmpfs:
            guard let t = target, !t.isEmpty else { throw RunFlagError("RUN --mount=type=\(kind.rawValue): target is required") }
        case .secret:
            if source != nil && id != nil { throw RunFlagError("RUN --mount=type=secret: both source and id can't be set") }
            if id == nil { id = source }
            if id == nil, let t = target, !t.isEmpty {
                id = String(t.split(separator: "/").last ?? "")
            }
            guard let i = id, !i.isEmpty else { throw RunFlagError("RUN --mount=type=secret: one of id, source or target is required") }
            source = nil
        case .ssh:
            break
        }
        if let t = target, RunMount.isRoot(t) { throw RunFlagError("RUN --mount: cannot mount over /") }
        if kind == .tmpfs && readOnly { throw RunFlagError("RUN --mount=type=tmpfs: a read-only tmpfs is not supported") }
    }

    private static func isRoot(_ path: String) -> Bool {
        !path.isEmpty && path.split(separator: "/").allSatisfy { $0 == "." }
    }

    /// Where a secret is mounted: its target, or `/run/secrets/<id>` (none when only
    /// exposed as an environment variable).
    package var secretTarget: String? {
        if let target, !target.isEmpty { return target }
        if env != nil { return nil }
        return "/run/secrets/" + (id ?? "")
    }

    /// The mount as one canonical text (cache key part): every field, in a fixed order.
    package var canonical: String {
        var parts = ["type=\(kind.rawValue)"]
        if let target { parts.append("target=\(target)") }
        if let source { parts.append("source=\(source)") }
        if let from { parts.append("from=\(from)") }
        if let id { parts.append("id=\(id)") }
        parts.append(readOnly ? "ro" : "rw")
        if kind == .cache { parts.append("sharing=\(sharing.rawValue)") }
        if let mode { parts.append("mode=\(String(mode, radix: 8))") }
        if let uid { parts.append("uid=\(uid)") }
        if let gid { parts.append("gid=\(gid)") }
        if let size { parts.append("size=\(size)") }
        if required { parts.append("required") }
        if let env { parts.append("env=\(env)") }
        return parts.joined(separator: ",")
    }

    /// Splits CSV fields: commas separate, double quotes protect commas, `""` is a quote.
    static func csvFields(_ text: String) throws -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var wasQuoted = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" {
                        current.append("\"")
                        chars = chars.dropFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(c)
                }
            } else if c == "\"" && (current.isEmpty || current.hasSuffix("=")) && !wasQuoted {
                quoted = true
                wasQuoted = true
            } else if c == "," {
                fields.append(current)
                current = ""
                wasQuoted = false
            } else {
                current.append(c)
            }
        }
        if quoted { throw RunFlagError("RUN --mount: unterminated quote in '\(text)'") }
        fields.append(current)
        return fields.filter { !$0.isEmpty }
    }

    /// A size with an optional binary unit (`64m`, `1g`, `512k`, `1024`; `b`/`ib` suffixes
    /// allowed), as Docker reads `--tmpfs` sizes.
    static func bytes(_ text: String) -> UInt64? {
        var t = Substring(text.lowercased())
        if t.hasSuffix("ib") {
            t = t.dropLast(2)
        } else if t.hasSuffix("b") {
            t = t.dropLast()
        }
        var multiplier: UInt64 = 1
        if let unit = t.last, let power = "kmgtp".firstIndex(of: unit) {
            multiplier = UInt64(1) << (10 * UInt64("kmgtp".distance(from: "kmgtp".startIndex, to: power) + 1))
            t = t.dropLast()
        }
        guard let n = Double(t), n >= 0, n.isFinite else { return nil }
        let value = n * Double(multiplier)
        guard value < 1.8e19 else { return nil }
        return UInt64(value)
    }
}

/// A mistake in RUN's flags; the parser and the executor add the file and line.
package struct RunFlagError: Error, CustomStringConvertible, Equatable {
    package var description: String
    package init(_ message: String) { description = message }
}
