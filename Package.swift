// swift-tools-version:6.0
// kolla-oci: OpenStack Kolla's image builder as a daemonless, rootless OCI builder.
//
// The package graph is the plan; each arrow is a target dependency the compiler enforces
// (`swift build --explicit-target-dependency-import-check error`, as tools/test builds):
//
//   kolla-oci (exe) → KollaFront → Jinja
//                              └→ OCIBuild          Dockerfile executor: the builder
//                                   ├→ OCIDockerfile  Dockerfile parser (no dependencies)
//                                   ├→ OCIRegistry    registry client (pull, push, auth)
//                                   ├→ OCISandbox     RUN's isolation → CKollaSandbox (seccomp)
//                                   ├→ OCILayers      tar layers: unpack, diff, write
//                                   ├→ OCIStore       OCI image-layout store
//                                   ├→ OCISystem      the one Swift layer over libc and C
//                                   │                   → CKollaShim → libarchive, libcurl,
//                                   │                     libcrypto, libzstd, libyaml, zlib
//                                   └→ OCIValues      digests, descriptors, manifests, configs,
//                                                     references, media types (no dependencies)
//
// Lower targets never import higher ones: OCIValues knows no store, the store knows no
// registry, nothing below OCIBuild knows Dockerfiles. Only OCISystem calls libc and
// CKollaShim; only OCISandbox's launcher calls CKollaSandbox (tools/check-layering keeps it so).
// No third-party Swift packages: only the toolchain and Debian's C libraries.
import PackageDescription

let package = Package(
    name: "kolla-oci",
    products: [
        .executable(name: "kolla-oci", targets: ["kolla-oci"]),
        .library(name: "Jinja", targets: ["Jinja"]),
    ],
    targets: [
        // C for files, archives, HTTP, digests, signals and YAML events; the Debian libraries it links.
        .target(
            name: "CKollaShim",
            linkerSettings: [
                .linkedLibrary("archive"),
                .linkedLibrary("curl"),
                .linkedLibrary("crypto"),
                .linkedLibrary("zstd"),
                .linkedLibrary("yaml"),
                .linkedLibrary("z"),
            ]
        ),
        // The RUN sandbox's C: namespaces, mounts, seccomp, the owner-recording supervisor.
        .target(name: "CKollaSandbox", linkerSettings: [.linkedLibrary("seccomp")]),
        // Standalone Jinja2 engine: stdlib + Foundation only.
        .target(name: "Jinja"),

        // The builder, by concern (folders under Sources/OCIBuild).
        .target(name: "OCIValues", path: "Sources/OCIBuild/OCI"),
        .target(name: "OCISystem", dependencies: ["OCIValues", "CKollaShim"], path: "Sources/OCIBuild/System"),
        .target(name: "OCIStore", dependencies: ["OCIValues", "OCISystem"], path: "Sources/OCIBuild/Store"),
        .target(
            name: "OCILayers", dependencies: ["OCIValues", "OCISystem", "OCIStore"], path: "Sources/OCIBuild/Layer"),
        .target(
            name: "OCISandbox", dependencies: ["OCISystem", "OCILayers", "CKollaSandbox"],
            path: "Sources/OCIBuild/Sandbox"),
        .target(
            name: "OCIRegistry", dependencies: ["OCIValues", "OCISystem", "OCIStore"], path: "Sources/OCIBuild/Registry"),
        .target(name: "OCIDockerfile", path: "Sources/OCIBuild/Dockerfile"),
        .target(
            name: "OCIBuild",
            dependencies: [
                "OCIValues", "OCISystem", "OCIStore", "OCILayers", "OCISandbox", "OCIRegistry", "OCIDockerfile",
            ],
            path: "Sources/OCIBuild/Builder"
        ),

        // kolla-build semantics and the command line.
        .target(name: "KollaFront", dependencies: ["Jinja", "OCIBuild"]),
        // Thin executable: argv → KollaFront → exit status. Release builds carry the Swift
        // runtime and Foundation inside the binary (what `--static-swift-stdlib` does):
        // binding their symbols across a dozen shared libraries at every start was a
        // fifth of the CPU of a short command such as a template-only render.
        .executableTarget(
            name: "kolla-oci", dependencies: ["KollaFront"],
            swiftSettings: [.unsafeFlags(["-static-stdlib"], .when(configuration: .release))],
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-use-ld=lld"], .when(configuration: .release))]),

        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "JinjaTests",
            dependencies: ["Jinja", "TestSupport"],
            exclude: ["Conformance", "Differential"]
        ),
        .testTarget(name: "KollaFrontTests", dependencies: ["KollaFront", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(
            name: "OCIBuildTests",
            dependencies: [
                "OCIBuild", "OCIValues", "OCISystem", "OCIStore", "OCILayers", "OCISandbox", "OCIRegistry",
                "OCIDockerfile", "TestSupport",
            ]
        ),
        // End to end through the kolla-oci binary: real namespaces, a debootstrapped Debian base,
        // loopback registries (Helpers/: the Python token service and fault-injecting proxy).
        .testTarget(name: "IntegrationTests", dependencies: ["OCIBuild", "TestSupport"], exclude: ["Helpers"]),
    ],
    swiftLanguageModes: [.v6]
)
