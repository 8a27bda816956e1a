/// `[<name>-user]` sections as kolla-build 23 reads them. A built-in user starts from its
/// table entry (`users.yaml`: uid, gid, group — group `<name>` unless the entry says
/// otherwise); a user the table lacks is registered with uid and gid unset (`None` in a
/// template) and group `<name>`, the section name without `-user`. Each key of the
/// section replaces one field; an empty `uid`/`gid` is `None` (oslo.config's Integer),
/// an empty `group` the empty string, and `group` interpolates `$opt` like any string.
extension Configuration {
    /// The user `name` after the `[<name>-user]` entries (file order, last one wins).
    func user(_ name: String, entries: [IniEntry]) -> KollaUser {
        var u = catalog.users.first { $0.0 == name }?.1 ?? KollaUser(uid: nil, gid: nil, group: name)
        for e in entries {
            switch e.key {
            case "uid": u.uid = Int(e.value)
            case "gid": u.gid = Int(e.value)
            case "group": u.group = interpolate(e.value, section: name + "-user")
            default: break
            }
        }
        return u
    }
}
