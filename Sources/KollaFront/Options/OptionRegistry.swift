/// Every option of kolla-build 23.0.0 with its name, short name, type, default and help
/// (`kolla/common/config.py`), plus kolla-oci's own additions. Defaults a data directory
/// may change (base, release, tarballs) are the data layer's business (`Catalog`).
enum OptionRegistry {
    static let selection = "Selection and listing"
    static let content = "Base image and content"
    static let naming = "Names and templates"
    static let build = "Build"
    static let output = "Output"
    static let configOnly = "Config-file only"
    static let kollaOCI = "kolla-oci"

    static let all: [OptionSpec] = [
        // Selection / listing
        OptionSpec(
            "regex", .multi, group: selection, positional: true,
            help: "Build only images matching regex and its dependencies"),
        OptionSpec(
            "profile", short: "p", .multi, group: selection,
            help: "Build a pre-defined set of images, see [profiles] section in config. The default profiles are: infra, main, aux, default"),
        OptionSpec("list-images", .bool, default: .bool(false), group: selection, help: "Show all available images (filtering supported)"),
        OptionSpec("list-dependencies", short: "l", .bool, default: .bool(false), group: selection, help: "Show image dependencies (filtering supported)"),
        OptionSpec("save-dependency", .string, group: selection, help: "Path to the file to store the docker image dependency in Graphviz dot format"),
        OptionSpec("skip-parents", .bool, default: .bool(false), group: selection, help: "Do not rebuild parents of matched images"),
        OptionSpec(
            "skip-existing", .bool, default: .bool(false), group: selection,
            daemonless: "checks kolla-oci's local OCI store (--root) instead of an engine's image cache",
            help: "Do not rebuild images present in the container engine cache"),
        OptionSpec("enable-unbuildable", .bool, default: .bool(false), group: selection, help: "Enable images marked as unbuildable"),

        // Base / distro / content
        OptionSpec("base", short: "b", .string, default: .string("rocky"), choices: ["debian", "rocky", "ubuntu"], group: content, help: "The distro type of the base image."),
        OptionSpec("base-tag", .string, default: .string("latest"), group: content, help: "The base distro image tag"),
        OptionSpec("base-image", .string, group: content, help: "The base image name. Default is the same with base."),
        OptionSpec("base-arch", .string, default: .string(hostArch), choices: ["x86_64", "aarch64"], group: content, help: "The base architecture. Default is same as host."),
        OptionSpec("debian-arch", .string, default: .string(hostArch == "aarch64" ? "arm64" : "amd64"), choices: ["amd64", "arm64"], group: content, help: "The base architecture used for downloading external packages. Default is derived from base-arch."),
        OptionSpec("use-dumb-init", .bool, default: .bool(true), group: content, help: "Use dumb-init as init system in containers"),
        OptionSpec("docker-healthchecks", .bool, default: .bool(true), group: content, help: "Add Kolla docker healthcheck scripts in the image"),
        OptionSpec("openstack-release", .string, default: .string("2026.2"), group: content, help: "OpenStack release for building kolla source images and kolla-toolbox image"),
        OptionSpec("openstack-release-codename", .string, default: .string("Hibiscus"), group: content, help: "OpenStack release codename for Debian OpenStack extrepo and Ubuntu Cloud Archive"),
        OptionSpec("openstack-branch", .string, group: content, help: "Branch for source images (internal; with a dash; please set openstack-release instead)"),
        OptionSpec("openstack-branch-slashed", .string, group: content, help: "Branch for source images (internal; with a slash; please set openstack-release instead)"),
        OptionSpec("tarballs-base", .string, default: .string("https://tarballs.opendev.org"), group: content, help: "Base url to OpenStack tarballs"),
        OptionSpec("locals-base", .string, default: .string("./"), group: content, help: "Base directory for local source resolution"),
        OptionSpec("repos-yaml", .string, default: .string(""), group: content, help: "Path to repos.yaml override file"),
        OptionSpec("patches-path", .string, group: content, help: "The path where patch files to be applied are located"),

        // Names / templates
        OptionSpec("registry", .string, group: naming, help: "The container image registry host"),
        OptionSpec("namespace", short: "n", .string, default: .string("kolla"), group: naming, help: "The Docker namespace name"),
        OptionSpec("tag", .string, group: naming, help: "The container image tag"),
        OptionSpec("image-name-prefix", .string, default: .string(""), group: naming, help: "Prefix prepended to image names"),
        OptionSpec("template-only", .bool, default: .bool(false), group: naming, help: "Don't build images. Generate Dockerfile only"),
        OptionSpec("template-override", .multi, group: naming, help: "Path to template override file"),
        OptionSpec("docker-dir", short: "D", .multi, group: naming, help: "Path to additional docker file template directory, can be specified multiple times"),
        OptionSpec("work-dir", .string, group: naming, help: "Path to be used as working directory. By default, a temporary dir is created"),

        // Engine / build
        OptionSpec(
            "engine", .string, default: .string("docker"), choices: ["docker", "podman"], group: build,
            daemonless: "accepted for compatibility and ignored: kolla-oci builds in-process, without docker or podman",
            help: "Container engine to build images on."),
        OptionSpec(
            "podman_base_url", .string, default: .string("unix:///run/podman/podman.sock"), group: build,
            daemonless: "accepted and ignored: no podman service is used", help: "Path to podman socket."),
        OptionSpec(
            "buildkit", .bool, default: .bool(true), group: build,
            daemonless: "accepted and ignored: there is no docker buildx; images are pushed by kolla-oci's push queue",
            help: "Use Docker BuildKit (docker buildx build) when building images. Requires the docker-buildx-plugin to be installed. Only valid with --engine docker."),
        OptionSpec(
            "buildkit-builder", .string, group: build, daemonless: "accepted and ignored (no buildx builders)",
            help: "Name of the docker buildx builder instance to use. If unset the currently active builder is used. Only valid with --buildkit."),
        OptionSpec(
            "cache", .bool, default: .bool(true), group: build,
            daemonless: "turns kolla-oci's own build cache (instruction + content keyed, in the OCI store) on or off",
            help: "Use the container engine cache when building"),
        OptionSpec(
            "pull", .bool, default: .bool(true), group: build,
            daemonless: "before a root image is built, its FROM image is checked against its registry (one digest request) and pulled only when the registry's differs from the store's; when the registry cannot be reached the stored image is used with a warning. With --nopull the store's image is used as it is (pulled only when missing)",
            help: "Attempt to pull a newer version of the base image"),
        OptionSpec(
            "network_mode", .string, default: .string("host"), choices: ["host", "none"], group: build,
            daemonless: "the network of every RUN: 'host' shares the host's (kolla's default), 'none' gives each RUN a private network with only loopback; there is no bridge network without an engine, so 'bridge', 'default' and other docker modes are errors. A Dockerfile's RUN --network=host|none overrides it for one step",
            help: "The network mode for Docker build. Example: host"),
        OptionSpec("build-args", .dict, group: build, help: "Set docker build time variables"),
        OptionSpec(
            "keep", .bool, default: .bool(false), group: build,
            daemonless: "accepted and ignored: there are no intermediate containers to keep",
            help: "Keep failed intermediate containers"),
        OptionSpec(
            "squash", .bool, default: .bool(false), group: build,
            daemonless: "not supported: kolla-oci refuses it rather than build unsquashed images silently",
            help: "Squash the image layers. WARNING: it will consume lots of disk IO. \"docker-squash\" tool is required, install it by \"pip install docker-squash\""),
        OptionSpec(
            "platform", .string, group: build,
            daemonless: "only the host platform can be built (no emulation); another value is an error",
            help: "The platform to use for a cross-compile build. Should be set in conjunction with \"--base-arch\" argument. Example: \"--platform linux/arm64 --base-arch aarch64\""),
        OptionSpec("threads", short: "T", .int(min: 1), default: .int(8), group: build, help: "The number of threads to use while building. (Note: setting to one will allow real time logging)"),
        OptionSpec("push", .bool, default: .bool(false), group: build, help: "Push images after building"),
        OptionSpec("push-threads", .int(min: 1), default: .int(1), group: build, help: "The number of threads to use while pushing images. Note: Docker cannot handle threaded pushing properly"),
        OptionSpec("retries", short: "r", .int(min: 0), default: .int(3), group: build, help: "The number of times to retry while building"),
        OptionSpec("timeout", .int(min: nil), default: .int(120), group: build, help: "Time in seconds after which any operation times out"),

        // Output
        OptionSpec("debug", short: "d", .bool, default: .bool(false), group: output, help: "Turn on debugging log level"),
        OptionSpec("quiet", short: "q", .bool, default: .bool(false), group: output, help: "Do not print image logs"),
        OptionSpec("logs-dir", .string, group: output, help: "Path to logs directory"),
        OptionSpec("format", short: "f", .string, default: .string("json"), choices: ["json", "none"], group: output, help: "Format to write the final results in."),
        OptionSpec("summary", .bool, default: .bool(true), group: output, help: "Show summary at the end of build"),
        OptionSpec("summary-json-file", .string, group: output, help: "Name of a file to write the build summary to when format is json. If unset, the summary will be written to standard output"),

        // Config-file only ([DEFAULT] keys kolla does not put on the command line)
        OptionSpec("maintainer", .string, default: .string("Kolla Project (https://launchpad.net/kolla)"), group: configOnly, cli: false, help: "Content of the maintainer label"),
        OptionSpec("distro_package_manager", .string, group: configOnly, cli: false, help: "Use this parameter to override the default package manager used by kolla. For example, if you want to use yum on a system with dnf, set this to yum which will use yum command in the build process"),
        OptionSpec("base_package_type", .string, group: configOnly, cli: false, help: "Set the package type of the distro. If not set then the packaging type is set to \"rpm\" if a RHEL based distro and \"deb\" if a Debian based distro."),
        OptionSpec("rpm_setup_config", .list, default: .list([]), group: configOnly, cli: false, help: "Comma separated list of .rpm or .repo file(s) or URL(s) to install before building containers"),
        OptionSpec("apt_sources_list", .string, group: configOnly, cli: false, help: "Path to custom sources.list"),
        OptionSpec("apt_preferences", .string, group: configOnly, cli: false, help: "Path to custom apt/preferences"),
        OptionSpec("squash-cleanup", .bool, default: .bool(true), group: configOnly, cli: false, daemonless: "accepted and ignored (see squash)", help: "Remove source image from Docker after squashing"),
        OptionSpec("squash-tmp-dir", .string, group: configOnly, cli: false, daemonless: "accepted and ignored (see squash)", help: "Temporary directory to be used during squashing"),
        OptionSpec("clean_package_cache", .bool, default: .bool(true), group: configOnly, cli: false, help: "Clean all package cache."),
        OptionSpec("allowed-to-fail", .list, default: .list([]), group: configOnly, cli: false, help: "Images which are allowed to fail"),
        OptionSpec("pip_index_url", .string, group: configOnly, cli: false, help: "URL of the primary pip index (sets ARG PIP_INDEX_URL)"),
        OptionSpec("pip_trusted_host", .string, group: configOnly, cli: false, help: "Hostname to mark as trusted for pip (sets ARG PIP_TRUSTED_HOST)"),
        OptionSpec("pip_extra_index_url", .string, group: configOnly, cli: false, help: "URL of an extra pip index (sets ARG PIP_EXTRA_INDEX_URL)"),

        // kolla-oci's own
        OptionSpec(
            "data-dir", .string, group: kollaOCI,
            help: "kolla-oci: directory with the image tree (docker/) and the data files (data/*.yaml: profiles, users, sources, unbuildable, repos, distros). Default: the tree shipped with kolla-oci"),
        OptionSpec(
            "root", .string, group: kollaOCI,
            help: "kolla-oci: the OCI image store images are built into. Default: $KOLLA_OCI_ROOT, else /var/lib/kolla-oci for root, else $XDG_DATA_HOME/kolla-oci or ~/.local/share/kolla-oci"),
        OptionSpec(
            "timestamp", .int(min: 0), group: kollaOCI,
            help: "kolla-oci: SOURCE_DATE_EPOCH for the images: their created time, the upper bound of file times, and the created/build-date labels, so a rebuild gives identical digests. Default: $SOURCE_DATE_EPOCH"),
        OptionSpec(
            "compression", .string, default: .string("gzip"), choices: ["gzip", "zstd"], group: kollaOCI,
            help: "kolla-oci: layer compression"),
        OptionSpec(
            "timings", .bool, default: .bool(false), group: kollaOCI,
            help: "kolla-oci: print where the build's time went (unpack, RUN, diff, archive, compress, hash, store, push, waiting; summed over concurrent builds) and add it to the JSON summary as \"timings\""),
        OptionSpec(
            "isolation", .string, default: .string("auto"), choices: ["auto", "userns", "chroot"], group: kollaOCI,
            help: "kolla-oci: how RUN is isolated: auto probes (user namespace with pivot_root where the kernel "
                + "allows it, else chroot into a plain directory), userns or chroot force a rung "
                + "(kolla-oci info shows the choice)"),
        OptionSpec(
            "plan", .string, choices: ["json", "github-actions", "gitlab-ci"], group: kollaOCI,
            help: "kolla-oci: print the build plan and exit, for CI engines that fan builds out: json (matched images, parents, stages by depth, shard of each image, critical path), "
                + "or a ready-to-commit pipeline running that plan: github-actions (a workflow for .github/workflows/) or gitlab-ci (a .gitlab-ci.yml); with --shard I/N, N shards per stage"),
        OptionSpec(
            "plan-timings", .string, group: kollaOCI,
            help: "kolla-oci: a JSON object of image name to seconds (a build's LOGS_DIR/timings.json, or merge-summaries --timings) that weighs the images when --shard deals them out, so shards take equal time"),
        OptionSpec(
            "shard", .string, group: kollaOCI,
            help: "kolla-oci: I/N: build only this deterministic slice of the matched images (within each stage, images dealt to N shards heaviest first by --plan-timings, else round-robin by name); parents built by other shards are pulled from --registry"),
        OptionSpec(
            "stage", .int(min: 0), group: kollaOCI,
            help: "kolla-oci: build only the images of this stage of the plan (depth below the root); with --shard, what one CI job of a stage runs"),
        OptionSpec(
            "insecure-registry", .multi, group: kollaOCI,
            help: "kolla-oci: a registry (HOST[:PORT]) reached over plain http or with an unverified TLS certificate; repeatable"),
        OptionSpec(
            "retry-max-time", .int(min: 0), default: .int(60), group: kollaOCI,
            help: "kolla-oci: seconds a failing registry request, blob upload or download is retried (with backoff, honouring Retry-After) after its first failure before a push or pull fails; the default outlasts a registry restart; 0 retries nothing. --retries still counts whole push tasks"),
    ]

    static let byName: [String: OptionSpec] = {
        var m: [String: OptionSpec] = [:]
        for o in all { m[o.dest] = o }
        return m
    }()

    /// The option a CLI flag (`base-tag`, `base_tag`) or config key names.
    static func lookup(_ name: String) -> OptionSpec? {
        byName[name.replacingOccurrences(of: "-", with: "_")]
    }

    static let byShort: [Character: OptionSpec] = {
        var m: [Character: OptionSpec] = [:]
        for o in all { if let s = o.short { m[s] = o } }
        return m
    }()

    /// The host architecture in kolla's spelling (`x86_64`, `aarch64`).
    static var hostArch: String {
        #if arch(arm64)
            return "aarch64"
        #else
            return "x86_64"
        #endif
    }
}
