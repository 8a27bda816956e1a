/// Expression nodes (`jinja2/nodes.py` Expr subclasses). Each node carries its line.
final class Expr: @unchecked Sendable {
    let kind: Kind
    let line: Int
    /// The source the expression covers (set by the parser).
    var span = SourceSpan(start: 0, end: 0)
    /// Levels of nodes from this one down to its deepest leaf (set by the parser, which
    /// refuses trees too deep to walk by recursion).
    var height = 1
    /// For a loaded name (`.name`, and the namespace of `.nsRef`): how many frames up
    /// the name's ref lives, set by the `Resolver`; -1 when not resolved.
    var depth = -1

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
    /// The statement's opening tag (`{% for … %}`), set by the parser; nil for output.
    var span: SourceSpan?

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
        let line: Int
        /// Whether the macro takes the special `caller`, `varargs`, `kwargs` parameters
        /// (the body loads them; Jinja's `find_undeclared`). Set by the `Resolver`.
        var usesCaller = false, usesVarargs = false, usesKwargs = false
        /// The macro's frame (parameters first). Set by the `Resolver`.
        let layout = FrameLayout()

        init(name: String, signature: Signature, body: [Stmt], line: Int) {
            self.name = name
            self.signature = signature
            self.body = body
            self.line = line
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
        /// The block function's frame (a root of its own, not a child of the template's).
        let layout = FrameLayout()

        init(name: String, scoped: Bool, required: Bool, body: [Stmt], templateName: String?) {
            self.name = name
            self.scoped = scoped
            self.required = required
            self.body = body
            self.templateName = templateName
        }
    }

    /// The frames of a for loop: the body (per iteration), the `else` body and the
    /// `if` filter, and whether the body gets the `loop` variable.
    final class LoopFrames: @unchecked Sendable {
        let body = FrameLayout()
        let orElse = FrameLayout()
        let test = FrameLayout()
        /// Jinja's `extended_loop`: recursive, `loop` used in the body, or a scoped block
        /// inside. Otherwise `loop` is not defined in the body (nor passed to includes).
        var extended = false
    }

    enum Kind {
        case output([OutputItem])
        case forLoop(
            target: Expr, iter: Expr, body: [Stmt], orElse: [Stmt], filter: Expr?, recursive: Bool,
            frames: LoopFrames)
        case ifStmt(branches: [(Expr, [Stmt])], orElse: [Stmt])
        case set(target: Expr, value: Expr)
        case setBlock(target: Expr, filter: Expr?, body: [Stmt], frame: FrameLayout)
        case with(targets: [Expr], values: [Expr], body: [Stmt], frame: FrameLayout)
        case macro(MacroDef)
        case callBlock(call: Expr, caller: MacroDef)
        case filterBlock(filter: Expr, body: [Stmt], frame: FrameLayout)
        case block(BlockDef)
        case extends(Expr)
        case include(template: Expr, ignoreMissing: Bool, withContext: Bool)
        case importAs(template: Expr, target: String, withContext: Bool)
        case fromImport(template: Expr, names: [(String, String)], withContext: Bool)
        /// `{% autoescape %}`: a scope of its own (Jinja wraps it in `nodes.Scope`).
        case autoescape(Expr, [Stmt], frame: FrameLayout)
    }
}

extension Expr {
    /// The direct operands of the node, in no particular order.
    var children: [Expr] {
        func args(_ a: Args) -> [Expr] {
            a.positional + a.keywords.map(\.1) + [a.dynArgs, a.dynKwargs].compactMap { $0 }
        }
        switch kind {
        case .const, .name, .nsRef: return []
        case .getattr(let a, _), .neg(let a), .pos(let a), .not(let a): return [a]
        case .getitem(let a, let b), .binary(_, let a, let b), .and(let a, let b), .or(let a, let b): return [a, b]
        case .slice(let a, let b, let c): return [a, b, c].compactMap { $0 }
        case .list(let xs), .tuple(let xs), .concat(let xs): return xs
        case .dict(let pairs): return pairs.flatMap { [$0.0, $0.1] }
        case .compare(let a, let ops): return [a] + ops.map(\.1)
        case .condExpr(let t, let a, let b): return [t, a] + (b.map { [$0] } ?? [])
        case .call(let f, let a): return [f] + args(a)
        case .filter(let operand, _, _, let a): return (operand.map { [$0] } ?? []) + args(a)
        case .test(let operand, _, _, let a): return [operand] + args(a)
        }
    }
}
