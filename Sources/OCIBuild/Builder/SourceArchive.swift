import OCISystem

/// The archives a front end puts into a build context, as kolla does for its sources
/// (`ADD <name>-archive`): normalised tars of directories, and downloads.
package enum SourceArchive {
    /// Writes `source` (a directory, or one file) as a normalised tar under `arcname`
    /// (owner 0:0, mtime 0, sorted entries: the same tree always gives the same bytes).
    package static func write(_ source: String, arcname: String, to output: String) throws {
        try NormalizedTar.write(source, arcname: arcname, to: output)
    }

    /// Downloads `url` to `path` (`timeout` seconds at most) and returns the SHA-256 of
    /// the bytes as lowercase hex.
    package static func download(_ url: String, to path: String, timeout: Int) throws -> String {
        try HTTPDownload.fetch(url, to: path, timeout: timeout)
    }
}
