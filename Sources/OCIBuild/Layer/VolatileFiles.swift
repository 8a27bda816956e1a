// Reproducible mode's file rules: files whose content depends on the clock, the machine or
// the inode numbers of the build's file system rather than on the Dockerfile and its
// inputs. Two builds of the same Dockerfile differ in them even when everything else
// (member order, owners, clamped mtimes, compression headers) is normalised, so with
// SOURCE_DATE_EPOCH set every layer writer applies these rules — to any Dockerfile, RUN
// and COPY alike, and to imported tarballs.
//
// Each file is either dropped (left out of the layer: a cache its program rebuilds, or a
// log the program recreates) or truncated (kept with its owner and mode, emptied: a file
// whose presence matters). Only exact, well-known paths are listed; nothing is matched
// by content, so a file with the same name but a real purpose elsewhere is never touched.
// Why each one is on the list:
//
// * var/cache/ldconfig/aux-cache — dropped. ldconfig's private cache of the libraries it
//   already scanned, keyed by device, inode and ctime: different on every file system.
//   ldconfig checks every entry against the file and rebuilds the cache when it is
//   missing; /etc/ld.so.cache (what the loader reads) is deterministic and kept.
// * var/log/dpkg.log, var/log/alternatives.log, var/log/apt/history.log,
//   var/log/apt/term.log, var/log/bootstrap.log — truncated. Append-only logs with the
//   wall-clock time of every line. Emptying them keeps the file with the owner and mode
//   its package gave it (term.log is root:adm 0640), so later appends and logrotate see
//   what they expect.
// * etc/machine-id — truncated. A random id made when a package (systemd, dbus) is
//   installed: the same for every container of the image anyway, so it identifies
//   nothing. An empty file is machine-id(5)'s "not initialised yet" state for images:
//   systemd and `systemd-machine-id-setup` fill it at first boot.
// * var/lib/dbus/machine-id — dropped, unless it is a symbolic link (to
//   /etc/machine-id, which is deterministic). D-Bus's own random id, written by dbus's
//   maintainer script with `dbus-uuidgen --ensure`; libdbus reads /etc/machine-id when
//   it is missing, and `dbus-uuidgen --ensure` in a container's start-up recreates it.
//   An empty file would be worse than none: libdbus rejects it as invalid.
//
// Files that look volatile but are not, and so are kept: apt's eipp.log.xz (the
// planner's input, no times), debconf's *-old backups (the database before its last
// write, itself deterministic), /etc/ld.so.cache, /etc/shadow (the password-change day
// comes from SOURCE_DATE_EPOCH, which RUN sees in reproducible mode).
//
// Anything a package generates at random (ssh host keys, TLS snakeoil keys) is not
// here: dropping a key would break its service and its content cannot be made
// deterministic by the builder. The image's Dockerfile must remove such files and let
// the container generate them at start (kolla's templates do for ssh).

import OCISystem

/// What reproducible mode does with a volatile file.
package enum VolatileFileAction: Sendable, Hashable {
    /// Left out of the layer.
    case drop
    /// Kept (owner, mode, xattrs, clamped mtime), with no content.
    case truncate
}

/// The rules for volatile files: exact member paths (relative to the layer root) and what
/// to do with each.
package struct VolatileFiles: Sendable, Hashable {
    /// Path → action.
    package var rules: [String: VolatileFileAction]

    /// Rules for exactly these paths.
    package init(rules: [String: VolatileFileAction]) {
        self.rules = rules
    }

    /// Reproducible mode's list (see the file's header for why each path is here).
    package static let reproducible = VolatileFiles(rules: [
        "var/cache/ldconfig/aux-cache": .drop,
        "var/log/dpkg.log": .truncate,
        "var/log/alternatives.log": .truncate,
        "var/log/bootstrap.log": .truncate,
        "var/log/apt/history.log": .truncate,
        "var/log/apt/term.log": .truncate,
        "etc/machine-id": .truncate,
        "var/lib/dbus/machine-id": .drop,
    ])

    /// No rules: every file is archived as it is.
    package static let none = VolatileFiles(rules: [:])

    /// What to do with the member at cleaned `path` of `kind`, or nil to archive it as it
    /// is. Only regular files are ever changed: a directory, a symbolic link (e.g.
    /// var/lib/dbus/machine-id → /etc/machine-id) or a whiteout by one of these names is
    /// already deterministic.
    package func action(for path: String, kind: FileKind) -> VolatileFileAction? {
        guard kind == .regular else { return nil }
        return rules[path]
    }
}
