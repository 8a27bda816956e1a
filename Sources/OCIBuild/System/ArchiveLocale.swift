import Foundation

/// libarchive converts member names between UTF-8 (PAX headers) and the C library's
/// current locale. Under the "C"/POSIX locale any non-ASCII name fails to convert ("Can't
/// translate linkname … to UTF-8"): Debian's /etc/ssl/certs has such links. Layers are
/// UTF-8 by spec, so archive work runs with a UTF-8 character type (C.UTF-8, built into
/// glibc), set once for the process before the first archive is opened.
enum ArchiveLocale {
    private static let once: Void = {
        let current = setlocale(LC_CTYPE, nil).map { String(cString: $0) } ?? "C"
        if !current.uppercased().contains("UTF-8") && !current.uppercased().contains("UTF8") {
            if setlocale(LC_CTYPE, "C.UTF-8") == nil { _ = setlocale(LC_CTYPE, "C.utf8") }
        }
    }()

    /// Makes sure member names convert losslessly.
    static func ensureUTF8() { _ = once }
}
