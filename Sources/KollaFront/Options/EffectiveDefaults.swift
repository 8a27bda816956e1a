/// The defaults a run really starts from with a given data directory: the option
/// registry's values (kolla 23's), replaced by the tree's `defaults.yaml`, then kolla's
/// derived defaults (`set_default`: base tag and image of the base distro, the tag, the
/// branches, the Debian architecture). `--help` and `sample-config` show these, so a
/// reader of kolla-oci's own tree sees `debian`, `bookworm`, `2022.2`, not kolla's
/// `rocky`, `10`, `2026.2`; and they name the profiles that exist.
struct EffectiveDefaults: Sendable {
    /// Value per option dest, for the options whose default the tree or a derivation sets.
    var values: [String: OptionValue] = [:]
    /// The profiles `--profile` takes (non-empty ones; kolla refuses an empty one).
    var profiles: [String] = []

    /// The registry's own defaults only (no data directory could be read).
    init() {}

    /// The defaults of `catalog`, with `profiles` (the tree's, or the tree's with a
    /// config file's `[profiles]`).
    init(catalog: Catalog, profiles: [(String, [String])]? = nil) {
        for (key, text) in catalog.defaults {
            if let spec = OptionRegistry.lookup(key), let v = try? spec.parse(text, source: "defaults.yaml") {
                values[spec.dest] = v
            }
        }
        func string(_ dest: String) -> String {
            if case .string(let s)? = values[dest] ?? OptionRegistry.byName[dest]?.defaultValue { return s }
            return ""
        }
        let base = string("base")
        if let distro = catalog.distros[base] {
            if values["base_tag"] == nil { values["base_tag"] = .string(distro.tag) }
            if values["base_image"] == nil { values["base_image"] = .string(distro.image) }
        }
        let release = string("openstack_release")
        if values["tag"] == nil { values["tag"] = .string("\(release)-\(base)-\(string("base_tag"))") }
        let branch = (release == "master" ? "" : "stable-") + release
        if values["openstack_branch"] == nil { values["openstack_branch"] = .string(branch) }
        if values["openstack_branch_slashed"] == nil {
            values["openstack_branch_slashed"] = .string(branch.replacingOccurrences(of: "-", with: "/"))
        }
        self.profiles = (profiles ?? catalog.profiles).filter { !$0.1.isEmpty }.map(\.0)
    }

    /// The default shown for `spec`.
    func value(_ spec: OptionSpec) -> OptionValue { values[spec.dest] ?? spec.defaultValue }

    /// `spec`'s help text, with the profile names of this tree for `--profile`.
    func help(_ spec: OptionSpec) -> String {
        guard spec.dest == "profile" else { return spec.help }
        let names = profiles.isEmpty ? "none (define them in [profiles])" : profiles.joined(separator: ", ")
        return "Build a pre-defined set of images, see [profiles] section in config. The profiles are: \(names)"
    }
}

extension EffectiveDefaults {
    /// The defaults for a `--help` of `cli`: the data directory it names (on the command
    /// line, in a config file, or the built-in one) with the config files' `[profiles]`;
    /// when the configuration does not resolve, the data directory alone; when none can
    /// be read, the registry's defaults.
    static func resolve(cli: ParsedCommandLine, environment: [String: String], home: String, executable: String) -> EffectiveDefaults {
        if let conf = try? Configuration(cli: cli, environment: environment, home: home, executable: executable) {
            return EffectiveDefaults(catalog: conf.catalog, profiles: conf.profiles)
        }
        var root: String?
        if case .string(let d)? = cli.values("data_dir").last?.value { root = d }
        if let root = root ?? Catalog.defaultRoot(executable: executable), let catalog = try? Catalog(root: root) {
            return EffectiveDefaults(catalog: catalog)
        }
        return EffectiveDefaults()
    }
}
