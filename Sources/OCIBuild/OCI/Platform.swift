// The platform object of an image index entry (image-spec v1.1, image-index.md,
// "platform"): what an image runs on, in Go's GOOS/GOARCH names.

/// The operating system and CPU an image is built for (image-index.md#image-index-property-descriptions).
package struct Platform: Sendable, Hashable, Codable {
    /// CPU architecture in Go's names: `amd64`, `arm64`, `ppc64le`, `s390x`, …
    package var architecture: String
    /// Operating system in Go's names: `linux`, `windows`, …
    package var os: String
    /// The operating system version (Windows builds), if any.
    package var osVersion: String?
    /// Required operating-system features (Windows), if any.
    package var osFeatures: [String]?
    /// CPU variant, e.g. `v8` for arm64 or `v7` for arm.
    package var variant: String?
    /// Reserved by the specification for future use.
    package var features: [String]?

    /// Creates a platform; optional parts default to absent.
    package init(architecture: String, os: String, osVersion: String? = nil,
                 osFeatures: [String]? = nil, variant: String? = nil, features: [String]? = nil) {
        self.architecture = architecture
        self.os = os
        self.osVersion = osVersion
        self.osFeatures = osFeatures
        self.variant = variant
        self.features = features
    }

    /// The JSON keys of the specification (`os.version`, `os.features`).
    enum CodingKeys: String, CodingKey {
        case architecture, os, variant, features
        case osVersion = "os.version"
        case osFeatures = "os.features"
    }

    /// The platform this program was compiled for, in Go's names (`linux`/`amd64`,
    /// `linux`/`arm64` + `v8`): the default when choosing from an index.
    package static var host: Platform {
        #if arch(x86_64)
        return Platform(architecture: "amd64", os: "linux")
        #elseif arch(arm64)
        return Platform(architecture: "arm64", os: "linux", variant: "v8")
        #elseif arch(s390x)
        return Platform(architecture: "s390x", os: "linux")
        #elseif arch(powerpc64le)
        return Platform(architecture: "ppc64le", os: "linux")
        #else
        return Platform(architecture: "unknown", os: "linux")
        #endif
    }

    /// True when an image for `self` can serve a request for `wanted`: same os and
    /// architecture, and the same variant when `wanted` names one.
    package func satisfies(_ wanted: Platform) -> Bool {
        os == wanted.os && architecture == wanted.architecture
            && (wanted.variant == nil || variant == nil || variant == wanted.variant)
    }
}
