import Foundation

/// Where an environment finds templates by name.
public protocol TemplateLoader: Sendable {
    /// The source of template `name`, or nil when this loader has no such template.
    func source(for name: String) throws -> String?
    /// The message of the `TemplateNotFound` error for a missing `name` (by default
    /// the name, as Jinja2's `DictLoader` reports it).
    func notFoundMessage(for name: String) -> String
}

extension TemplateLoader {
    /// The name itself.
    public func notFoundMessage(for name: String) -> String { name }
}

/// Jinja2's `FileSystemLoader`: names are `/`-separated paths looked up in each search
/// path in order. Names with `..` segments are refused, as Jinja2's `split_template_path`
/// does, so templates cannot reach outside the search paths.
public struct FileSystemLoader: TemplateLoader {
    public let searchPaths: [String]

    public init(searchPaths: [String]) {
        self.searchPaths = searchPaths
    }

    /// Jinja2's wording: `'x.j2' not found in search paths: 'a', 'b'`.
    public func notFoundMessage(for name: String) -> String {
        let plural = searchPaths.count == 1 ? "path" : "paths"
        return "\(pyRepr(name)) not found in search \(plural): \(searchPaths.map(pyRepr).joined(separator: ", "))"
    }

    public func source(for name: String) throws -> String? {
        var pieces: [String] = []
        for piece in name.split(separator: "/") {
            if piece == ".." { throw TemplateError(.templateNotFound, name) }
            if !piece.isEmpty && piece != "." { pieces.append(String(piece)) }
        }
        for dir in searchPaths {
            let path = ([dir] + pieces).joined(separator: "/")
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else { continue }
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            guard let text = String(data: data, encoding: .utf8) else {
                throw TemplateError(.templateSyntaxError, "template is not valid UTF-8", template: name)
            }
            return text
        }
        return nil
    }
}

/// Templates from an in-memory table (tests, generated templates).
public struct DictLoader: TemplateLoader {
    public let templates: [String: String]

    public init(_ templates: [String: String]) {
        self.templates = templates
    }

    public func source(for name: String) throws -> String? { templates[name] }
}
