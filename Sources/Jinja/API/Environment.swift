import Synchronization

/// A frozen Jinja environment: settings, loader, globals, filters and tests, and a cache
/// of parsed templates. It is `Sendable`; many renders may run on it at once.
public final class Environment: Sendable {
    /// What undefined values do when used (Jinja2's `Undefined` or `StrictUndefined`).
    public enum UndefinedBehavior: String, Sendable {
        case `default`
        case strict
    }

    /// Jinja2's environment settings that change output.
    public struct Options: Sendable {
        public var trimBlocks = false
        public var lstripBlocks = false
        public var keepTrailingNewline = false
        public var undefined = UndefinedBehavior.default

        public init(
            trimBlocks: Bool = false, lstripBlocks: Bool = false, keepTrailingNewline: Bool = false,
            undefined: UndefinedBehavior = .default
        ) {
            self.trimBlocks = trimBlocks
            self.lstripBlocks = lstripBlocks
            self.keepTrailingNewline = keepTrailingNewline
            self.undefined = undefined
        }
    }

    public let options: Options
    public let loader: (any TemplateLoader)?
    /// Names every template sees below its render variables.
    public let globals: [String: Value]
    public let filters: [String: Filter]
    public let tests: [String: Test]
    private let cache = Mutex<[String: Template]>([:])

    /// An environment with Jinja2's built-ins plus `extraGlobals`, `extraFilters` and
    /// `extraTests` (which win over built-ins of the same name).
    public init(
        options: Options = Options(), loader: (any TemplateLoader)? = nil,
        globals extraGlobals: [String: Value] = [:], filters extraFilters: [String: Filter] = [:],
        tests extraTests: [String: Test] = [:]
    ) {
        self.options = options
        self.loader = loader
        self.globals = BuiltinGlobals.all.merging(extraGlobals) { _, new in new }
        self.filters = BuiltinFilters.all.merging(extraFilters) { _, new in new }
        self.tests = BuiltinTests.all.merging(extraTests) { _, new in new }
    }

    /// The template called `name`, loaded and parsed once per environment.
    /// Throws `TemplateNotFound`, or the template's syntax error.
    public func template(named name: String) throws -> Template {
        if let t = cache.withLock({ $0[name] }) { return t }
        guard let loader else { throw TemplateError(.templateNotFound, name) }
        guard let source = try loader.source(for: name) else {
            throw TemplateError(.templateNotFound, loader.notFoundMessage(for: name))
        }
        let t = try Template(source: source, name: name, environment: self)
        return cache.withLock { c in
            if let existing = c[name] { return existing }
            c[name] = t
            return t
        }
    }

    /// A template from source text (not cached; `name` is used in errors and as `self`).
    public func template(source: String, name: String? = nil) throws -> Template {
        try Template(source: source, name: name, environment: self)
    }

    /// The source of a cached template, for error excerpts.
    func cachedSource(_ name: String?) -> String? {
        guard let name else { return nil }
        return cache.withLock { $0[name]?.source }
    }
}

/// A parsed template bound to its environment.
public final class Template: Sendable {
    /// The loader name, or nil for templates made from a string.
    public let name: String?
    /// The source text.
    public let source: String
    let parsed: ParsedTemplate
    /// The environment that parsed this template (templates hold their environment
    /// alive; an environment is meant to live as long as its renders).
    public let environment: Environment

    init(source: String, name: String?, environment: Environment) throws {
        self.name = name
        self.source = source
        self.environment = environment
        let o = environment.options
        do {
            var lexer = Lexer(
                source: source, name: name,
                options: LexerOptions(trimBlocks: o.trimBlocks, lstripBlocks: o.lstripBlocks, keepTrailingNewline: o.keepTrailingNewline))
            var parser = Parser(
                tokens: lexer.tokenizeUntilError(), name: name, filters: environment.filters, tests: environment.tests)
            do {
                self.parsed = try parser.parse()
            } catch {
                // The parser failed before reading up to a lexing error: its error wins.
                if let lexError = lexer.error, parser.atEnd { throw lexError }
                throw error
            }
            if let lexError = lexer.error { throw lexError }
            try Resolver.resolve(parsed, name: name)
        } catch var e as TemplateError {
            if e.source == nil && e.templateName == name { e.source = source }
            throw e
        }
        for def in parsed.blocks.values { def.owner = self }
    }

    /// Renders with `variables` as the render context.
    public func render(_ variables: [String: Value] = [:]) throws -> String {
        let r = Renderer(environment: environment)
        do {
            return try r.renderTemplate(self, vars: variables)
        } catch var e as TemplateError {
            if e.source == nil {
                e.source = e.templateName == name ? source : environment.cachedSource(e.templateName)
            }
            throw e
        }
    }
}
