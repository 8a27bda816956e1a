/// Expression nodes (`jinja2/nodes.py` Expr subclasses). Each node carries its line.
final class Expr: @unchecked Sendable {
    let kind: Kind
    let line: Int

    init(_ kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }

    /// Arguments of a call, filter or test: positional, keyword, `*args`, `**kwargs`.
    struct Args {
        var positional: [Expr] = []
        var keywords: [(String, Expr)] = []
        var dynArgs: Expr?
        var dynKwargs: Expr?
    }

    enum BinOp: String {
        case add = "+", sub = "-", mul = "*", div = "/", floordiv = "//", mod = "%", pow = "**"
    }

    enum CmpOp: String {
        case eq = "==", ne = "!=", lt = "<", lteq = "<=", gt = ">", gteq = ">=", `in` = "in", notin = "not in"
    }

    enum Kind {
        case const(Value)
        case name(String)
        /// `a.b` (attribute first, then item, as Jinja's `getattr`).
        case getattr(Expr, String)
        /// `a[b]` (item first, then attribute, as Jinja's `getitem`).
        case getitem(Expr, Expr)
        case slice(Expr?, Expr?, Expr?)
        case list([Expr])
        case tuple([Expr])
        case dict([(Expr, Expr)])
        case binary(BinOp, Expr, Expr)
        case neg(Expr)
        case pos(Expr)
        case not(Expr)
        case and(Expr, Expr)
        case or(Expr, Expr)
        case concat([Expr])
        case compare(Expr, [(CmpOp, Expr)])
        /// `a if cond else b`; `otherwise` nil yields an undefined when false.
        case condExpr(test: Expr, then: Expr, otherwise: Expr?)
        case call(Expr, Args)
        /// A filter; `operand` nil inside `{% filter %}` blocks (the body is the operand).
        case filter(operand: Expr?, name: String, function: Filter?, args: Args)
        case test(operand: Expr, name: String, function: Test?, args: Args)
        /// `ns.attr` as an assignment target.
        case nsRef(String, String)
    }
}

/// Statement nodes (`jinja2/nodes.py` Stmt subclasses).
final class Stmt: @unchecked Sendable {
    let kind: Kind
    let line: Int

    init(_ kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }

    /// One item of an output run: literal text or a `{{ … }}` expression.
    enum OutputItem {
        case text(String)
        case expr(Expr)
    }

    /// A macro or call-block signature.
    struct Signature {
        var params: [String]
        /// Defaults for the last `defaults.count` parameters.
        var defaults: [Expr]
    }

    final class MacroDef: @unchecked Sendable {
        let name: String
        let signature: Signature
        let body: [Stmt]
        /// Whether the body mentions `caller`, `varargs`, `kwargs` (Jinja's find_undeclared).
        let usesCaller: Bool, usesVarargs: Bool, usesKwargs: Bool

        init(name: String, signature: Signature, body: [Stmt]) {
            self.name = name
            self.signature = signature
            self.body = body
            var names = Set<String>()
            NameCollector.collect(body, into: &names)
            usesCaller = names.contains("caller")
            usesVarargs = names.contains("varargs")
            usesKwargs = names.contains("kwargs")
        }
    }

    final class BlockDef: @unchecked Sendable {
        let name: String
        let scoped: Bool
        let required: Bool
        let body: [Stmt]
        /// The template that defines the block (for names in errors).
        let templateName: String?
        /// The template object, set once it is built (its environment loads for the block).
        weak var owner: Template?

        init(name: String, scoped: Bool, required: Bool, body: [Stmt], templateName: String?) {
            self.name = name
            self.scoped = scoped
            self.required = required
            self.body = body
            self.templateName = templateName
        }
    }

    enum Kind {
        case output([OutputItem])
        case forLoop(
            target: Expr, iter: Expr, body: [Stmt], orElse: [Stmt], filter: Expr?, recursive: Bool)
        case ifStmt(branches: [(Expr, [Stmt])], orElse: [Stmt])
        case set(target: Expr, value: Expr)
        case setBlock(target: Expr, filter: Expr?, body: [Stmt])
        case with(targets: [Expr], values: [Expr], body: [Stmt])
        case macro(MacroDef)
        case callBlock(call: Expr, caller: MacroDef)
        case filterBlock(filter: Expr, body: [Stmt])
        case block(BlockDef)
        case extends(Expr)
        case include(template: Expr, ignoreMissing: Bool, withContext: Bool)
        case importAs(template: Expr, target: String, withContext: Bool)
        case fromImport(template: Expr, names: [(String, String)], withContext: Bool)
        case autoescape(Expr, [Stmt])
    }
}

/// Collects every name loaded anywhere under some statements (like Jinja's
/// `find_undeclared` for the special macro names).
enum NameCollector {
    static func collect(_ body: [Stmt], into names: inout Set<String>) {
        for s in body { collect(s, into: &names) }
    }

    static func collect(_ s: Stmt, into names: inout Set<String>) {
        switch s.kind {
        case .output(let items):
            for case .expr(let e) in items { collect(e, into: &names) }
        case .forLoop(_, let iter, let body, let orElse, let filter, _):
            collect(iter, into: &names)
            collect(body, into: &names)
            collect(orElse, into: &names)
            if let filter { collect(filter, into: &names) }
        case .ifStmt(let branches, let orElse):
            for (t, b) in branches {
                collect(t, into: &names)
                collect(b, into: &names)
            }
            collect(orElse, into: &names)
        case .set(_, let v): collect(v, into: &names)
        case .setBlock(_, let f, let body):
            if let f { collect(f, into: &names) }
            collect(body, into: &names)
        case .with(_, let values, let body):
            for v in values { collect(v, into: &names) }
            collect(body, into: &names)
        case .macro(let m):
            for d in m.signature.defaults { collect(d, into: &names) }
            collect(m.body, into: &names)
        case .callBlock(let call, let caller):
            collect(call, into: &names)
            collect(caller.body, into: &names)
        case .filterBlock(let f, let body):
            collect(f, into: &names)
            collect(body, into: &names)
        case .block(let b): collect(b.body, into: &names)
        case .extends(let e), .include(let e, _, _), .importAs(let e, _, _), .fromImport(let e, _, _):
            collect(e, into: &names)
        case .autoescape(let e, let body):
            collect(e, into: &names)
            collect(body, into: &names)
        }
    }

    static func collect(_ args: Expr.Args, into names: inout Set<String>) {
        for a in args.positional { collect(a, into: &names) }
        for (_, a) in args.keywords { collect(a, into: &names) }
        if let d = args.dynArgs { collect(d, into: &names) }
        if let d = args.dynKwargs { collect(d, into: &names) }
    }

    static func collect(_ e: Expr, into names: inout Set<String>) {
        switch e.kind {
        case .const, .nsRef: break
        case .name(let n): names.insert(n)
        case .getattr(let a, _), .neg(let a), .pos(let a), .not(let a): collect(a, into: &names)
        case .getitem(let a, let b), .binary(_, let a, let b), .and(let a, let b), .or(let a, let b):
            collect(a, into: &names)
            collect(b, into: &names)
        case .slice(let a, let b, let c):
            for x in [a, b, c] { if let x { collect(x, into: &names) } }
        case .list(let xs), .tuple(let xs), .concat(let xs):
            for x in xs { collect(x, into: &names) }
        case .dict(let pairs):
            for (k, v) in pairs {
                collect(k, into: &names)
                collect(v, into: &names)
            }
        case .compare(let a, let ops):
            collect(a, into: &names)
            for (_, b) in ops { collect(b, into: &names) }
        case .condExpr(let t, let a, let b):
            collect(t, into: &names)
            collect(a, into: &names)
            if let b { collect(b, into: &names) }
        case .call(let f, let args):
            collect(f, into: &names)
            collect(args, into: &names)
        case .filter(let operand, _, _, let args):
            if let operand { collect(operand, into: &names) }
            collect(args, into: &names)
        case .test(let operand, _, _, let args):
            collect(operand, into: &names)
            collect(args, into: &names)
        }
    }
}
