/// A parsed Dockerfile: parser directives, global `ARG`s before the first `FROM`, and
/// the build stages. Values keep their unexpanded text; the executor expands variables
/// with the ARG/ENV in scope at each step, as BuildKit does.
package struct Dockerfile: Sendable {
    /// The file name used in error messages.
    package var name: String
    /// The `# escape=` directive (`\` or `` ` ``).
    package var escape: Character = "\\"
    /// The `# syntax=` directive, if any (recorded, not acted on).
    package var syntax: String?
    /// `ARG`s before the first `FROM` (usable in `FROM` lines).
    package var globalArgs: [Instruction] = []
    package var stages: [Stage] = []
}

/// One `FROM` and the instructions up to the next.
package struct Stage: Sendable {
    package var from: Instruction
    package var instructions: [Instruction]
    /// `FROM … AS name`, lowercased as Docker does.
    package var alias: String?
}

/// One instruction with its source location.
package struct Instruction: Sendable {
    /// First and last line (continuations and heredocs span several).
    package var line: Int
    package var endLine: Int
    /// The instruction as written (continuations joined), for messages and history.
    package var text: String
    package var kind: Kind
    /// `--name=value` flags in order (FROM, RUN, COPY, ADD, HEALTHCHECK).
    package var flags: [Flag] = []
    /// Here-documents attached to the instruction (`RUN <<EOF`, `COPY <<a.txt /dst`).
    package var heredocs: [Heredoc] = []

    package struct Flag: Sendable, Equatable {
        package var name: String
        package var value: String?
    }

    /// The value of flag `name` (the last one given).
    package func flag(_ name: String) -> String? {
        flags.last { $0.name == name }?.value
    }

    package enum Kind: Sendable, Equatable {
        case from(image: String, alias: String?)
        case run(Command)
        case cmd(Command)
        case entrypoint(Command)
        /// `COPY`/`ADD` sources and destination, unexpanded.
        case copy(sources: [String], destination: String)
        case add(sources: [String], destination: String)
        case env([KeyValue])
        case arg([ArgDeclaration])
        case label([KeyValue])
        case user(String)
        case workdir(String)
        case expose([String])
        case volume([String])
        case shell([String])
        case healthcheck(Healthcheck)
        case stopsignal(String)
        case onbuild(String)
        case maintainer(String)

        /// The Dockerfile keyword.
        package var keyword: String {
            switch self {
            case .from: return "FROM"
            case .run: return "RUN"
            case .cmd: return "CMD"
            case .entrypoint: return "ENTRYPOINT"
            case .copy: return "COPY"
            case .add: return "ADD"
            case .env: return "ENV"
            case .arg: return "ARG"
            case .label: return "LABEL"
            case .user: return "USER"
            case .workdir: return "WORKDIR"
            case .expose: return "EXPOSE"
            case .volume: return "VOLUME"
            case .shell: return "SHELL"
            case .healthcheck: return "HEALTHCHECK"
            case .stopsignal: return "STOPSIGNAL"
            case .onbuild: return "ONBUILD"
            case .maintainer: return "MAINTAINER"
            }
        }
    }

    /// Exec form (`["a", "b"]`) or shell form (run with the stage's `SHELL`).
    package enum Command: Sendable, Equatable {
        case exec([String])
        case shell(String)
    }

    /// `key=value` of ENV/LABEL; the value is unexpanded, quotes included.
    package struct KeyValue: Sendable, Equatable {
        package var key: String
        package var value: String
    }

    /// `ARG name[=default]`.
    package struct ArgDeclaration: Sendable, Equatable {
        package var name: String
        package var defaultValue: String?
    }

    /// `HEALTHCHECK NONE` or `HEALTHCHECK [--interval …] CMD …`.
    package struct Healthcheck: Sendable, Equatable {
        /// nil for `NONE`.
        package var test: Command?
        package var interval: String?
        package var timeout: String?
        package var startPeriod: String?
        package var startInterval: String?
        package var retries: Int?
    }
}

/// A here-document body.
package struct Heredoc: Sendable, Equatable {
    /// The name after `<<` (`EOF`, or a file name for COPY).
    package var name: String
    package var content: String
    /// `<<-`: leading tabs removed.
    package var stripTabs: Bool
    /// Quoted delimiter (`<<"EOF"`): no variable expansion in the body.
    package var quoted: Bool
}

/// A Dockerfile mistake: `file:line: message`.
package struct DockerfileError: Error, CustomStringConvertible, Equatable {
    package var file: String
    package var line: Int
    package var message: String

    package init(_ file: String, _ line: Int, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    package var description: String { "\(file):\(line): \(message)" }
}
