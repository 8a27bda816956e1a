/// Jinja's render context: the variables of one template render (shared along an
/// `extends` chain), the render variables below them, and the block chains.
final class Context {
    /// Template-level variables (`context.vars`): top-level `set`, imports, macros.
    var vars: [String: Value] = [:]
    /// What the template was rendered with (`context.parent`: render variables, or an
    /// includer's names).
    let parentVars: [String: Value]
    /// Block name → definitions, most derived first (`context.blocks`).
    var blocks: [String: [Stmt.BlockDef]]
    /// Exported names (`context.exported_vars`) in order of first export.
    private(set) var exported: [String] = []
    /// The parent template set by `{% extends %}`, rendered after the child's body.
    var pendingParent: Template?
    /// The template this context was created for.
    let templateName: String?

    init(template: Template, parentVars: [String: Value]) {
        self.parentVars = parentVars
        self.templateName = template.name
        var blocks: [String: [Stmt.BlockDef]] = [:]
        for (name, def) in template.parsed.blocks { blocks[name] = [def] }
        self.blocks = blocks
    }

    /// Jinja's `context.derived(locals)` (scoped blocks): everything visible now plus
    /// the enclosing frames' names, as render variables of a new context.
    init(derivedFrom c: Context, locals: [String: Value]) {
        var all = c.all
        all.merge(locals) { _, new in new }
        parentVars = all
        templateName = c.templateName
        blocks = c.blocks
    }

    /// Jinja's `context.get_all()`: render variables overridden by template variables.
    var all: [String: Value] {
        if vars.isEmpty { return parentVars }
        if parentVars.isEmpty { return vars }
        return parentVars.merging(vars) { _, new in new }
    }

    /// A top-level assignment: `context.vars`, and (unless `export` is false or the name
    /// starts with `_`) the exported names; imports are un-exported.
    func assign(_ name: String, _ value: Value, export: Bool) {
        vars[name] = value
        if name.hasPrefix("_") { return }
        if export {
            if !exported.contains(name) { exported.append(name) }
        } else if let i = exported.firstIndex(of: name) {
            exported.remove(at: i)
        }
    }

    /// `context.resolve_or_missing(name)` (the environment's globals are looked up by
    /// the caller, below these).
    @inline(__always)
    func resolve(_ name: String) -> Value? {
        vars[name] ?? parentVars[name]
    }
}

/// A frame of a running template: one per render function (root, block, macro call)
/// and per inner frame Jinja compiles (loop iteration, `with`, `{% filter %}` …). Its
/// layout, computed by the `Resolver`, says which names it holds; a name expression
/// reads the frame `Expr.depth` levels up.
final class Scope {
    var vars: [String: Value] = [:]
    let layout: FrameLayout
    let parent: Scope?
    let context: Context
    /// The template the code running in this frame belongs to (for error locations).
    let templateName: String?
    /// The environment that loaded the running template: `include`, `import` and
    /// `extends` resolve names with its loader (a template override's parent keeps its own).
    let environment: Environment
    /// The frame of a template's root render function: its assignments also go to the
    /// context (Jinja's `frame.toplevel`).
    let isToplevel: Bool

    /// A frame; `enter()` initialises it.
    init(
        layout: FrameLayout, parent: Scope?, context: Context, templateName: String?, environment: Environment,
        toplevel: Bool = false
    ) {
        self.layout = layout
        self.parent = parent
        self.context = context
        self.templateName = templateName
        self.environment = environment
        self.isToplevel = toplevel
    }

    /// A new inner frame of this one (same template and context), not yet entered.
    func inner(_ layout: FrameLayout) -> Scope {
        Scope(layout: layout, parent: self, context: context, templateName: templateName, environment: environment)
    }

    /// Jinja's `enter_frame`: names the frame only reads come from the context, names it
    /// assigns start as the enclosing frame's value (or unset).
    func enter() {
        for (name, action) in layout.entry {
            switch action {
            case .resolve:
                if let v = context.resolve(name) ?? environment.globals[name] { vars[name] = v }
            case .alias(let depth):
                if let v = ancestor(depth)?.vars[name] { vars[name] = v }
            case .parameter, .undefined:
                break
            }
        }
    }

    @inline(__always)
    func ancestor(_ depth: Int) -> Scope? {
        var s: Scope? = self
        var d = depth
        while d > 0, let c = s {
            s = c.parent
            d -= 1
        }
        return s
    }

    /// Assigns a name of this frame (top-level assignments also go to the context).
    func store(_ name: String, _ value: Value, export: Bool = true) {
        vars[name] = value
        if isToplevel { context.assign(name, value, export: export) }
    }

    /// The value of the innermost frame holding `name`, nil when unset (or unknown).
    func refValue(_ name: String) -> Value? {
        var s: Scope? = self
        while let c = s {
            if c.layout.refs.contains(name) { return c.vars[name] }
            s = c.parent
        }
        return nil
    }

    /// Jinja's `dump_local_context` (`symbols.dump_stores()`): every name assigned in
    /// this frame or an enclosing one, with its current value; unset names are left out.
    func dumpStores() -> [String: Value] {
        var out: [String: Value] = [:]
        var seen = Set<String>()
        var s: Scope? = self
        while let c = s {
            for name in c.layout.stores where seen.insert(name).inserted {
                if let v = refValue(name) { out[name] = v }
            }
            s = c.parent
        }
        return out
    }

    /// A name as pass-context functions see it: the frames' values, then the context.
    func dynamicLookup(_ name: String) -> Value? {
        var s: Scope? = self
        while let c = s {
            if let v = c.vars[name] { return v }
            s = c.parent
        }
        return context.resolve(name)
    }
}
