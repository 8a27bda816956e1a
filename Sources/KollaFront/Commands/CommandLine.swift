import Foundation
import OCIBuild

/// A command-line mistake: printed with the usage text, exit status 2.
struct UsageError: Error {
    let message: String?
    init(_ message: String?) { self.message = message }
}

/// A failure with a one-line message, exit status 1.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { self.description = message }
}

/// The `kolla-oci` command line: dispatches argv to a subcommand and returns the
/// process exit status.
public enum KollaOCI {
    /// kolla-oci's version (also the default `kolla_version` template variable).
    public static let version = "0.1.0"

    static let usage = """
        usage: kolla-oci COMMAND [ARGS...]

        commands:
          build          kolla-build: render, select and build Kolla images (kolla-build's options)
          render         render a Jinja2 template exactly as Python Jinja2 would
          sample-config  print a sample kolla-build.conf with every option ([--data-dir DIR]: its defaults)
          bud            build one Dockerfile into the store (daemonless, rootless)
          run            run a command in an image with the build sandbox (-d: detached)
          ps             list detached containers (run -d)
          logs           print a detached container's output
          stop           stop a detached container (SIGTERM, then SIGKILL)
          rm             remove a detached container's record and log
          merge-summaries  merge the summary JSON files of a build fanned out over CI jobs
          info           how RUN is isolated here (the isolation rung and why), store, id ranges
          images         list the images in the store (--root DIR picks the store)
          inspect        print an image's manifest and config as JSON
          rmi            remove image names (blobs go at the next gc)
          fsck           verify every blob and reference of the store
          gc             delete blobs and cached layers no image uses
          import         turn a root file system tarball into a one-layer image
          export         copy an image to an OCI layout directory or an OCI archive (.tar)
          unpack         apply an image's layers to an empty directory
          mklayer        write a layer blob from a directory (or its changes against --lower)
          pull           copy an image from a registry into the store
          push           copy an image from the store to a registry
          login          check and save credentials for a registry (auth.json)
          logout         remove saved credentials for a registry
          help           show this text

        Run 'kolla-oci COMMAND --help' for a command's options.
        """

    /// Makes SIGINT and SIGTERM remove this process's scratch from the store and exit
    /// 130 / 143. For the executable only: tests that call `main` keep their own handling.
    public static func installSignalHandling() {
        do {
            try ScratchRegistry.installTerminationCleanup()
        } catch {
            printError("kolla-oci: cannot handle signals: \(error)")
        }
    }

    /// Runs the tool for `arguments` (argv without the program name, `programName` its
    /// basename) and returns the exit status.
    public static func main(programName: String, arguments: [String]) -> Int32 {
        // Invoked as kolla-build, kolla-oci is `kolla-oci build`.
        if programName == "kolla-build" {
            return BuildCommand(program: programName, arguments: arguments).run()
        }
        guard let command = arguments.first else {
            printError(usage)
            return 2
        }
        let rest = Array(arguments.dropFirst())
        do {
            switch command {
            case "render":
                return try RenderCommand(arguments: rest).run()
            case "build":
                return BuildCommand(program: "kolla-oci build", arguments: rest).run()
            case "bud":
                return try BudCommand(arguments: rest).run()
            case "run":
                return try RunCommand(arguments: rest).run()
            case "info":
                return try InfoCommand(arguments: rest).run()
            case "merge-summaries":
                return try MergeSummariesCommand(arguments: rest).run()
            case "sample-config":
                print(Help.sampleConfig(defaults: try sampleConfigDefaults(rest)), terminator: "")
                return 0
            case _ where ContainerCommand.usage(command) != nil:
                return try ContainerCommand(command: command, arguments: rest).run()
            case _ where StoreCommand.usage(command) != nil:
                return try StoreCommand(command: command, arguments: rest).run()
            case _ where RegistryCommand.usage(command) != nil:
                return try RegistryCommand(command: command, arguments: rest).run()
            case "help", "-h", "--help":
                print(usage)
                return 0
            default:
                throw UsageError("unknown command '\(command)'")
            }
        } catch let e as UsageError {
            if let m = e.message { printError("kolla-oci \(command): \(m)") }
            printError(command == "render" ? RenderCommand.usage : command == "bud" ? BudCommand.usage : command == "run" ? RunCommand.usage : command == "info" ? InfoCommand.usage : command == "merge-summaries" ? MergeSummariesCommand.usage : StoreCommand.usage(command) ?? RegistryCommand.usage(command) ?? ContainerCommand.usage(command) ?? usage)
            return e.message == nil ? 0 : 2
        } catch {
            printError("kolla-oci: \(error)")
            return 1
        }
    }

    /// `sample-config [--data-dir DIR]`: the defaults of DIR, else of the built-in tree.
    static func sampleConfigDefaults(_ arguments: [String]) throws -> EffectiveDefaults {
        var root: String?
        var rest = arguments[...]
        while let arg = rest.popFirst() {
            if arg == "--data-dir", let dir = rest.popFirst() {
                root = dir
            } else if arg.hasPrefix("--data-dir=") {
                root = String(arg.dropFirst("--data-dir=".count))
            } else {
                throw UsageError("unknown argument '\(arg)' (usage: kolla-oci sample-config [--data-dir DIR])")
            }
        }
        guard let root = root ?? Catalog.defaultRoot(executable: CommandLine.arguments.first ?? "kolla-oci") else {
            return EffectiveDefaults()
        }
        return EffectiveDefaults(catalog: try Catalog(root: root))
    }

    static func printError(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }
}
