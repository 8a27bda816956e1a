/// A parsed template: its top-level statements and the blocks it defines.
struct ParsedTemplate: Sendable {
    let body: [Stmt]
    /// Blocks by name, as Jinja registers them at template creation.
    let blocks: [String: Stmt.BlockDef]
    /// Blocks in source order (Jinja compiles their functions in this order).
    let blockOrder: [Stmt.BlockDef]
    /// The frame of the template's root render function. Set by the `Resolver`.
    let root = FrameLayout()
}

/// Jinja2's recursive-descent parser (`jinja2/parser.py`), producing `Stmt`/`Expr` trees.
/// Filters and tests are looked up here; the `Resolver` then reports unknown ones as
/// Jinja's code generator does.
struct Parser {
    private var tokens: [Token]
    private var i = 0
    private let name: String?
    private let filters: [String: Filter]
    private let tests: [String: Test]
    private var tagStack: [String] = []
    private var endTokenStack: [[String]] = []
    private var blocks: [String: Stmt.BlockDef] = [:]
    private var blockOrder: [Stmt.BlockDef] = []
    /// Nesting of expressions and of statements: templates nested deeper than this
    /// fail (Jinja2 hits Python's recursion or indentation limits earlier) instead of
    /// exhausting the stack.
    private var expressionNesting = 0
    private var statementNesting = 0
    static let maxExpressionNesting = 100
    /// The deepest expression tree (the renderer and the resolver walk it by recursion).
    static let maxExpressionHeight = 400
    static let maxStatementNesting = 200

    private func tooDeep() -> TemplateError {
        fail("maximum recursion depth exceeded during compilation", kind: .recursionError)
    }

    init(tokens: [Token], name: String?, filters: [String: Filter], tests: [String: Test]) {
        self.tokens = tokens
        self.name = name
        self.filters = filters
        self.tests = tests
    }

    // MARK: - token stream

    /// True once the parser has reached the end of the tokens.
    var atEnd: Bool { current.kind == .eof }

    private var current: Token { tokens[i] }
    private func look() -> Token { tokens[min(i + 1, tokens.count - 1)] }
    private mutating func next() -> Token {
        let t = tokens[i]
        if i < tokens.count - 1 { i += 1 }
        lastEnd = t.end
        return t
    }

    /// The end offset of the last token consumed: where the node being built ends.
    private var lastEnd = 0

    /// An expression node spanning from `start` to the last token consumed. (Parse the
    /// operands before the call: a non-mutating call reads `self` before its arguments.)
    private func node(_ kind: Expr.Kind, line: Int, from start: Int) throws -> Expr {
        let e = Expr(kind, line: line)
        e.span = SourceSpan(start: start, end: lastEnd)
        e.height = 1 + (e.children.lazy.map(\.height).max() ?? 0)
        // Operator chains (`1 + 1 + …`, `x|f|f…`, `a.b.c…`) build deep trees without
        // nesting brackets; Jinja2 fails on them in Python's compiler.
        if e.height > Parser.maxExpressionHeight { throw tooDeep() }
        return e
    }

    /// A syntax error at the current token (the one the parser could not take).
    private func fail(_ message: String, line: Int? = nil, kind: TemplateError.Kind = .templateSyntaxError)
        -> TemplateError
    {
        var e = TemplateError(kind, message, template: name, line: line ?? current.line)
        if line == nil || line == current.line { e.span = current.span }
        return e
    }

    private static func describe(expr: String) -> String {
        switch expr {
        case "variable_end": return "end of print statement"
        case "block_end": return "end of statement block"
        case "name": return "name"
        default: return expr
        }
    }

    private mutating func expectOp(_ op: String) throws {
        guard current.isOp(op) else { throw unexpected(expected: op) }
        _ = next()
    }

    private mutating func expectName(_ value: String) throws {
        guard current.isName(value) else { throw unexpected(expected: value) }
        _ = next()
    }

    private mutating func expectKind(_ kind: TokenKind, _ what: String) throws -> Token {
        guard current.kind == kind else { throw unexpected(expected: what) }
        return next()
    }

    private func unexpected(expected: String) -> TemplateError {
        if current.kind == .eof { return fail("unexpected end of template, expected '\(expected)'.") }
        return fail("expected token '\(expected)', got '\(current.description)'")
    }

    private mutating func skipName(_ value: String) -> Bool {
        if current.isName(value) {
            _ = next()
            return true
        }
        return false
    }

    private mutating func skipOp(_ op: String) -> Bool {
        if current.isOp(op) {
            _ = next()
            return true
        }
        return false
    }

    // MARK: - templates and statements

    /// Parses the whole token stream.
    mutating func parse() throws -> ParsedTemplate {
        let body = try subparse(endTokens: nil)
        return ParsedTemplate(body: body, blocks: blocks, blockOrder: blockOrder)
    }

    private mutating func subparse(endTokens: [String]?) throws -> [Stmt] {
        var body: [Stmt] = []
        var items: [Stmt.OutputItem] = []
        var itemsLine = 0
        if let endTokens { endTokenStack.append(endTokens) }
        defer { if endTokens != nil { endTokenStack.removeLast() } }

        func flush() {
            if !items.isEmpty {
                body.append(Stmt(.output(items), line: itemsLine))
                items.removeAll()
            }
        }
        while current.kind != .eof {
            let tok = current
            switch tok.kind {
            case .data:
                if items.isEmpty { itemsLine = tok.line }
                items.append(.text(tok.text))
                _ = next()
            case .variableBegin:
                if items.isEmpty { itemsLine = tok.line }
                _ = next()
                items.append(.expr(try parseTuple(withCondexpr: true)))
                _ = try expectKind(.variableEnd, "end of print statement")
            case .blockBegin:
                flush()
                let open = i
                _ = next()
                if let endTokens, current.kind == .name, endTokens.contains(current.text) {
                    return body
                }
                let statement = try parseStatement()
                statement.span = tagSpan(from: open)
                body.append(statement)
                _ = try expectKind(.blockEnd, "end of statement block")
            default:
                throw fail("unexpected '\(tok.description)'")
            }
        }
        flush()
        return body
    }

    /// The span of the tag that opens at token `open` (`{%` up to its `%}`).
    private func tagSpan(from open: Int) -> SourceSpan {
        var j = open
        while j < tokens.count - 1, tokens[j].kind != .blockEnd { j += 1 }
        return SourceSpan(start: tokens[open].start, end: tokens[j].end)
    }

    private mutating func failUnknownTag(_ tag: String?, line: Int) -> TemplateError {
        var expected = Set<String>()
        for e in endTokenStack { expected.formUnion(e) }
        var message = tag.map { ["Encountered unknown tag '\($0)'."] } ?? ["Unexpected end of template."]
        if let looking = endTokenStack.last {
            let list = looking.map { "'\($0)'" }.joined(separator: " or ")
            if let tag, expected.contains(tag) {
                message.append(
                    "You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for \(list)."
                )
            } else {
                message.append("Jinja was looking for the following tags: \(list).")
            }
        }
        if let inner = tagStack.last {
            message.append("The innermost block that needs to be closed is '\(inner)'.")
        }
        return fail(message.joined(separator: " "), line: line)
    }

    private static let statementKeywords: Set<String> = [
        "for", "if", "block", "extends", "print", "macro", "include", "from", "import", "set", "with",
        "autoescape", "call", "filter",
    ]

    private mutating func parseStatement() throws -> Stmt {
        statementNesting += 1
        defer { statementNesting -= 1 }
        if statementNesting > Parser.maxStatementNesting { throw tooDeep() }
        let tok = current
        guard tok.kind == .name else { throw fail("tag name expected") }
        guard Parser.statementKeywords.contains(tok.text) else {
            throw failUnknownTag(tok.text, line: tok.line)
        }
        tagStack.append(tok.text)
        defer { tagStack.removeLast() }
        switch tok.text {
        case "for": return try parseFor()
        case "if": return try parseIf()
        case "block": return try parseBlock()
        case "extends":
            _ = next()
            return Stmt(.extends(try parseExpression()), line: tok.line)
        case "print":
            _ = next()
            var exprs: [Expr] = []
            while current.kind != .blockEnd {
                if !exprs.isEmpty { try expectOp(",") }
                exprs.append(try parseExpression())
            }
            return Stmt(.output(exprs.map { .expr($0) }), line: tok.line)
        case "macro": return try parseMacro()
        case "include": return try parseInclude()
        case "from": return try parseFrom()
        case "import": return try parseImport()
        case "set": return try parseSet()
        case "with": return try parseWith()
        case "autoescape":
            _ = next()
            let e = try parseExpression()
            let body = try parseStatements(["endautoescape"], dropNeedle: true)
            return Stmt(.autoescape(e, body, frame: FrameLayout()), line: tok.line)
        case "call": return try parseCallBlock()
        default: return try parseFilterBlock()
        }
    }

    /// Parses a body up to one of `endTokens` (the matched end name stays current
    /// unless `dropNeedle`).
    private mutating func parseStatements(_ endTokens: [String], dropNeedle: Bool = false) throws -> [Stmt] {
        _ = skipOp(":")
        _ = try expectKind(.blockEnd, "end of statement block")
        let result = try subparse(endTokens: endTokens)
        if current.kind == .eof {
            var stack = endTokenStack
            stack.append(endTokens)
            let saved = endTokenStack
            endTokenStack = stack
            defer { endTokenStack = saved }
            throw failUnknownTag(nil, line: current.line)
        }
        if dropNeedle { _ = next() }
        return result
    }

    private mutating func parseFor() throws -> Stmt {
        let line = next().line
        let target = try parseAssignTarget(extraEnd: ["in"])
        try expectName("in")
        let iter = try parseTuple(withCondexpr: false, extraEnd: ["recursive"])
        var test: Expr?
        if skipName("if") { test = try parseExpression() }
        let recursive = skipName("recursive")
        let body = try parseStatements(["endfor", "else"])
        var orElse: [Stmt] = []
        if next().text != "endfor" {
            orElse = try parseStatements(["endfor"], dropNeedle: true)
        }
        return Stmt(
            .forLoop(
                target: target, iter: iter, body: body, orElse: orElse, filter: test, recursive: recursive,
                frames: Stmt.LoopFrames()),
            line: line)
    }

    private mutating func parseIf() throws -> Stmt {
        let line = next().line
        var branches: [(Expr, [Stmt])] = []
        var orElse: [Stmt] = []
        while true {
            let test = try parseTuple(withCondexpr: false)
            let body = try parseStatements(["elif", "else", "endif"])
            branches.append((test, body))
            let tok = next()
            if tok.isName("elif") { continue }
            if tok.isName("else") { orElse = try parseStatements(["endif"], dropNeedle: true) }
            break
        }
        return Stmt(.ifStmt(branches: branches, orElse: orElse), line: line)
    }

    private mutating func parseBlock() throws -> Stmt {
        let line = next().line
        let nameTok = try expectKind(.name, "name")
        let scoped = skipName("scoped")
        let required = skipName("required")
        if current.isOp("-") {
            throw fail(
                "Block names in Jinja have to be valid Python identifiers and may not contain hyphens, use an underscore instead."
            )
        }
        let body = try parseStatements(["endblock"], dropNeedle: true)
        if required {
            for s in body {
                guard case .output(let items) = s.kind,
                    items.allSatisfy({ if case .text(let t) = $0 { return t.allSatisfy(\.isWhitespace) } else { return false } })
                else { throw fail("Required blocks can only contain comments or whitespace") }
            }
        }
        _ = skipName(nameTok.text)
        if blocks[nameTok.text] != nil {
            throw fail("block '\(nameTok.text)' defined twice", line: line, kind: .templateAssertionError)
        }
        let def = Stmt.BlockDef(name: nameTok.text, scoped: scoped, required: required, body: body, templateName: name)
        blocks[nameTok.text] = def
        blockOrder.append(def)
        return Stmt(.block(def), line: line)
    }

    private mutating func parseWithContext(default value: Bool) -> Bool {
        if current.isName("with") || current.isName("without"), look().isName("context") {
            let with = next().text == "with"
            _ = next()
            return with
        }
        return value
    }

    private mutating func parseInclude() throws -> Stmt {
        let line = next().line
        let template = try parseExpression()
        var ignoreMissing = false
        if current.isName("ignore"), look().isName("missing") {
            _ = next()
            _ = next()
            ignoreMissing = true
        }
        let withContext = parseWithContext(default: true)
        return Stmt(.include(template: template, ignoreMissing: ignoreMissing, withContext: withContext), line: line)
    }

    private mutating func parseImport() throws -> Stmt {
        let line = next().line
        let template = try parseExpression()
        try expectName("as")
        let target = try expectKind(.name, "name").text
        let withContext = parseWithContext(default: false)
        return Stmt(.importAs(template: template, target: target, withContext: withContext), line: line)
    }

    private mutating func parseFrom() throws -> Stmt {
        let line = next().line
        let template = try parseExpression()
        try expectName("import")
        var names: [(String, String)] = []
        var withContext = false
        func parseContext(_ p: inout Parser) -> Bool {
            if p.current.isName("with") || p.current.isName("without"), p.look().isName("context") {
                withContext = p.next().text == "with"
                _ = p.next()
                return true
            }
            return false
        }
        while true {
            if !names.isEmpty { try expectOp(",") }
            guard current.kind == .name else { _ = try expectKind(.name, "name"); break }
            if parseContext(&self) { break }
            let target = next()
            if target.text.hasPrefix("_") {
                throw fail(
                    "names starting with an underline can not be imported", line: target.line,
                    kind: .templateAssertionError)
            }
            if skipName("as") {
                names.append((target.text, try expectKind(.name, "name").text))
            } else {
                names.append((target.text, target.text))
            }
            if parseContext(&self) || !current.isOp(",") { break }
        }
        return Stmt(.fromImport(template: template, names: names, withContext: withContext), line: line)
    }

    private mutating func parseSignature() throws -> Stmt.Signature {
        var params: [String] = []
        var defaults: [Expr] = []
        try expectOp("(")
        while !current.isOp(")") {
            if !params.isEmpty { try expectOp(",") }
            let arg = try expectKind(.name, "name").text
            if skipOp("=") {
                defaults.append(try parseExpression())
            } else if !defaults.isEmpty {
                throw fail("non-default argument follows default argument")
            }
            params.append(arg)
        }
        try expectOp(")")
        return Stmt.Signature(params: params, defaults: defaults)
    }

    private mutating func parseMacro() throws -> Stmt {
        let line = next().line
        let name = try expectKind(.name, "name").text
        let sig = try parseSignature()
        let body = try parseStatements(["endmacro"], dropNeedle: true)
        return Stmt(.macro(Stmt.MacroDef(name: name, signature: sig, body: body, line: line)), line: line)
    }

    private mutating func parseCallBlock() throws -> Stmt {
        let line = next().line
        let sig = current.isOp("(") ? try parseSignature() : Stmt.Signature(params: [], defaults: [])
        let call = try parseExpression()
        guard case .call = call.kind else { throw fail("expected call", line: line) }
        let body = try parseStatements(["endcall"], dropNeedle: true)
        return Stmt(
            .callBlock(call: call, caller: Stmt.MacroDef(name: "caller", signature: sig, body: body, line: line)),
            line: line)
    }

    private mutating func parseFilterBlock() throws -> Stmt {
        let line = next().line
        guard let filter = try parseFilter(nil, startInline: true) else { throw fail("expected filter") }
        let body = try parseStatements(["endfilter"], dropNeedle: true)
        return Stmt(.filterBlock(filter: filter, body: body, frame: FrameLayout()), line: line)
    }

    private mutating func parseSet() throws -> Stmt {
        let line = next().line
        let target = try parseAssignTarget(withNamespace: true)
        if skipOp("=") {
            return Stmt(.set(target: target, value: try parseTuple()), line: line)
        }
        let filter = try parseFilter(nil)
        let body = try parseStatements(["endset"], dropNeedle: true)
        return Stmt(.setBlock(target: target, filter: filter, body: body, frame: FrameLayout()), line: line)
    }

    private mutating func parseWith() throws -> Stmt {
        let line = next().line
        var targets: [Expr] = []
        var values: [Expr] = []
        while current.kind != .blockEnd {
            if !targets.isEmpty { try expectOp(",") }
            targets.append(try parseAssignTarget())
            try expectOp("=")
            values.append(try parseExpression())
        }
        let body = try parseStatements(["endwith"], dropNeedle: true)
        return Stmt(.with(targets: targets, values: values, body: body, frame: FrameLayout()), line: line)
    }

    /// A name, a tuple of names (`a, (b, c)`), or with `withNamespace` an `ns.attr`.
    private mutating func parseAssignTarget(
        extraEnd: [String]? = nil, withNamespace: Bool = false
    ) throws -> Expr {
        let target = try parseTuple(simplified: true, extraEnd: extraEnd, withNamespace: withNamespace)
        try checkAssignable(target)
        return target
    }

    private func checkAssignable(_ e: Expr) throws {
        switch e.kind {
        case .name(let n):
            if ["true", "false", "none", "True", "False", "None"].contains(n) {
                throw fail("can't assign to 'const'", line: e.line)
            }
        case .nsRef: break
        case .tuple(let xs): for x in xs { try checkAssignable(x) }
        case .const: throw fail("can't assign to 'const'", line: e.line)
        default: throw fail("can't assign to '\(e.kindName)'", line: e.line)
        }
    }

    // MARK: - expressions

    mutating func parseExpression(withCondexpr: Bool = true) throws -> Expr {
        expressionNesting += 1
        defer { expressionNesting -= 1 }
        if expressionNesting > Parser.maxExpressionNesting { throw tooDeep() }
        return withCondexpr ? try parseCondexpr() : try parseOr()
    }

    private mutating func parseCondexpr() throws -> Expr {
        var line = current.line
        var expr1 = try parseOr()
        while skipName("if") {
            let test = try parseOr()
            var expr3: Expr?
            if skipName("else") {
                // `a if b else c if d else …` recurses here, not through parseExpression.
                expressionNesting += 1
                defer { expressionNesting -= 1 }
                if expressionNesting > Parser.maxExpressionNesting { throw tooDeep() }
                expr3 = try parseCondexpr()
            }
            expr1 = try node(.condExpr(test: test, then: expr1, otherwise: expr3), line: line, from: expr1.span.start)
            line = current.line
        }
        return expr1
    }

    private mutating func parseOr() throws -> Expr {
        var line = current.line
        var left = try parseAnd()
        while skipName("or") {
            let operand = try parseAnd()
            left = try node(.or(left, operand), line: line, from: left.span.start)
            line = current.line
        }
        return left
    }

    private mutating func parseAnd() throws -> Expr {
        var line = current.line
        var left = try parseNot()
        while skipName("and") {
            let operand = try parseNot()
            left = try node(.and(left, operand), line: line, from: left.span.start)
            line = current.line
        }
        return left
    }

    private mutating func parseNot() throws -> Expr {
        if current.isName("not") {
            let start = current.start
            let line = next().line
            expressionNesting += 1
            defer { expressionNesting -= 1 }
            if expressionNesting > Parser.maxExpressionNesting { throw tooDeep() }
            let operand = try parseNot()
            return try node(.not(operand), line: line, from: start)
        }
        return try parseCompare()
    }

    private static let compareOps: [String: Expr.CmpOp] = [
        "==": .eq, "!=": .ne, "<": .lt, "<=": .lteq, ">": .gt, ">=": .gteq,
    ]

    private mutating func parseCompare() throws -> Expr {
        var line = current.line
        let expr = try parseMath1()
        var ops: [(Expr.CmpOp, Expr)] = []
        while true {
            if current.kind == .op, let op = Parser.compareOps[current.text] {
                _ = next()
                ops.append((op, try parseMath1()))
            } else if skipName("in") {
                ops.append((.in, try parseMath1()))
            } else if current.isName("not"), look().isName("in") {
                _ = next()
                _ = next()
                ops.append((.notin, try parseMath1()))
            } else {
                break
            }
            line = current.line
        }
        return ops.isEmpty ? expr : try node(.compare(expr, ops), line: line, from: expr.span.start)
    }

    private mutating func parseMath1() throws -> Expr {
        var line = current.line
        var left = try parseConcat()
        while current.isOp("+") || current.isOp("-") {
            let op: Expr.BinOp = next().text == "+" ? .add : .sub
            let operand = try parseConcat()
            left = try node(.binary(op, left, operand), line: line, from: left.span.start)
            line = current.line
        }
        return left
    }

    private mutating func parseConcat() throws -> Expr {
        let line = current.line
        var args = [try parseMath2()]
        while skipOp("~") { args.append(try parseMath2()) }
        return args.count == 1 ? args[0] : try node(.concat(args), line: line, from: args[0].span.start)
    }

    private mutating func parseMath2() throws -> Expr {
        var line = current.line
        var left = try parsePow()
        while current.kind == .op, let op = Expr.BinOp(rawValue: current.text), [.mul, .div, .floordiv, .mod].contains(op) {
            _ = next()
            let operand = try parsePow()
            left = try node(.binary(op, left, operand), line: line, from: left.span.start)
            line = current.line
        }
        return left
    }

    private mutating func parsePow() throws -> Expr {
        var line = current.line
        var left = try parseUnary()
        while skipOp("**") {
            let operand = try parseUnary()
            left = try node(.binary(.pow, left, operand), line: line, from: left.span.start)
            line = current.line
        }
        return left
    }

    private mutating func parseUnary(withFilter: Bool = true) throws -> Expr {
        let line = current.line
        let start = current.start
        var node: Expr
        expressionNesting += 1
        defer { expressionNesting -= 1 }
        if expressionNesting > Parser.maxExpressionNesting { throw tooDeep() }
        if skipOp("-") {
            let operand = try parseUnary(withFilter: false)
            node = try self.node(.neg(operand), line: line, from: start)
        } else if skipOp("+") {
            let operand = try parseUnary(withFilter: false)
            node = try self.node(.pos(operand), line: line, from: start)
        } else {
            node = try parsePrimary()
        }
        node = try parsePostfix(node)
        if withFilter { node = try parseFilterExpr(node) }
        return node
    }

    private mutating func parsePrimary(withNamespace: Bool = false) throws -> Expr {
        let tok = current
        switch tok.kind {
        case .name:
            _ = next()
            switch tok.text {
            case "true", "True": return try node(.const(.bool(true)), line: tok.line, from: tok.start)
            case "false", "False": return try node(.const(.bool(false)), line: tok.line, from: tok.start)
            case "none", "None": return try node(.const(.none), line: tok.line, from: tok.start)
            default:
                if withNamespace, current.isOp(".") {
                    _ = next()
                    let attr = try expectKind(.name, "name")
                    return try node(.nsRef(tok.text, attr.text), line: tok.line, from: tok.start)
                }
                return try node(.name(tok.text), line: tok.line, from: tok.start)
            }
        case .string:
            var s = next().text
            while current.kind == .string { s += next().text }
            return try node(.const(.string(s)), line: tok.line, from: tok.start)
        case .integer:
            _ = next()
            return try node(.const(.int(tok.intValue)), line: tok.line, from: tok.start)
        case .float:
            _ = next()
            return try node(.const(.float(tok.floatValue)), line: tok.line, from: tok.start)
        case .op where tok.text == "(":
            _ = next()
            let e = try parseTuple(explicitParentheses: true)
            try expectOp(")")
            // The parentheses belong to the expression they enclose.
            e.span = SourceSpan(start: tok.start, end: lastEnd)
            return e
        case .op where tok.text == "[":
            _ = next()
            var items: [Expr] = []
            while !current.isOp("]") {
                if !items.isEmpty { try expectOp(",") }
                if current.isOp("]") { break }
                items.append(try parseExpression())
            }
            try expectOp("]")
            return try node(.list(items), line: tok.line, from: tok.start)
        case .op where tok.text == "{":
            _ = next()
            var pairs: [(Expr, Expr)] = []
            while !current.isOp("}") {
                if !pairs.isEmpty { try expectOp(",") }
                if current.isOp("}") { break }
                let k = try parseExpression()
                try expectOp(":")
                pairs.append((k, try parseExpression()))
            }
            try expectOp("}")
            return try node(.dict(pairs), line: tok.line, from: tok.start)
        default:
            if tok.kind == .eof { throw fail("unexpected 'end of template'") }
            throw fail("unexpected '\(tok.description)'")
        }
    }

    private func isTupleEnd(_ extraEnd: [String]?) -> Bool {
        switch current.kind {
        case .variableEnd, .blockEnd, .eof: return true
        case .op where current.text == ")": return true
        default:
            if let extraEnd, current.kind == .name { return extraEnd.contains(current.text) }
            return false
        }
    }

    mutating func parseTuple(
        simplified: Bool = false, withCondexpr: Bool = true, extraEnd: [String]? = nil,
        explicitParentheses: Bool = false, withNamespace: Bool = false
    ) throws -> Expr {
        var line = current.line
        var args: [Expr] = []
        var isTuple = false
        while true {
            if !args.isEmpty { try expectOp(",") }
            if isTupleEnd(extraEnd) { break }
            if simplified {
                args.append(try parsePrimary(withNamespace: withNamespace))
            } else {
                args.append(try parseExpression(withCondexpr: withCondexpr))
            }
            if current.isOp(",") { isTuple = true } else { break }
            line = current.line
        }
        if !isTuple {
            if let first = args.first { return first }
            if !explicitParentheses {
                throw fail("Expected an expression, got '\(current.description)'")
            }
        }
        return try node(.tuple(args), line: line, from: args.first?.span.start ?? lastEnd)
    }

    private mutating func parsePostfix(_ node: Expr) throws -> Expr {
        var node = node
        while true {
            if current.isOp(".") || current.isOp("[") {
                node = try parseSubscript(node)
            } else if current.isOp("(") {
                node = try parseCall(node)
            } else {
                return node
            }
        }
    }

    private mutating func parseFilterExpr(_ node: Expr) throws -> Expr {
        var node = node
        while true {
            if current.isOp("|") {
                node = try parseFilter(node)!
            } else if current.isName("is") {
                node = try parseTest(node)
            } else if current.isOp("(") {
                node = try parseCall(node)
            } else {
                return node
            }
        }
    }

    private mutating func parseSubscript(_ node: Expr) throws -> Expr {
        let tok = next()
        if tok.isOp(".") {
            let attr = next()
            if attr.kind == .name { return try self.node(.getattr(node, attr.text), line: tok.line, from: node.span.start) }
            guard attr.kind == .integer else { throw fail("expected name or number", line: attr.line) }
            let index = try self.node(.const(.int(attr.intValue)), line: attr.line, from: attr.start)
            return try self.node(.getitem(node, index), line: tok.line, from: node.span.start)
        }
        var args: [Expr] = []
        while !current.isOp("]") {
            if !args.isEmpty { try expectOp(",") }
            args.append(try parseSubscribed())
        }
        try expectOp("]")
        let arg = args.count == 1 ? args[0] : try self.node(.tuple(args), line: tok.line, from: args.first?.span.start ?? tok.end)
        return try self.node(.getitem(node, arg), line: tok.line, from: node.span.start)
    }

    private mutating func parseSubscribed() throws -> Expr {
        let line = current.line
        let from = current.start
        var start: Expr?
        if current.isOp(":") {
            _ = next()
        } else {
            let node = try parseExpression()
            if !current.isOp(":") { return node }
            _ = next()
            start = node
        }
        var stop: Expr?
        if !current.isOp(":"), !current.isOp("]"), !current.isOp(",") {
            stop = try parseExpression()
        }
        var step: Expr?
        if skipOp(":") {
            if !current.isOp("]"), !current.isOp(",") { step = try parseExpression() }
        }
        return try node(.slice(start, stop, step), line: line, from: from)
    }

    private mutating func parseCallArgs() throws -> Expr.Args {
        let open = current
        try expectOp("(")
        var args = Expr.Args()
        var requireComma = false
        func ensure(_ ok: Bool) throws {
            if !ok { throw fail("invalid syntax for function call expression", line: open.line) }
        }
        while !current.isOp(")") {
            if requireComma {
                try expectOp(",")
                if current.isOp(")") { break }
            }
            if skipOp("*") {
                try ensure(args.dynArgs == nil && args.dynKwargs == nil)
                args.dynArgs = try parseExpression()
            } else if skipOp("**") {
                try ensure(args.dynKwargs == nil)
                args.dynKwargs = try parseExpression()
            } else if current.kind == .name, look().isOp("=") {
                try ensure(args.dynKwargs == nil)
                let key = next().text
                _ = next()
                args.keywords.append((key, try parseExpression()))
            } else {
                try ensure(args.dynArgs == nil && args.dynKwargs == nil && args.keywords.isEmpty)
                args.positional.append(try parseExpression())
            }
            requireComma = true
        }
        try expectOp(")")
        return args
    }

    private mutating func parseCall(_ node: Expr) throws -> Expr {
        let line = current.line
        let operand = try parseCallArgs()
        return try self.node(.call(node, operand), line: line, from: node.span.start)
    }

    private mutating func parseFilter(_ node: Expr?, startInline: Bool = false) throws -> Expr? {
        var node = node
        var inline = startInline
        while current.isOp("|") || inline {
            if !inline { _ = next() }
            let tok = try expectKind(.name, "name")
            var name = tok.text
            while skipOp(".") { name += "." + (try expectKind(.name, "name").text) }
            let args = current.isOp("(") ? try parseCallArgs() : Expr.Args()
            node = try self.node(
                .filter(operand: node, name: name, function: filters[name], args: args), line: tok.line,
                from: node?.span.start ?? tok.start)
            inline = false
        }
        return node
    }

    private mutating func parseTest(_ node: Expr) throws -> Expr {
        let tok = next()
        let negated = skipName("not")
        var name = try expectKind(.name, "name").text
        while skipOp(".") { name += "." + (try expectKind(.name, "name").text) }
        var args = Expr.Args()
        if current.isOp("(") {
            args = try parseCallArgs()
        } else if [.name, .string, .integer, .float].contains(current.kind)
            || (current.kind == .op && ["(", "[", "{"].contains(current.text)),
            !(current.isName("else") || current.isName("or") || current.isName("and"))
        {
            if current.isName("is") { throw fail("You cannot chain multiple tests with is") }
            var arg = try parsePrimary()
            arg = try parsePostfix(arg)
            args.positional = [arg]
        }
        var result = try self.node(
            .test(operand: node, name: name, function: tests[name], args: args), line: tok.line, from: node.span.start)
        if negated { result = try self.node(.not(result), line: tok.line, from: node.span.start) }
        return result
    }
}

extension Expr {
    /// Jinja's node class name in lower case, for "can't assign to ..." messages.
    var kindName: String {
        switch kind {
        case .const: return "const"
        case .name: return "name"
        case .getattr: return "getattr"
        case .getitem: return "getitem"
        case .slice: return "slice"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .binary: return "binop"
        case .neg: return "neg"
        case .pos: return "pos"
        case .not: return "not"
        case .and: return "and"
        case .or: return "or"
        case .concat: return "concat"
        case .compare: return "compare"
        case .condExpr: return "condexpr"
        case .call: return "call"
        case .filter: return "filter"
        case .test: return "test"
        case .nsRef: return "nsref"
        }
    }
}
