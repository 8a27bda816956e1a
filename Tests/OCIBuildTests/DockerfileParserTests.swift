import Testing

import OCIBuild
@testable import OCIDockerfile

/// The Dockerfile parser: every instruction, continuations, directives, heredocs, and
/// errors that name the line.
@Suite struct DockerfileParserTests {
    @Test func everyInstruction() throws {
        let df = try DockerfileParser.parse(
            """
            # syntax=docker/dockerfile:1
            ARG BASE=debian:bookworm
            FROM --platform=linux/amd64 ${BASE} AS builder
            MAINTAINER Ops <ops@example.org>
            RUN apt-get update \\
                # a comment inside a continuation
                && apt-get install -y python3
            RUN ["/bin/sh", "-c", "echo exec"]
            ENV A=1 B="two words" C=${A}
            ENV LEGACY value with spaces
            LABEL maintainer="kolla" name=base
            ARG X Y=2
            USER 42400:42400
            WORKDIR /var/lib/kolla
            COPY --chown=42400:42400 --chmod=0644 a.txt b.txt /dst/
            ADD ["archive.tar", "/srv/"]
            EXPOSE 80 443/tcp
            VOLUME ["/var/log"]
            SHELL ["/bin/bash", "-o", "pipefail", "-c"]
            HEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost/
            STOPSIGNAL SIGTERM
            ONBUILD RUN echo later
            CMD ["kolla_start"]
            ENTRYPOINT dumb-init --single-child --
            FROM builder
            COPY --from=builder /out /out
            """, name: "Dockerfile")
        #expect(df.syntax == "docker/dockerfile:1")
        #expect(df.globalArgs.count == 1)
        #expect(df.stages.count == 2)
        let s = df.stages[0]
        #expect(s.alias == "builder")
        #expect(s.from.kind == .from(image: "${BASE}", alias: "builder"))
        #expect(s.from.flag("platform") == "linux/amd64")
        let kinds = s.instructions.map(\.kind.keyword)
        #expect(kinds == ["MAINTAINER", "RUN", "RUN", "ENV", "ENV", "LABEL", "ARG", "USER", "WORKDIR", "COPY", "ADD", "EXPOSE", "VOLUME", "SHELL", "HEALTHCHECK", "STOPSIGNAL", "ONBUILD", "CMD", "ENTRYPOINT"])
        #expect(s.instructions[1].kind == .run(.shell("apt-get update     && apt-get install -y python3")))
        #expect(s.instructions[1].line == 5 && s.instructions[1].endLine == 7)
        #expect(s.instructions[2].kind == .run(.exec(["/bin/sh", "-c", "echo exec"])))
        #expect(s.instructions[3].kind == .env([.init(key: "A", value: "1"), .init(key: "B", value: "\"two words\""), .init(key: "C", value: "${A}")]))
        #expect(s.instructions[4].kind == .env([.init(key: "LEGACY", value: "value with spaces")]))
        #expect(s.instructions[6].kind == .arg([.init(name: "X", defaultValue: nil), .init(name: "Y", defaultValue: "2")]))
        #expect(s.instructions[9].kind == .copy(sources: ["a.txt", "b.txt"], destination: "/dst/"))
        #expect(s.instructions[9].flag("chown") == "42400:42400" && s.instructions[9].flag("chmod") == "0644")
        #expect(s.instructions[10].kind == .add(sources: ["archive.tar"], destination: "/srv/"))
        guard case .healthcheck(let hc) = s.instructions[14].kind else { Issue.record("healthcheck"); return }
        #expect(hc.test == .shell("curl -f http://localhost/") && hc.interval == "30s" && hc.retries == 3)
        #expect(df.stages[1].instructions[0].flag("from") == "builder")
    }

    @Test func escapeDirectiveAndHeredocs() throws {
        let df = try DockerfileParser.parse(
            """
            # escape=`
            FROM scratch
            RUN echo a `
                b
            RUN <<EOF
            set -e
            echo "$HOME"
            EOF
            COPY <<-"conf" /etc/app.conf
            \tkey=value
            \tconf
            RUN echo after
            """)
        #expect(df.escape == "`")
        let ins = df.stages[0].instructions
        #expect(ins[0].kind == .run(.shell("echo a     b")))
        #expect(ins[1].heredocs == [Heredoc(name: "EOF", content: "set -e\necho \"$HOME\"\n", stripTabs: false, quoted: false)])
        #expect(ins[2].heredocs.first?.content == "key=value\n")
        #expect(ins[2].heredocs.first?.quoted == true)
        #expect(ins[3].kind == .run(.shell("echo after")))
        #expect(ins[3].line == 12)
    }

    @Test(arguments: [
        ("FROM a\nFROBNICATE x\n", 2, "unknown instruction: FROBNICATE"),
        ("RUN echo\n", 1, "no build stage in current context: RUN must come after FROM"),
        ("FROM a b\n", 1, "FROM requires either one or three arguments"),
        ("FROM a\nCOPY onlyone\n", 2, "COPY requires at least two arguments, but only one was provided. Destination could not be determined"),
        ("FROM a\nENV A=1 B\n", 2, "Syntax error - can't find = in \"B\". Must be of the form: name=value"),
        ("FROM a\nSHELL /bin/sh -c\n", 2, "SHELL requires the arguments to be in JSON form"),
        ("FROM a\n\nRUN <<EOF\nno end\n", 3, "unterminated heredoc EOF"),
        ("FROM a\nCOPY --bogus x y\n", 2, "unknown flag: --bogus"),
        ("# escape=x\nFROM a\n", 1, "invalid escape token 'x' does not match ` or \\"),
        ("# just a comment\n", 1, "the Dockerfile has no FROM instruction"),
    ])
    func errorsNameTheLine(_ text: String, _ line: Int, _ message: String) {
        #expect(throws: DockerfileError("Dockerfile", line, message)) { try DockerfileParser.parse(text) }
    }

    /// 20000 nested `${X:-…}` overflowed the stack (a crash, SIGSEGV); nesting is bounded.
    @Test func deeplyNestedSubstitutionsAreAnErrorNotACrash() throws {
        func nested(_ depth: Int) -> String {
            String(repeating: "${X:-", count: depth) + "deep" + String(repeating: "}", count: depth)
        }
        #expect(try ShellWords().process(nested(100), env: [:]) == "deep")
        #expect(throws: ShellError("substitutions nested more than 100 deep in ${X…}")) {
            try ShellWords().process(nested(20_000), env: [:])
        }
    }

    @Test func shellWordsExpandLikeBuildKit() throws {
        let w = ShellWords()
        let env = ["A": "1", "EMPTY": "", "P": "a b"]
        #expect(w.split(#"a "b c" 'd e' f\ g"#) == ["a", "\"b c\"", "'d e'", "f\\ g"])
        #expect(try w.process(#""two words""#, env: env) == "two words")
        #expect(try w.process("${A}x$A '$A' \"$A\" \\$A", env: env) == "1x1 $A 1 $A")
        #expect(try w.process("${MISSING:-dflt} ${EMPTY:-e} ${EMPTY-e} ${A:+set} ${MISSING:+x}|", env: env) == "dflt e  set |")
        #expect(try w.processWords("$P \"c d\" e", env: env) == ["a b", "c d", "e"])
        #expect(throws: ShellError.self) { try w.process("${MISSING:?must be set}", env: env) }
        #expect(throws: ShellError.self) { try w.process("'unclosed", env: env) }
    }

    @Test func dockerignoreRules() throws {
        let ig = try DockerIgnore(
            """
            # comment
            *.pyc
            build/
            docs/**/*.md
            !docs/keep/README.md
            /secret
            **/tmp
            """)
        #expect(ig.excludes("a.pyc") && !ig.excludes("dir/a.pyc"))
        #expect(ig.excludes("build/out/x"))
        #expect(ig.excludes("docs/a/b/c.md") && ig.excludes("docs/x.md"))
        #expect(!ig.excludes("docs/keep/README.md"))
        #expect(ig.excludes("secret") && ig.excludes("secret/key"))
        #expect(ig.excludes("a/b/tmp/file") && ig.excludes("tmp"))
        #expect(!ig.excludes("src/main.c"))
        #expect(ig.hasExceptions)
    }
}
