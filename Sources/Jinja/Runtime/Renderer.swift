/// The interpreter of one `Template.render` call: walks statements, evaluates
/// expressions, and is what filters, tests and functions receive to call back into the
/// engine (`resolve`, `callFilter`, `callTest`, `getattr`).
///
/// A renderer is single-threaded and short-lived; concurrency comes from running
/// several renders (each with its own renderer) against one frozen `Environment`.
public final class Renderer {
    /// The environment the template came from.
    public let environment: Environment
    let strict: Bool
    /// The output buffer of the code running now (swapped for captures).
    var out = ""
    /// Set after `{% extends %}`: the rest of that template's top level prints nothing.
    var discard = false
    var depth = 0
    /// Modules imported without context, per template name (Jinja caches these).
    private var moduleCache: [String: TemplateModule] = [:]
    /// The scope of the code running now, for `resolve`.
    var currentScope: Scope?

    static let maxDepth = 200
    /// Raises `RecursionError` before the thread's stack runs out.
    let stackGuard = StackGuard()

    #if FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
        /// Fuzzing only: loop iterations, calls and sorted items one render may still
        /// spend. A fuzzer finds nested loops of `range(100000)` (or a sort of a long list
        /// inside a loop) quickly; they terminate, but not within a fuzzer's time limit,
        /// and would be reported as hangs.
        var fuel = 20_000

        func burnFuel(_ amount: Int = 1) throws {
            fuel -= amount
            if fuel < 0 { throw TemplateError(.templateRuntimeError, "fuzzing budget exhausted") }
        }
    #endif

    /// Frames that objects made during this render hold on to (a macro's or a `caller`'s
    /// closure, a recursive loop's), by identity. A frame that stores such an object and
    /// is held by it is a reference cycle ARC never frees (Python's collector does); the
    /// render clears these frames' names, and their contexts', when it ends.
    private var capturedFrames: [ObjectIdentifier: Scope] = [:]

    /// `scope`, remembered as captured by an object made now.
    private func captured(_ scope: Scope) -> Scope {
        capturedFrames[ObjectIdentifier(scope)] = scope
        return scope
    }

    /// Breaks the cycles through captured frames: nothing of the render is used after it.
    private func releaseCapturedFrames() {
        for scope in capturedFrames.values {
            scope.vars.removeAll()
            scope.context.vars.removeAll()
        }
        capturedFrames.removeAll()
    }

    init(environment: Environment) {
        self.environment = environment
        self.strict = environment.options.undefined == .strict
    }

    /// Looks a name up as the template code running now sees it (for context filters
    /// and functions, like Jinja's `@pass_context`).
    public func resolve(_ name: String) -> Value {
        if let scope = currentScope { return lookup(name, scope) }
        return environment.globals[name] ?? .missing(name)
    }

    /// Looks a name up in the render context only (template-level variables, render
    /// variables, globals), not in loop or macro locals: what Jinja's `@pass_context`
    /// functions see through `context.get(name)`. Nil when absent.
    public func contextValue(_ name: String) -> Value? {
        if let ctx = currentScope?.context {
            if let v = ctx.vars[name] ?? ctx.parentVars[name] { return v }
        }
        return environment.globals[name]
    }

    // MARK: - templates

    func renderTemplate(_ template: Template, vars: [String: Value]) throws -> String {
        defer { releaseCapturedFrames() }
        let ctx = Context(template: template, parentVars: vars)
        return try capture { try renderRoot(template, ctx) }
    }

    /// Runs a template's top level, then the parents it extends, in one context.
    func renderRoot(_ template: Template, _ ctx: Context) throws {
        try enter()
        defer { depth -= 1 }
        let savedDiscard = discard
        defer { discard = savedDiscard }
        discard = false
        try exec(template.parsed.body, rootFrame(template, ctx))
        while let parent = ctx.pendingParent {
            ctx.pendingParent = nil
            discard = false
            try exec(parent.parsed.body, rootFrame(parent, ctx))
        }
    }

    /// The entered frame of a template's root render function.
    private func rootFrame(_ template: Template, _ ctx: Context) -> Scope {
        let layout = template.parsed.root
        // Captured too: `self` and top-level names live here and in the context.
        let frame = captured(Scope(
            layout: layout, parent: nil, context: ctx, templateName: template.name, environment: template.environment,
            toplevel: true))
        if layout.parameters.contains("self") { frame.vars["self"] = .object(TemplateReference(ctx)) }
        frame.enter()
        return frame
    }

    func enter() throws {
        #if FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
            try burnFuel()
        #endif
        try stackGuard.check()
        depth += 1
        if depth > Renderer.maxDepth {
            depth -= 1
            throw TemplateError(.recursionError, "maximum recursion depth exceeded")
        }
    }

    /// Runs `body` with a fresh output buffer and returns what it printed.
    func capture(_ body: () throws -> Void) throws -> String {
        let saved = out
        let savedDiscard = discard
        out = ""
        discard = false
        defer {
            out = saved
            discard = savedDiscard
        }
        try body()
        return out
    }

    // MARK: - statements

    func exec(_ body: [Stmt], _ scope: Scope) throws {
        for s in body { try exec(s, scope) }
    }

    func exec(_ s: Stmt, _ scope: Scope) throws {
        try stackGuard.check()
        do {
            try execInner(s, scope)
        } catch let e as TemplateError {
            throw e.located(scope.templateName, s.line, nil, span: s.span)
        }
    }

    /// One statement. The larger cases live in their own functions: keeping this frame
    /// small keeps deep recursion (macros calling macros) within the stack.
    private func execInner(_ s: Stmt, _ scope: Scope) throws {
        switch s.kind {
        case .output(let items):
            if discard { return }
            for item in items {
                switch item {
                case .text(let t): out += t
                case .expr(let e): out += try str(eval(e, scope))
                }
            }
        case .forLoop:
            try execFor(s, scope)
        case .ifStmt(let branches, let orElse):
            for (test, body) in branches where try truthy(eval(test, scope)) {
                try exec(body, scope)
                return
            }
            try exec(orElse, scope)
        case .set(let target, let valueExpr):
            try assign(target, try eval(valueExpr, scope), scope)
        case .setBlock, .with:
            try execSetBlockOrWith(s, scope)
        case .macro(let def):
            scope.store(def.name, .object(Macro(def, closure: captured(scope))))
        case .callBlock, .filterBlock:
            try execCallOrFilterBlock(s, scope)
        case .block(let def):
            if discard { return }
            try execBlock(def, scope)
        case .extends, .include, .importAs, .fromImport, .autoescape:
            try execTemplateStatement(s, scope)
        }
    }

    @inline(never)
    private func execFor(_ s: Stmt, _ scope: Scope) throws {
        guard case .forLoop(let target, let iterExpr, let body, let orElse, let filter, let recursive, let frames) = s.kind
        else { return }
        try runLoop(
            target: target, iterable: try eval(iterExpr, scope), body: body, orElse: orElse, filter: filter,
            recursive: recursive, frames: frames, scope: scope, depth0: 0)
    }

    @inline(never)
    private func execSetBlockOrWith(_ s: Stmt, _ scope: Scope) throws {
        switch s.kind {
        case .setBlock(let target, let filter, let body, let frame): try execSetBlock(target, filter, body, frame, scope)
        case .with(let targets, let values, let body, let frame): try execWith(targets, values, body, frame, scope)
        default: break
        }
    }

    @inline(never)
    private func execCallOrFilterBlock(_ s: Stmt, _ scope: Scope) throws {
        switch s.kind {
        case .callBlock(let callExpr, let callerDef): try execCallBlock(callExpr, callerDef, scope)
        case .filterBlock(let filter, let body, let frame): try execFilterBlock(filter, body, frame, scope)
        default: break
        }
    }

    /// `extends`, `include`, `import`, `from … import` and `autoescape`.
    @inline(never)
    private func execTemplateStatement(_ s: Stmt, _ scope: Scope) throws {
        switch s.kind {
        case .extends(let expr):
            try execExtends(expr, scope)
        case .include(let expr, let ignoreMissing, let withContext):
            if discard { return }
            try execInclude(expr, ignoreMissing, withContext, scope)
        case .importAs(let expr, let target, let withContext):
            let mod = try module(try eval(expr, scope), withContext: withContext, scope)
            scope.store(target, .object(mod), export: false)
        case .fromImport(let expr, let names, let withContext):
            try execFromImport(expr, names, withContext, s.line, scope)
        case .autoescape(_, let body, let frame):
            let inner = scope.inner(frame)
            inner.enter()
            try exec(body, inner)
        default:
            break
        }
    }

    private func execSetBlock(_ target: Expr, _ filter: Expr?, _ body: [Stmt], _ frame: FrameLayout, _ scope: Scope)
        throws
    {
        let inner = scope.inner(frame)
        inner.enter()
        var value = Value.string(try capture { try exec(body, inner) })
        if let filter { value = try applyFilterChain(filter, input: value, inner) }
        try assign(target, value, scope)
    }

    @inline(never)
    private func execWith(_ targets: [Expr], _ values: [Expr], _ body: [Stmt], _ frame: FrameLayout, _ scope: Scope)
        throws
    {
        let inner = scope.inner(frame)
        inner.enter()
        for (t, v) in zip(targets, values) { try assign(t, try eval(v, scope), inner) }
        try exec(body, inner)
    }

    @inline(never)
    private func execCallBlock(_ callExpr: Expr, _ callerDef: Stmt.MacroDef, _ scope: Scope) throws {
        guard case .call(let fnExpr, let argExprs) = callExpr.kind else { return }
        let fn = try eval(fnExpr, scope)
        var args = try evalArgs(argExprs, scope)
        args.keywords.append(("caller", .object(Macro(callerDef, closure: captured(scope), isCaller: true))))
        let result = try call(fn, args)
        if !discard { out += try str(result) }
    }

    @inline(never)
    private func execFilterBlock(_ filter: Expr, _ body: [Stmt], _ frame: FrameLayout, _ scope: Scope) throws {
        let inner = scope.inner(frame)
        inner.enter()
        let text = try capture { try exec(body, inner) }
        let result = try applyFilterChain(filter, input: .string(text), inner)
        if !discard { out += try str(result) }
    }

    @inline(never)
    private func execBlock(_ def: Stmt.BlockDef, _ scope: Scope) throws {
        if def.required, (scope.context.blocks[def.name]?.count ?? 0) <= 1 {
            throw TemplateError(.templateRuntimeError, "Required block \(pyRepr(def.name)) not found")
        }
        // A scoped block sees the enclosing frames' names (`context.derived(locals)`).
        let context = def.scoped ? Context(derivedFrom: scope.context, locals: scope.dumpStores()) : scope.context
        out += try renderBlock(def.name, level: 0, context: context)
    }

    @inline(never)
    private func execExtends(_ expr: Expr, _ scope: Scope) throws {
        let ctx = scope.context
        if ctx.pendingParent != nil {
            throw TemplateError(.templateRuntimeError, "extended multiple times")
        }
        let parent = try loadTemplate(try eval(expr, scope), scope.environment)
        for (name, def) in parent.parsed.blocks { ctx.blocks[name, default: []].append(def) }
        ctx.pendingParent = parent
        discard = true
    }

    @inline(never)
    private func execInclude(_ expr: Expr, _ ignoreMissing: Bool, _ withContext: Bool, _ scope: Scope) throws {
        let target = try eval(expr, scope)
        let template: Template
        do {
            template = try loadTemplate(target, scope.environment)
        } catch let e as TemplateError where ignoreMissing && (e.kind == .templateNotFound || e.kind == .templatesNotFound) {
            return
        }
        let ctx = Context(template: template, parentVars: withContext ? localContext(scope) : [:])
        out += try capture { try renderRoot(template, ctx) }
    }

    @inline(never)
    private func execFromImport(
        _ expr: Expr, _ names: [(String, String)], _ withContext: Bool, _ line: Int, _ scope: Scope
    ) throws {
        let mod = try module(try eval(expr, scope), withContext: withContext, scope)
        let position = "line \(line)" + (scope.templateName.map { " in \(pyRepr($0))" } ?? "")
        for (name, alias) in names {
            if let v = mod.exports[name] {
                scope.store(alias, v, export: false)
            } else {
                scope.store(
                    alias,
                    .undefined(
                        Undefined(
                            hint:
                                "the template \(pyRepr(mod.name)) (imported on \(position)) does not export the requested name \(pyRepr(name))",
                            name: name)),
                    export: false)
            }
        }
    }

    /// What an include or an import `with context` receives: the context's names and the
    /// names assigned in the enclosing frames (`context.get_all()` + `dump_local_context`).
    private func localContext(_ scope: Scope) -> [String: Value] {
        let locals = scope.dumpStores()
        if locals.isEmpty { return scope.context.all }
        return scope.context.all.merging(locals) { _, new in new }
    }

    /// Assigns to a name, a tuple of targets (unpacking) or a namespace attribute.
    func assign(_ target: Expr, _ value: Value, _ scope: Scope) throws {
        switch target.kind {
        case .name(let n):
            scope.store(n, value)
        case .tuple(let targets):
            let items: [Value]
            do {
                items = try iterate(value)
            } catch let e as TemplateError where e.kind == .typeError && !isIterable(value) {
                throw TemplateError(.typeError, "cannot unpack non-iterable \(value.typeName) object")
            }
            if items.count < targets.count {
                throw TemplateError(.valueError, "not enough values to unpack (expected \(targets.count), got \(items.count))")
            }
            if items.count > targets.count {
                throw TemplateError(.valueError, "too many values to unpack (expected \(targets.count))")
            }
            for (t, v) in zip(targets, items) { try assign(t, v, scope) }
        case .nsRef(let name, let attr):
            let holder = target.depth >= 0 ? scope.ancestor(target.depth)?.vars[name] : lookup(name, scope)
            guard case .object(let o)? = holder, let ns = o as? Namespace else {
                throw TemplateError(.templateRuntimeError, "cannot assign attribute on non-namespace object")
            }
            ns.attrs.set(attr, value)
        default:
            throw TemplateError(.templateSyntaxError, "can't assign to '\(target.kindName)'")
        }
    }

    // MARK: - loops

    private func runLoop(
        target: Expr, iterable: Value, body: [Stmt], orElse: [Stmt], filter: Expr?, recursive: Bool,
        frames: Stmt.LoopFrames, scope: Scope, depth0: Int
    ) throws {
        var items = try iterate(iterable)
        if let filter {
            items = try items.filter { item in
                let probe = scope.inner(frames.test)
                try assign(target, item, probe)
                probe.enter()
                return try truthy(eval(filter, probe))
            }
        }
        if items.isEmpty {
            if !orElse.isEmpty {
                let inner = scope.inner(frames.orElse)
                inner.enter()
                try exec(orElse, inner)
            }
            return
        }
        var loop: LoopContext?
        if frames.extended {
            var recurse: ((Value, Renderer) throws -> Value)?
            if recursive {
                let scope = captured(scope)
                recurse = { value, r in
                    try r.enter()
                    defer { r.depth -= 1 }
                    return .string(
                        try r.capture {
                            try r.runLoop(
                                target: target, iterable: value, body: body, orElse: orElse, filter: filter,
                                recursive: true, frames: frames, scope: scope, depth0: depth0 + 1)
                        })
                }
            }
            loop = LoopContext(items: items, depth0: depth0, recurse: recurse)
        }
        for (i, item) in items.enumerated() {
            #if FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
                try burnFuel()
            #endif
            let iter = scope.inner(frames.body)
            if let loop {
                loop.index0 = i
                iter.vars["loop"] = .object(loop)
            }
            try assign(target, item, iter)
            iter.enter()
            try exec(body, iter)
        }
    }

    /// The items of an iterable value (strings by code point, dicts by key), as Python's
    /// `list(v)` gives them: iterating a generator or other one-shot iterator consumes it.
    public func iterate(_ v: Value) throws -> [Value] {
        switch v {
        case .list(let l): return l.items
        case .tuple(let t): return t
        case .string(let s): return s.unicodeScalars.map { .string(String($0)) }
        case .dict(let d): return d.keys
        case .object(let o as PyIterator): return try o.drain(self)
        default:
            var it = try pyIter(v)
            var out: [Value] = []
            while let x = try it.next(self) {
                if out.count >= SizeLimit.maxValues { throw SizeLimit.memoryError }
                out.append(x)
            }
            return out
        }
    }

    // MARK: - blocks, templates, modules

    /// Renders level `level` of block `name` (0 = most derived; `super()` goes up) in
    /// `context` (the render context, or a derived one for scoped blocks).
    func renderBlock(_ name: String, level: Int, context: Context) throws -> String {
        guard let chain = context.blocks[name], level < chain.count else {
            throw TemplateError(.templateRuntimeError, "no block named \(pyRepr(name))")
        }
        let def = chain[level]
        let env = def.owner?.environment ?? environment
        let frame = Scope(layout: def.layout, parent: nil, context: context, templateName: def.templateName, environment: env)
        if def.layout.parameters.contains("self") { frame.vars["self"] = .object(TemplateReference(context)) }
        if def.layout.parameters.contains("super") {
            frame.vars["super"] =
                level + 1 < chain.count
                ? .object(BlockCaller(context: context, name: name, level: level + 1))
                : .undefined(Undefined(hint: "there is no parent block called \(pyRepr(name)).", name: "super"))
        }
        frame.enter()
        try enter()
        defer { depth -= 1 }
        return try capture { try exec(def.body, frame) }
    }

    /// Resolves an include/extends/import target: a name, a list of names, or undefined.
    func loadTemplate(_ target: Value, _ environment: Environment) throws -> Template {
        switch target {
        case .string(let name):
            return try environment.template(named: name)
        case .object(let o as TemplateReferenceValue):
            return o.template
        case .list, .tuple:
            let names = try iterate(target)
            for n in names {
                guard case .string(let name) = n else { continue }
                do {
                    return try environment.template(named: name)
                } catch let e as TemplateError where e.kind == .templateNotFound {
                    continue
                }
            }
            let parts = names.map { v -> String in
                if case .undefined(let u) = v { return u.message }
                return v.str
            }
            if parts.isEmpty { throw TemplateError(.templatesNotFound, "Tried to select from an empty list of templates.") }
            throw TemplateError(.templatesNotFound, "none of the templates given were found: \(parts.joined(separator: ", "))")
        case .undefined(let u):
            throw u.error
        default:
            throw TemplateError(.typeError, "template name must be a string, not '\(target.typeName)'")
        }
    }

    /// Renders a template as a module (`import`): its exported names and its output.
    private func module(_ target: Value, withContext: Bool, _ scope: Scope) throws -> TemplateModule {
        let template = try loadTemplate(target, scope.environment)
        if !withContext, let cached = moduleCache[template.name ?? ""] { return cached }
        let ctx = Context(template: template, parentVars: withContext ? localContext(scope) : [:])
        let body = try capture { try renderRoot(template, ctx) }
        var exports: [String: Value] = [:]
        for name in ctx.exported { exports[name] = ctx.vars[name] }
        let mod = TemplateModule(name: template.name ?? "", exports: exports, body: body)
        if !withContext { moduleCache[template.name ?? ""] = mod }
        return mod
    }

    // MARK: - macros

    /// Calls a macro with Python Jinja2's argument rules (`runtime.Macro.__call__`).
    func invoke(_ macro: Macro, _ args: Arguments) throws -> Value {
        // Counted before the defaults run (a default may call the macro again).
        try enter()
        defer { depth -= 1 }
        let scope = try macroFrame(macro, args)
        return .string(try capture { try exec(macro.def.body, scope) })
    }

    /// The entered frame of a macro call with its arguments bound (`Macro.__call__`).
    @inline(never)
    private func macroFrame(_ macro: Macro, _ args: Arguments) throws -> Scope {
        let def = macro.def
        let params = def.signature.params
        var kw = args.keywords
        func pop(_ name: String) -> Value? {
            guard let i = kw.firstIndex(where: { $0.0 == name }) else { return nil }
            return kw.remove(at: i).1
        }
        var values: [Value?] = Array(args.positional.prefix(params.count)).map { Optional($0) }
        var foundCaller = false
        if values.count < params.count {
            for name in params[values.count...] {
                values.append(pop(name))
                if name == "caller" { foundCaller = true }
            }
        } else {
            foundCaller = params.contains("caller")
        }
        var callerValue: Value?
        if def.usesCaller && !foundCaller {
            callerValue = pop("caller") ?? .undefined(Undefined(hint: "No caller defined", name: "caller"))
            if case .none? = callerValue { callerValue = .undefined(Undefined(hint: "No caller defined", name: "caller")) }
        }
        var kwargsValue: Value?
        if def.usesKwargs {
            let d = DictBox()
            for (k, v) in kw { d.set(k, v) }
            kwargsValue = .dict(d)
        } else if let first = kw.first {
            if kw.contains(where: { $0.0 == "caller" }) {
                throw TemplateError(
                    .typeError,
                    "macro '\(def.name)' was invoked with two values for the special caller argument. This is most likely a bug."
                )
            }
            throw TemplateError(.typeError, "macro '\(def.name)' takes no keyword argument '\(first.0)'")
        }
        var varargsValue: Value?
        if def.usesVarargs {
            varargsValue = .tuple(Array(args.positional.dropFirst(params.count)))
        } else if args.positional.count > params.count {
            throw TemplateError(
                .typeError, "macro '\(def.name)' takes not more than \(params.count) argument(s)")
        }

        let scope = macro.closure.inner(def.layout)
        scope.enter()
        for (i, name) in params.enumerated() where values[i] != nil { scope.vars[name] = values[i] }
        if let callerValue { scope.vars["caller"] = callerValue }
        if let kwargsValue { scope.vars["kwargs"] = kwargsValue }
        if let varargsValue { scope.vars["varargs"] = varargsValue }
        let firstDefault = params.count - def.signature.defaults.count
        for (i, name) in params.enumerated() where values[i] == nil {
            if i >= firstDefault {
                scope.vars[name] = try eval(def.signature.defaults[i - firstDefault], scope)
            } else {
                scope.vars[name] = .undefined(Undefined(hint: "parameter '\(name)' was not provided", name: name))
            }
        }
        return scope
    }
}
