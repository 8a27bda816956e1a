// The image configuration (image-spec v1.1, config.md), also Docker's container image
// config v1 for the fields both share: what to run (`config`), the layers' uncompressed
// digests (`rootfs.diff_ids`) and the build history.

/// An image configuration (config.md#properties).
package struct ImageConfig: Sendable, Hashable, Codable {
    /// When the image was created, RFC 3339 (pinned for reproducible digests).
    package var created: String?
    /// Who created the image.
    package var author: String?
    /// CPU architecture, Go names (`amd64`, `arm64`); required.
    package var architecture: String
    /// Operating system, Go names (`linux`); required.
    package var os: String
    /// Operating-system version, if any.
    package var osVersion: String?
    /// Operating-system features, if any.
    package var osFeatures: [String]?
    /// CPU variant, if any.
    package var variant: String?
    /// Execution parameters for containers of this image.
    package var config: ContainerConfig?
    /// The layers' diff_ids; required.
    package var rootfs: RootFS
    /// One entry per build step, base first.
    package var history: [History]?

    /// Creates a configuration for `platform` with the given layers.
    package init(platform: Platform = .host, rootfs: RootFS = RootFS(), config: ContainerConfig? = nil,
                 history: [History]? = nil, created: String? = nil, author: String? = nil) {
        self.architecture = platform.architecture
        self.os = platform.os
        self.variant = platform.variant
        self.rootfs = rootfs
        self.config = config
        self.history = history
        self.created = created
        self.author = author
    }

    /// The JSON keys of config.md (`os.version`, `os.features`).
    enum CodingKeys: String, CodingKey {
        case created, author, architecture, os, variant, config, rootfs, history
        case osVersion = "os.version"
        case osFeatures = "os.features"
    }

    /// The platform this configuration declares.
    package var platform: Platform {
        Platform(architecture: architecture, os: os, osVersion: osVersion, osFeatures: osFeatures,
                 variant: variant)
    }
}

/// `rootfs` of the configuration (config.md, "rootfs").
package struct RootFS: Sendable, Hashable, Codable {
    /// Always `layers`.
    package var type: String
    /// The digests of the uncompressed layer tars, base first, one per manifest layer.
    package var diffIDs: [Digest]

    /// Creates a `layers` rootfs.
    package init(diffIDs: [Digest] = []) {
        self.type = "layers"
        self.diffIDs = diffIDs
    }

    /// The JSON keys of config.md.
    enum CodingKeys: String, CodingKey {
        case type
        case diffIDs = "diff_ids"
    }
}

/// Execution parameters, `config` of the configuration (config.md, "config"). Keys are
/// the capitalised ones Docker used first. Docker-only keys (Healthcheck, OnBuild, Shell)
/// are not kept.
package struct ContainerConfig: Sendable, Hashable, Codable {
    /// `user`, `uid`, `user:group`, `uid:gid`, …
    package var user: String?
    /// Ports as `port/tcp` → `{}`.
    package var exposedPorts: [String: EmptyObject]?
    /// `KEY=VALUE` entries.
    package var env: [String]?
    /// The entrypoint argv.
    package var entrypoint: [String]?
    /// Default arguments (or command).
    package var cmd: [String]?
    /// Volume paths → `{}`.
    package var volumes: [String: EmptyObject]?
    /// The working directory.
    package var workingDir: String?
    /// Labels.
    package var labels: [String: String]?
    /// The stop signal, e.g. `SIGTERM`.
    package var stopSignal: String?
    /// Filled by tools that set it (v1.1 `ArgsEscaped`, Windows only); kept for round-trips.
    package var argsEscaped: Bool?

    /// Creates an empty set of parameters.
    package init(user: String? = nil, env: [String]? = nil, entrypoint: [String]? = nil,
                 cmd: [String]? = nil, workingDir: String? = nil, labels: [String: String]? = nil) {
        self.user = user
        self.env = env
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.workingDir = workingDir
        self.labels = labels
    }

    /// The JSON keys of config.md.
    enum CodingKeys: String, CodingKey {
        case user = "User"
        case exposedPorts = "ExposedPorts"
        case env = "Env"
        case entrypoint = "Entrypoint"
        case cmd = "Cmd"
        case volumes = "Volumes"
        case workingDir = "WorkingDir"
        case labels = "Labels"
        case stopSignal = "StopSignal"
        case argsEscaped = "ArgsEscaped"
    }
}

/// The `{}` value of `ExposedPorts` and `Volumes` maps.
package struct EmptyObject: Sendable, Hashable, Codable {
    /// The empty object.
    package init() {}
}

/// One step of `history` (config.md, "history").
package struct History: Sendable, Hashable, Codable {
    /// When the step ran, RFC 3339.
    package var created: String?
    /// The command of the step, e.g. `/bin/sh -c #(nop) ENV …`.
    package var createdBy: String?
    /// Who ran it.
    package var author: String?
    /// A comment.
    package var comment: String?
    /// True when the step made no layer (metadata-only instructions).
    package var emptyLayer: Bool?

    /// Creates a history entry.
    package init(created: String? = nil, createdBy: String? = nil, author: String? = nil,
                 comment: String? = nil, emptyLayer: Bool? = nil) {
        self.created = created
        self.createdBy = createdBy
        self.author = author
        self.comment = comment
        self.emptyLayer = emptyLayer
    }

    /// The JSON keys of config.md.
    enum CodingKeys: String, CodingKey {
        case created, author, comment
        case createdBy = "created_by"
        case emptyLayer = "empty_layer"
    }
}
