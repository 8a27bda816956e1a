/// Jinja2's compile-time name resolution (`jinja2/idtracking.py` and the frame handling
/// of `jinja2/compiler.py`), run once per template after parsing.
///
/// Every function Jinja compiles (the root render function, each block, each macro and
/// call block) and every inner frame (a for loop's body, `else` and `if` filter, `with`,
/// `{% filter %}`, `{% set %}…{% endset %}`, `{% autoescape %}`) gets a `FrameLayout`:
/// the names it holds and how they start out when the frame is entered. A name a frame
/// only reads, and that no enclosing frame holds, is looked up in the render context on
/// entry (`resolve`); a name a frame assigns starts as a copy of the enclosing frame's
/// (`alias`) or as undefined. Each loaded name in an expression records how many frames
/// up its holder is (`Expr.depth`). This is what makes, as in Jinja2:
///
/// * `{% for %}…{{ x }}…{% endfor %}{% set x = 1 %}` print an undefined `x` inside the
///   loop even when the context has an `x` (the top-level `x` is a local of the root
///   frame, still unset when the loop runs);
/// * includes see the names assigned in the enclosing frames (`dump_stores`), but not
///   `loop` unless the loop body uses it;
/// * `caller`, `varargs` and `kwargs` exist only in macros whose body loads them.
///
/// It also raises Jinja's code-generation errors: unknown filters and tests outside
/// `if` statements and conditional expressions, assignments to `loop` inside a for
/// loop, `extends` below the top level, a `caller` parameter without default, and names
/// a `{% set %}` block's filter cannot resolve.

/// How a frame initialises one of its names on entry (`idtracking.VAR_LOAD_*`).
enum LoadAction: Sendable, Equatable {
    /// Set by whoever creates the frame (loop target, macro argument, `self`, `loop`…).
    case parameter
    /// Looked up in the render context when the frame is entered.
    case resolve
    /// Copied, on entry, from the same name `depth` frames up.
    case alias(depth: Int)
    /// Unset (undefined) until assigned.
    case undefined
}

/// The static layout of one frame, filled in by the `Resolver`.
final class FrameLayout: @unchecked Sendable {
    /// Names set on entry (`resolve` and `alias`), in Jinja's order.
    fileprivate(set) var entry: [(name: String, action: LoadAction)] = []
    /// Every name the frame holds.
    fileprivate(set) var refs: Set<String> = []
    /// Names assigned in the frame, parameters included (Jinja's `stores`): what an
    /// include, an import with context or a scoped block receives from this frame.
    fileprivate(set) var stores: [String] = []
    /// Parameters the frame's creator sets.
    fileprivate(set) var parameters: Set<String> = []

    fileprivate func fill(from sym: Symbols) {
        refs = sym.refs
        stores = sym.stores.sorted()
        entry = []
        parameters = []
        for name in sym.loadOrder {
            switch sym.loads[name]! {
            case .parameter: parameters.insert(name)
            case .undefined: break
            case let action: entry.append((name, action))
            }
        }
    }
}

/// The names of one frame during analysis (`idtracking.Symbols`).
private final class Symbols {
    let parent: Symbols?
    var refs: Set<String> = []
    var loads: [String: LoadAction] = [:]
    var loadOrder: [String] = []
    var stores: Set<String> = []

    init(parent: Symbols?) { self.parent = parent }

    /// Frames up to the one holding `name`, or nil.
    func findRef(_ name: String) -> Int? {
        var s: Symbols? = self
        var d = 0
        while let c = s {
            if c.refs.contains(name) { return d }
            s = c.parent
            d += 1
        }
        return nil
    }

    private func define(_ name: String, _ action: LoadAction) {
        refs.insert(name)
        if loads.updateValue(action, forKey: name) == nil { loadOrder.append(name) }
    }

    func load(_ name: String) {
        if findRef(name) == nil { define(name, .resolve) }
    }

    func store(_ name: String) {
        stores.insert(name)
        guard !refs.contains(name) else { return }
        if let d = parent?.findRef(name) {
            define(name, .alias(depth: d + 1))
        } else {
            define(name, .undefined)
        }
    }

    func declareParameter(_ name: String) {
        stores.insert(name)
        define(name, .parameter)
    }

    func copy() -> Symbols {
        let c = Symbols(parent: parent)
        c.refs = refs
        c.loads = loads
        c.loadOrder = loadOrder
        c.stores = stores
        return c
    }

    /// Merges the branches of an `if` (`Symbols.branch_update`): a name assigned in
    /// some branch only is, before the `if`, the enclosing frame's or the context's.
    func branchUpdate(_ branches: [Symbols]) {
        var newStores = Set<String>()
        for b in branches { newStores.formUnion(b.stores) }
        newStores.subtract(stores)
        for b in branches {
            refs.formUnion(b.refs)
            for n in b.loadOrder where loads.updateValue(b.loads[n]!, forKey: n) == nil { loadOrder.append(n) }
            stores.formUnion(b.stores)
        }
        for name in newStores.sorted() {
            if let d = parent?.findRef(name) {
                loads[name] = .alias(depth: d + 1)
            } else {
                loads[name] = .resolve
            }
        }
    }
}

/// Analyses a parsed template: frame layouts, name depths, compile-time errors.
struct Resolver {
    private let templateName: String?

    /// Resolves `template` (called once, before the template is shared).
    static func resolve(_ template: ParsedTemplate, name: String?) throws {
        let r = Resolver(templateName: name)
        try r.resolveTemplate(template)
    }

    private init(templateName: String?) { self.templateName = templateName }

    private func fail(_ message: String, line: Int, kind: TemplateError.Kind = .templateAssertionError) -> TemplateError
    {
        TemplateError(kind, message, template: templateName, line: line)
    }

    // MARK: - functions (root, blocks, macros)

    private func resolveTemplate(_ t: ParsedTemplate) throws {
        let root = Symbols(parent: nil)
        if Undeclared.find(t.body, ["self"]).contains("self") { root.declareParameter("self") }
        for s in t.body { analyze(s, root) }
        try compile(t.body, root, soft: false, toplevel: true)
        t.root.fill(from: root)

        // Blocks are functions of their own, compiled after the root (not children of it).
        for block in Resolver.blocksInOrder(t.body) {
            let sym = Symbols(parent: nil)
            let undeclared = Undeclared.find(block.body, ["self", "super"])
            if undeclared.contains("self") { sym.declareParameter("self") }
            if undeclared.contains("super") { sym.declareParameter("super") }
            for s in block.body { analyze(s, sym) }
            try compile(block.body, sym, soft: false, toplevel: false)
            block.layout.fill(from: sym)
        }
    }

    /// Every block of the template, outer before inner (`node.find_all(nodes.Block)`).
    private static func blocksInOrder(_ body: [Stmt]) -> [Stmt.BlockDef] {
        var out: [Stmt.BlockDef] = []
        Walk.statements(body) { s in
            if case .block(let def) = s.kind { out.append(def) }
        }
        return out
    }

    /// A macro or call block (`CodeGenerator.macro_body`).
    private func compileMacro(_ def: Stmt.MacroDef, parent: Symbols) throws {
        let sym = Symbols(parent: parent)
        for p in def.signature.params { sym.declareParameter(p) }
        for d in def.signature.defaults { load(d, sym) }
        for s in def.body { analyze(s, sym) }

        let params = def.signature.params
        let undeclared = Undeclared.find(def.body, ["caller", "kwargs", "varargs"])
        if undeclared.contains("caller") {
            if let i = params.firstIndex(of: "caller") {
                if i < params.count - def.signature.defaults.count {
                    throw fail(
                        "When defining macros or call blocks the special \"caller\" argument must be omitted or be given a default.",
                        line: def.line)
                }
            } else {
                sym.declareParameter("caller")
            }
            def.usesCaller = true
        }
        if undeclared.contains("kwargs") && !params.contains("kwargs") {
            sym.declareParameter("kwargs")
            def.usesKwargs = true
        }
        if undeclared.contains("varargs") && !params.contains("varargs") {
            sym.declareParameter("varargs")
            def.usesVarargs = true
        }
        for d in def.signature.defaults { try compile(d, sym, soft: false) }
        try compile(def.body, sym, soft: false, toplevel: false)
        def.layout.fill(from: sym)
    }

    // MARK: - frame analysis (FrameSymbolVisitor)

    /// Records what a statement of a frame loads and stores in that frame (nested
    /// frames are analysed when compiled).
    private func analyze(_ s: Stmt, _ sym: Symbols) {
        switch s.kind {
        case .output(let items):
            for case .expr(let e) in items { load(e, sym) }
        case .forLoop(_, let iter, _, _, _, _, _):
            load(iter, sym)
        case .ifStmt(let branches, let orElse):
            analyzeIf(branches[...], orElse, sym)
        case .set(let target, let value):
            load(value, sym)
            store(target, sym)
        case .setBlock(let target, _, _, _):
            store(target, sym)
        case .with(_, let values, _, _):
            for v in values { load(v, sym) }
        case .macro(let def):
            sym.store(def.name)
        case .callBlock(let call, _):
            load(call, sym)
        case .filterBlock(let filter, _, _):
            load(filter, sym)
        case .block, .autoescape:
            break
        case .extends(let e), .include(let e, _, _):
            load(e, sym)
        case .importAs(let e, let target, _):
            load(e, sym)
            sym.store(target)
        case .fromImport(let e, let names, _):
            load(e, sym)
            for (_, alias) in names { sym.store(alias) }
        }
    }

    /// `visit_If`: the test in the frame, each branch on a copy, then merged. Jinja
    /// keeps the `elif`s as nested `If` nodes visited together on one copy.
    private func analyzeIf(_ branches: ArraySlice<(Expr, [Stmt])>, _ orElse: [Stmt], _ sym: Symbols) {
        guard let (test, body) = branches.first else { return }
        load(test, sym)
        let bodySym = sym.copy()
        for s in body { analyze(s, bodySym) }
        let elifSym = sym.copy()
        for elif in branches.dropFirst() { analyzeIf([elif][...], [], elifSym) }
        let elseSym = sym.copy()
        for s in orElse { analyze(s, elseSym) }
        sym.branchUpdate([bodySym, elifSym, elseSym])
    }

    private func load(_ e: Expr, _ sym: Symbols) {
        Walk.expression(e) { x in
            switch x.kind {
            case .name(let n), .nsRef(let n, _): sym.load(n)
            default: break
            }
        }
    }

    /// An assignment target: names are stored (or declared as parameters), the
    /// namespace of `ns.attr` is loaded.
    private func store(_ e: Expr, _ sym: Symbols, asParameter: Bool = false) {
        switch e.kind {
        case .name(let n): asParameter ? sym.declareParameter(n) : sym.store(n)
        case .tuple(let xs): for x in xs { store(x, sym, asParameter: asParameter) }
        case .nsRef(let n, _): sym.load(n)
        default: break
        }
    }

    // MARK: - code generation order

    private func compile(_ body: [Stmt], _ sym: Symbols, soft: Bool, toplevel: Bool) throws {
        for s in body { try compile(s, sym, soft: soft, toplevel: toplevel) }
    }

    private func compile(_ s: Stmt, _ sym: Symbols, soft: Bool, toplevel: Bool) throws {
        switch s.kind {
        case .output(let items):
            for case .expr(let e) in items { try compile(e, sym, soft: soft) }

        case .forLoop(let target, let iter, let body, let orElse, let filter, let recursive, let frames):
            frames.extended =
                recursive || Undeclared.find(body, ["loop"]).contains("loop") || Resolver.hasScopedBlock(s)
            let loopSym = Symbols(parent: sym)
            if frames.extended { loopSym.declareParameter("loop") }
            store(target, loopSym, asParameter: true)
            for x in body { analyze(x, loopSym) }
            let elseSym = Symbols(parent: sym)
            for x in orElse { analyze(x, elseSym) }
            if let filter {
                let testSym = Symbols(parent: sym)
                store(target, testSym, asParameter: true)
                load(filter, testSym)
                try compile(filter, testSym, soft: false)
                frames.test.fill(from: testSym)
            }
            if let line = Resolver.loopAssignment(s) {
                throw fail("Can't assign to special loop variable in for-loop target", line: line)
            }
            try compile(iter, sym, soft: soft)
            try compile(body, loopSym, soft: false, toplevel: false)
            try compile(orElse, elseSym, soft: false, toplevel: false)
            frames.body.fill(from: loopSym)
            frames.orElse.fill(from: elseSym)

        case .ifStmt(let branches, let orElse):
            for (test, body) in branches {
                try compile(test, sym, soft: true)
                try compile(body, sym, soft: true, toplevel: toplevel)
            }
            try compile(orElse, sym, soft: true, toplevel: toplevel)

        case .set(let target, let value):
            try compileTarget(target, sym)
            try compile(value, sym, soft: soft)

        case .setBlock(let target, let filter, let body, let frame):
            let blockSym = Symbols(parent: sym)
            for x in body { analyze(x, blockSym) }
            try compile(body, blockSym, soft: false, toplevel: false)
            try compileTarget(target, sym)
            if let filter { try compile(filter, blockSym, soft: false) }
            frame.fill(from: blockSym)

        case .with(let targets, let values, let body, let frame):
            let withSym = Symbols(parent: sym)
            for t in targets { store(t, withSym, asParameter: true) }
            for x in body { analyze(x, withSym) }
            for v in values { try compile(v, sym, soft: soft) }
            try compile(body, withSym, soft: false, toplevel: false)
            frame.fill(from: withSym)

        case .macro(let def):
            try compileMacro(def, parent: sym)

        case .callBlock(let call, let caller):
            try compileMacro(caller, parent: sym)
            try compile(call, sym, soft: soft)

        case .filterBlock(let filter, let body, let frame):
            let filterSym = Symbols(parent: sym)
            for x in body { analyze(x, filterSym) }
            load(filter, filterSym)
            try compile(body, filterSym, soft: false, toplevel: false)
            try compile(filter, filterSym, soft: false)
            frame.fill(from: filterSym)

        case .block:
            break

        case .extends(let e):
            if !toplevel { throw fail("cannot use extend from a non top-level scope", line: s.line) }
            try compile(e, sym, soft: soft)

        case .include(let e, _, _), .importAs(let e, _, _), .fromImport(let e, _, _):
            try compile(e, sym, soft: soft)

        case .autoescape(let e, let body, let frame):
            let scopeSym = Symbols(parent: sym)
            load(e, scopeSym)
            for x in body { analyze(x, scopeSym) }
            try compile(e, scopeSym, soft: false)
            try compile(body, scopeSym, soft: false, toplevel: false)
            frame.fill(from: scopeSym)
        }
    }

    /// The namespace of an `ns.attr = …` target is loaded.
    private func compileTarget(_ e: Expr, _ sym: Symbols) throws {
        switch e.kind {
        case .nsRef(let n, _): e.depth = try depth(n, sym, line: e.line)
        case .tuple(let xs): for x in xs { try compileTarget(x, sym) }
        default: break
        }
    }

    private func depth(_ name: String, _ sym: Symbols, line: Int) throws -> Int {
        guard let d = sym.findRef(name) else {
            throw fail(
                "Tried to resolve a name to a reference that was unknown to the frame (\(pyRepr(name)))", line: line,
                kind: .assertionError)
        }
        return d
    }

    /// Sets name depths; unknown filters and tests fail outside soft frames (`if`
    /// statements and conditional expressions), checked before their operands as in
    /// `CodeGenerator._filter_test_common`.
    private func compile(_ e: Expr, _ sym: Symbols, soft: Bool) throws {
        switch e.kind {
        case .const: break
        case .name(let n): e.depth = try depth(n, sym, line: e.line)
        case .nsRef(let n, _): e.depth = try depth(n, sym, line: e.line)
        case .getattr(let a, _), .neg(let a), .pos(let a), .not(let a):
            try compile(a, sym, soft: soft)
        case .getitem(let a, let b), .binary(_, let a, let b), .and(let a, let b), .or(let a, let b):
            try compile(a, sym, soft: soft)
            try compile(b, sym, soft: soft)
        case .slice(let a, let b, let c):
            for x in [a, b, c] { if let x { try compile(x, sym, soft: soft) } }
        case .list(let xs), .tuple(let xs), .concat(let xs):
            for x in xs { try compile(x, sym, soft: soft) }
        case .dict(let pairs):
            for (k, v) in pairs {
                try compile(k, sym, soft: soft)
                try compile(v, sym, soft: soft)
            }
        case .compare(let a, let ops):
            try compile(a, sym, soft: soft)
            for (_, b) in ops { try compile(b, sym, soft: soft) }
        case .condExpr(let test, let then, let otherwise):
            try compile(then, sym, soft: true)
            try compile(test, sym, soft: true)
            if let otherwise { try compile(otherwise, sym, soft: true) }
        case .call(let f, let args):
            try compile(f, sym, soft: soft)
            try compile(args, sym, soft: soft)
        case .filter(let operand, let name, let fn, let args):
            if fn == nil && !soft { throw fail("No filter named \(pyRepr(name)).", line: e.line) }
            if let operand { try compile(operand, sym, soft: soft) }
            try compile(args, sym, soft: soft)
        case .test(let operand, let name, let fn, let args):
            if fn == nil && !soft { throw fail("No test named \(pyRepr(name)).", line: e.line) }
            try compile(operand, sym, soft: soft)
            try compile(args, sym, soft: soft)
        }
    }

    private func compile(_ args: Expr.Args, _ sym: Symbols, soft: Bool) throws {
        for a in args.positional { try compile(a, sym, soft: soft) }
        for (_, a) in args.keywords { try compile(a, sym, soft: soft) }
        if let d = args.dynArgs { try compile(d, sym, soft: soft) }
        if let d = args.dynKwargs { try compile(d, sym, soft: soft) }
    }

    // MARK: - node searches

    /// Any scoped block inside a for loop (which then always gets `loop`).
    private static func hasScopedBlock(_ s: Stmt) -> Bool {
        var found = false
        Walk.statements([s]) { x in
            if case .block(let def) = x.kind, def.scoped { found = true }
        }
        return found
    }

    /// The line of an assignment to `loop` anywhere inside a for loop, if any.
    private static func loopAssignment(_ s: Stmt) -> Int? {
        var line: Int?
        func target(_ e: Expr) {
            switch e.kind {
            case .name("loop"): if line == nil { line = e.line }
            case .tuple(let xs): xs.forEach(target)
            default: break
            }
        }
        Walk.statements([s]) { x in
            switch x.kind {
            // (`with` targets are parameters, not stores, in Jinja's parser.)
            case .forLoop(let t, _, _, _, _, _, _), .set(let t, _), .setBlock(let t, _, _, _): target(t)
            default: break
            }
        }
        return line
    }
}

/// Pre-order walks over statements (into every nested body) and expressions.
private enum Walk {
    static func statements(_ body: [Stmt], _ visit: (Stmt) -> Void) {
        for s in body {
            visit(s)
            switch s.kind {
            case .forLoop(_, _, let b, let e, _, _, _):
                statements(b, visit)
                statements(e, visit)
            case .ifStmt(let branches, let orElse):
                for (_, b) in branches { statements(b, visit) }
                statements(orElse, visit)
            case .setBlock(_, _, let b, _), .with(_, _, let b, _), .filterBlock(_, let b, _), .autoescape(_, let b, _):
                statements(b, visit)
            case .macro(let def), .callBlock(_, let def):
                statements(def.body, visit)
            case .block(let def):
                statements(def.body, visit)
            default: break
            }
        }
    }

    static func expression(_ e: Expr, _ visit: (Expr) -> Void) {
        visit(e)
        switch e.kind {
        case .const, .name, .nsRef: break
        case .getattr(let a, _), .neg(let a), .pos(let a), .not(let a): expression(a, visit)
        case .getitem(let a, let b), .binary(_, let a, let b), .and(let a, let b), .or(let a, let b):
            expression(a, visit)
            expression(b, visit)
        case .slice(let a, let b, let c):
            for x in [a, b, c] { if let x { expression(x, visit) } }
        case .list(let xs), .tuple(let xs), .concat(let xs): for x in xs { expression(x, visit) }
        case .dict(let pairs):
            for (k, v) in pairs {
                expression(k, visit)
                expression(v, visit)
            }
        case .compare(let a, let ops):
            expression(a, visit)
            for (_, b) in ops { expression(b, visit) }
        case .condExpr(let t, let a, let b):
            expression(t, visit)
            expression(a, visit)
            if let b { expression(b, visit) }
        case .call(let f, let args):
            expression(f, visit)
            arguments(args, visit)
        case .filter(let operand, _, _, let args):
            if let operand { expression(operand, visit) }
            arguments(args, visit)
        case .test(let operand, _, _, let args):
            expression(operand, visit)
            arguments(args, visit)
        }
    }

    static func arguments(_ args: Expr.Args, _ visit: (Expr) -> Void) {
        for a in args.positional { expression(a, visit) }
        for (_, a) in args.keywords { expression(a, visit) }
        if let d = args.dynArgs { expression(d, visit) }
        if let d = args.dynKwargs { expression(d, visit) }
    }
}

/// Jinja's `find_undeclared` (`UndeclaredNameVisitor`): which of `names` are loaded
/// before being assigned, in node field order, not looking into blocks.
private final class Undeclared {
    private var names: Set<String>
    private var found: Set<String> = []
    private var done = false

    private init(_ names: Set<String>) { self.names = names }

    static func find(_ body: [Stmt], _ names: Set<String>) -> Set<String> {
        let u = Undeclared(names)
        u.statements(body)
        return u.found
    }

    private func name(_ n: String, load: Bool) {
        guard !done else { return }
        if load && names.contains(n) {
            found.insert(n)
            if found == names { done = true }
        } else {
            names.remove(n)
        }
    }

    private func target(_ e: Expr) {
        switch e.kind {
        case .name(let n): name(n, load: false)
        case .tuple(let xs): xs.forEach(target)
        default: break
        }
    }

    private func expr(_ e: Expr?) {
        guard let e, !done else { return }
        switch e.kind {
        case .name(let n): name(n, load: true)
        case .const, .nsRef: break
        case .getattr(let a, _), .neg(let a), .pos(let a), .not(let a): expr(a)
        case .getitem(let a, let b), .binary(_, let a, let b), .and(let a, let b), .or(let a, let b):
            expr(a)
            expr(b)
        case .slice(let a, let b, let c):
            expr(a)
            expr(b)
            expr(c)
        case .list(let xs), .tuple(let xs), .concat(let xs): xs.forEach(expr)
        case .dict(let pairs):
            for (k, v) in pairs {
                expr(k)
                expr(v)
            }
        case .compare(let a, let ops):
            expr(a)
            for (_, b) in ops { expr(b) }
        case .condExpr(let t, let a, let b):
            expr(t)
            expr(a)
            expr(b)
        case .call(let f, let args):
            expr(f)
            arguments(args)
        case .filter(let operand, _, _, let args):
            expr(operand)
            arguments(args)
        case .test(let operand, _, _, let args):
            expr(operand)
            arguments(args)
        }
    }

    private func arguments(_ args: Expr.Args) {
        args.positional.forEach(expr)
        for (_, a) in args.keywords { expr(a) }
        expr(args.dynArgs)
        expr(args.dynKwargs)
    }

    private func macro(_ def: Stmt.MacroDef) {
        for p in def.signature.params { name(p, load: false) }
        def.signature.defaults.forEach(expr)
        statements(def.body)
    }

    private func statements(_ body: [Stmt]) {
        for s in body where !done {
            switch s.kind {
            case .output(let items):
                for case .expr(let e) in items { expr(e) }
            case .forLoop(let t, let iter, let b, let e, let filter, _, _):
                target(t)
                expr(iter)
                statements(b)
                statements(e)
                expr(filter)
            case .ifStmt(let branches, let orElse):
                for (test, b) in branches {
                    expr(test)
                    statements(b)
                }
                statements(orElse)
            case .set(let t, let v):
                target(t)
                expr(v)
            case .setBlock(let t, let filter, let b, _):
                target(t)
                expr(filter)
                statements(b)
            case .with(let ts, let vs, let b, _):
                ts.forEach(target)
                vs.forEach(expr)
                statements(b)
            case .macro(let def):
                macro(def)
            case .callBlock(let call, let def):
                expr(call)
                for p in def.signature.params { name(p, load: false) }
                def.signature.defaults.forEach(expr)
                statements(def.body)
            case .filterBlock(let f, let b, _):
                statements(b)
                expr(f)
            case .block:
                break
            case .extends(let e), .include(let e, _, _), .importAs(let e, _, _), .fromImport(let e, _, _):
                expr(e)
            case .autoescape(let e, let b, _):
                expr(e)
                statements(b)
            }
        }
    }
}
