/// `--help` text and the sample `kolla-build.conf`, both generated from the option
/// registry so they cannot drift from what the parser accepts.
enum Help {
    /// The `--help` text, showing the `defaults` of the data directory in use.
    static func usage(program: String, defaults: EffectiveDefaults = EffectiveDefaults()) -> String {
        var out = "usage: \(program) [options] [regex ...]\n\n"
        out += "Builds Kolla's container images without a daemon (kolla-build's options).\n\n"
        out += "positional arguments:\n  regex                 Build only images matching regex and its dependencies\n"
        var groups: [String] = []
        for o in OptionRegistry.all where o.cli && !o.positional && !groups.contains(o.group) { groups.append(o.group) }
        out += "\noptions:\n  -h, --help            show this help message and exit\n"
        out += "  --config-file PATH    Path to a config file to use; may be given several times\n"
        out += "  --config-dir DIR      Path to a config directory (*.conf read in sorted order)\n"
        out += "  --version             show program's version number and exit\n"
        for g in groups {
            out += "\n\(g):\n"
            for o in OptionRegistry.all where o.cli && !o.positional && o.group == g {
                var flag = "--\(o.name)"
                if let s = o.short { flag = "-\(s), " + flag }
                switch o.kind {
                case .bool: flag += ", --no\(o.name)"
                case .int: flag += " N"
                case .list, .dict, .multi, .string: flag += " " + o.name.uppercased().replacingOccurrences(of: "-", with: "_")
                }
                var help = defaults.help(o)
                if let last = help.last, !".:)".contains(last) { help += "." }
                if let choices = o.choices { help += " Allowed values: \(choices.joined(separator: ", "))." }
                switch defaults.value(o) {
                case .none: break
                case .string("") where o.kind == .string: help += " Default: ''."
                case let value: help += " Default: \(value.sampleText)."
                }
                if let d = o.daemonless { help += " [kolla-oci: \(d)]" }
                out += wrap(flag, help)
            }
        }
        return out
    }

    private static func wrap(_ flag: String, _ text: String) -> String {
        let width = 79
        let indent = 24
        var lines: [String] = []
        var line = "  " + flag
        if line.count >= indent - 1 {
            lines.append(line)
            line = String(repeating: " ", count: indent)
        } else {
            line += String(repeating: " ", count: indent - line.count)
        }
        var first = true
        for word in text.split(separator: " ") {
            if !first && line.count + 1 + word.count > width {
                lines.append(line)
                line = String(repeating: " ", count: indent) + word
            } else {
                line += (first ? "" : " ") + word
            }
            first = false
        }
        lines.append(line)
        return lines.joined(separator: "\n") + "\n"
    }

    /// The sample config file (oslo-config-generator style), every option commented out
    /// at its default, with the kolla-oci notes.
    static func sampleConfig(defaults: EffectiveDefaults = EffectiveDefaults()) -> String {
        var out = "[DEFAULT]\n"
        for o in OptionRegistry.all where !o.positional {
            out += "\n"
            for line in commentLines(defaults.help(o)) { out += "# \(line)\n" }
            if let d = o.daemonless { for line in commentLines("kolla-oci: " + d) { out += "# \(line)\n" } }
            let type: String
            switch o.kind {
            case .string, .multi: type = o.isMulti ? "multi valued" : "string value"
            case .bool: type = "boolean value"
            case .int(let min): type = "integer value" + (min.map { "\n# Minimum value: \($0)" } ?? "")
            case .list: type = "list value"
            case .dict: type = "dict value"
            }
            out += "# (\(type))\n"
            if let choices = o.choices { out += "# Possible values: \(choices.joined(separator: ", "))\n" }
            out += "#\(o.dest) = \(defaults.value(o).sampleText)\n"
        }
        out += """

            [profiles]
            # Lists of image name patterns (regular expression fragments) for --profile.
            # The data directory's profiles.yaml defines: \(defaults.profiles.isEmpty ? "none" : defaults.profiles.joined(separator: ", ")).
            # A key here replaces one of them or defines a new profile, e.g.
            #ci = ^base$,^openstack-base$,^keystone

            # [<image>] (and [<image>-plugin-<id>], [<image>-additions-<id>]) sections
            # change an image's source: type (url|git|local), location, reference,
            # enabled, version, sha256 (dict amd64:...,arm64:...). Values may refer to
            # options as $tarballs_base or ${openstack_branch}.

            # [<name>-user] sections add or change a user of the users table: uid, gid,
            # group.

            """
        return out
    }

    private static func commentLines(_ text: String) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > 76 {
                lines.append(line)
                line = String(word)
            } else {
                line += (line.isEmpty ? "" : " ") + word
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
