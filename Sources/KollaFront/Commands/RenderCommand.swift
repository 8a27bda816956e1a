import Foundation
import Jinja

/// `kolla-oci render`: renders one template with Python Jinja2's semantics, for
/// template authors. Prints the text byte for byte; on failure prints a caret excerpt
/// and, last, `ClassName: message (template:line)`, and exits 1.
struct RenderCommand {
    static let usage = """
        usage: kolla-oci render [--vars FILE.json]... [--search-path DIR]... [--trim-blocks]
                                [--lstrip-blocks] [--keep-trailing-newline]
                                [--undefined default|strict] TEMPLATE
        """

    var varFiles: [String] = []
    var searchPaths: [String] = []
    var options = Environment.Options()
    var template: String?

    /// Parses the arguments after `render`.
    init(arguments: [String]) throws {
        let args = try ArgumentScanner(arguments, flags: [
            .init("--vars"), .init("--search-path"), .init("--trim-blocks", value: false),
            .init("--lstrip-blocks", value: false), .init("--keep-trailing-newline", value: false), .init("--undefined"),
        ])
        varFiles = args.all("--vars")
        searchPaths = args.all("--search-path")
        options.trimBlocks = args.isSet("--trim-blocks")
        options.lstripBlocks = args.isSet("--lstrip-blocks")
        options.keepTrailingNewline = args.isSet("--keep-trailing-newline")
        if let v = args.value("--undefined") {
            guard let u = Environment.UndefinedBehavior(rawValue: v) else {
                throw UsageError("--undefined must be 'default' or 'strict', not '\(v)'")
            }
            options.undefined = u
        }
        guard args.positionals.count <= 1 else { throw UsageError("only one TEMPLATE may be given") }
        guard let t = args.positionals.first else { throw UsageError("a TEMPLATE is required") }
        template = t
    }

    /// Runs the command; returns the exit status.
    func run() -> Int32 {
        guard let template else { return 2 }
        do {
            var vars: [String: Value] = [:]
            for file in varFiles {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw CommandError("\(file): cannot read variables file")
                }
                let parsed: Value
                do {
                    parsed = try Value.parseJSON(String(decoding: data, as: UTF8.self))
                } catch let e as JSONParseError {
                    throw CommandError("\(file):\(e.line): invalid JSON: \(e.message)")
                }
                guard case .dict(let d) = parsed else { throw CommandError("\(file):1: variables must be a JSON object") }
                for (k, v) in d.pairs { if case .string(let key) = k { vars[key] = v } }
            }
            var paths = searchPaths
            var name = template
            if paths.isEmpty {
                let url = URL(fileURLWithPath: template)
                paths = [url.deletingLastPathComponent().path]
                name = url.lastPathComponent
            }
            let env = Environment(options: options, loader: FileSystemLoader(searchPaths: paths))
            let text = try env.template(named: name).render(vars)
            FileHandle.standardOutput.write(Data(text.utf8))
            return 0
        } catch let e as TemplateError {
            var message = ""
            if let excerpt = e.excerpt { message += excerpt + "\n" }
            message += e.description + "\n"
            FileHandle.standardError.write(Data(message.utf8))
            return 1
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            return 1
        }
    }
}
