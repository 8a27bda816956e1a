/// Jinja's render context: the variables of one template render (shared along an
/// `extends` chain), the render variables below them, and the block chains.
final class Context {
    /// Template-level variables (`context.vars`): top-level `set`, imports, macros.
    var vars: [String: Value] = [:]
    /// What the template was rendered with (render variables, or an includer's names).
    let parentVars: [String: Value]
    /// Block name → definitions, most derived first (`context.blocks`).
    var blocks: [String: [Stmt.BlockDef]]
    /// Exported names in order of first assignment (for modules).
    var exported: [String] = []
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

    /// Records a top-level assignment as Jinja does (`context.vars` + exported names).
    func assign(_ name: String, _ value: Value) {
        if vars.updateValue(value, forKey: name) == nil, !name.hasPrefix("_") {
            exported.append(name)
        }
    }
}

/// A frame of local variables. A root scope reads and writes its context's variables;
/// other scopes (loop bodies, macro calls, blocks, `with`) hold their own.
final class Scope {
    var vars: [String: Value] = [:]
    let parent: Scope?
    let context: Context
    /// The template the code running in this scope belongs to (for error locations).
    let templateName: String?
    /// The environment that loaded the running template: `include`, `import` and
    /// `extends` resolve names with its loader (a template override's parent keeps its own).
    let environment: Environment
    let isRoot: Bool

    init(parent: Scope?, context: Context, templateName: String?, environment: Environment, isRoot: Bool = false) {
        self.parent = parent
        self.context = context
        self.templateName = templateName
        self.environment = environment
        self.isRoot = isRoot
    }

    /// A child scope in the same template.
    func child() -> Scope {
        Scope(parent: self, context: context, templateName: templateName, environment: environment)
    }

    /// Binds `name` here (top-level assignments go to the context).
    func set(_ name: String, _ value: Value) {
        if isRoot { context.assign(name, value) } else { vars[name] = value }
    }

    /// Looks `name` up through the chain, then the context, then the render variables.
    func lookup(_ name: String) -> Value? {
        var s: Scope? = self
        while let c = s {
            if c.isRoot {
                if let v = c.context.vars[name] { return v }
                return c.context.parentVars[name]
            }
            if let v = c.vars[name] { return v }
            s = c.parent
        }
        return nil
    }

    /// All visible names, outermost first overridden by inner ones (Jinja's
    /// `context.get_all()` plus the frame's locals), as an include sees them.
    func flattened() -> [String: Value] {
        var chain: [Scope] = []
        var s: Scope? = self
        while let c = s {
            chain.append(c)
            if c.isRoot { break }
            s = c.parent
        }
        var all: [String: Value] = [:]
        if let root = chain.last, root.isRoot {
            all = root.context.parentVars
            all.merge(root.context.vars) { _, new in new }
        }
        for c in chain.reversed() where !c.isRoot {
            all.merge(c.vars) { _, new in new }
        }
        return all
    }
}
