/// oslo.config's tolerance of config files: a key that names no registered option is
/// ignored (kolla-build never sees it), so a file written for an older kolla — pike's
/// `type = binary`, `install_type`, options removed since — still builds. kolla-oci
/// ignores such keys too but says so, naming `file:line`, since a typo is ignored the
/// same way. Unknown options on the command line stay errors, as argparse makes them.
extension Configuration {
    /// The keys a source section (`[<image>]`, `-plugin-`, `-additions-`) takes.
    static let sourceKeys: Set<String> = ["type", "location", "reference", "enabled", "version", "sha256"]
    /// The keys a `[<name>-user]` section takes.
    static let userKeys: Set<String> = ["uid", "gid", "group"]

    /// The warning for a key no option has; `name` is how the key is shown.
    static func unknownKeyWarning(_ e: IniEntry, name: String) -> String {
        "\(e.file):\(e.line): unknown option '\(name)' ignored"
    }

    /// Splits a non-DEFAULT section's entries into the keys its kind takes and warnings
    /// for the others. `[profiles]` takes any key (each defines a profile).
    static func splitUnknownKeys(_ section: String, _ entries: [IniEntry]) -> (known: [IniEntry], warnings: [String]) {
        if section == "profiles" { return (entries, []) }
        let allowed = section.hasSuffix("-user") ? userKeys : sourceKeys
        var known: [IniEntry] = []
        var warnings: [String] = []
        for e in entries {
            if allowed.contains(e.key) {
                known.append(e)
            } else {
                warnings.append(unknownKeyWarning(e, name: "\(section).\(e.key)"))
            }
        }
        return (known, warnings)
    }
}
