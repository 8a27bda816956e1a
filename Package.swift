// swift-tools-version:6.0
// kolla-oci: OpenStack Kolla's image builder as a daemonless, rootless OCI builder.
// Dependency direction (README.md, "Layout"):
//   kolla-oci (exe) → KollaFront → Jinja
//                              └→ OCIBuild → CKollaShim → libarchive, libcurl, libcrypto, libzstd
// No third-party Swift packages: only the toolchain and Debian's C libraries.
import PackageDescription

let package = Package(
    name: "kolla-oci",
    products: [
        .executable(name: "kolla-oci", targets: ["kolla-oci"]),
        .library(name: "Jinja", targets: ["Jinja"]),
    ],
    targets: [
        // The only C in the package, and the only target that links C libraries.
        .target(
            name: "CKollaShim",
            linkerSettings: [
                .linkedLibrary("archive"),
                .linkedLibrary("curl"),
                .linkedLibrary("crypto"),
                .linkedLibrary("zstd"),
                .linkedLibrary("seccomp"),
            ]
        ),
        // Standalone Jinja2 engine: stdlib + Foundation only.
        .target(name: "Jinja"),
        // Daemonless builder: OCI values, store, layers, sandbox, registry.
        .target(name: "OCIBuild", dependencies: ["CKollaShim"]),
        // kolla-build semantics and the command line.
        .target(name: "KollaFront", dependencies: ["Jinja", "OCIBuild"]),
        // Thin executable: argv → KollaFront → exit status.
        .executableTarget(name: "kolla-oci", dependencies: ["KollaFront"]),

        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "JinjaTests",
            dependencies: ["Jinja", "TestSupport"],
            exclude: ["Conformance", "Differential"]
        ),
        .testTarget(name: "KollaFrontTests", dependencies: ["KollaFront", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "OCIBuildTests", dependencies: ["OCIBuild", "TestSupport"]),
        // End to end through the kolla-oci binary: real namespaces, a debootstrapped Debian base,
        // loopback registries (Helpers/: the Python token service and fault-injecting proxy).
        .testTarget(name: "IntegrationTests", dependencies: ["OCIBuild", "TestSupport"], exclude: ["Helpers"]),
    ],
    swiftLanguageModes: [.v6]
)
