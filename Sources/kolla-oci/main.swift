import Foundation
import KollaFront

// Thin entry point: argv → KollaFront → exit status.
let argv = CommandLine.arguments
KollaOCI.installSignalHandling()
let program = URL(fileURLWithPath: argv.first ?? "kolla-oci").lastPathComponent
exit(KollaOCI.main(programName: program, arguments: Array(argv.dropFirst())))
