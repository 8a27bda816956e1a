import Foundation
import Jinja
import OCIBuild

/// A template failure while rendering one image (kolla: "Syntax error in template").
struct RenderError: Error, CustomStringConvertible {
    let image: String
    let error: TemplateError

    var description: String {
        var s = ""
        if let excerpt = error.excerpt { s += excerpt + "\n" }
        return s + "\(image): \(error.description)"
    }
}

/// Renders every image's `Dockerfile.j2` to `Dockerfile` beside it, with the variables,
/// filters and globals kolla-build passes (kolla's `create_dockerfiles`). Templates are
/// parsed once per run and rendered concurrently from one frozen environment.
struct DockerfileRenderer {
    let conf: Configuration
    let workDir: WorkDir
    /// With `--debug`, each rendered Dockerfile is logged as kolla logs it ("Rendered
    /// <template> into:", the text, "Wrote it to <path>"), in walk order.
    var log: Log? = nil

    /// The template variables common to every image.
    func baseValues() -> [String: Value] {
        let base = conf.string("base") ?? ""
        let distro = conf.catalog.distros[base]
        let arch = conf.string("base_arch") ?? ""
        var namespace = conf.string("namespace") ?? ""
        if let registry = conf.string("registry"), !registry.isEmpty { namespace = registry + "/" + namespace }
        let users = DictBox()
        for (name, u) in conf.users {
            users.set(
                name,
                .dict([
                    ("uid", u.uid.map { .int($0) } ?? .none), ("gid", u.gid.map { .int($0) } ?? .none),
                    ("group", u.group.map { .string($0) } ?? .none),
                ]))
        }
        func str(_ dest: String) -> Value { conf.string(dest).map { .string($0) } ?? .none }
        var values: [String: Value] = [
            "base_distro": .string(base),
            "base_image": str("base_image"),
            "base_distro_tag": str("base_tag"),
            "base_arch": .string(arch),
            "repos_yaml": str("repos_yaml"),
            "use_dumb_init": .bool(conf.bool("use_dumb_init")),
            "base_package_type": .string(conf.string("base_package_type").flatMap { $0.isEmpty ? nil : $0 } ?? distro?.packageType ?? ""),
            "debian_arch": .string(arch == "aarch64" ? "arm64" : (arch == "x86_64" ? "amd64" : arch)),
            "docker_healthchecks": .bool(conf.bool("docker_healthchecks")),
            "supported_distro_name": distro?.prettyName.map { .string($0) } ?? .none,
            "image_prefix": str("image_name_prefix"),
            "namespace": .string(namespace),
            "openstack_release": str("openstack_release"),
            "openstack_release_codename": str("openstack_release_codename"),
            "openstack_branch": str("openstack_branch"),
            "openstack_branch_slashed": str("openstack_branch_slashed"),
            "tag": str("tag"),
            "maintainer": str("maintainer"),
            "kolla_version": .string(conf.catalog.templateVars.first { $0.0 == "kolla_version" }?.1 ?? KollaOCI.version),
            "users": .dict(users),
            "distro_package_manager": .string(conf.string("distro_package_manager") ?? distro?.packageManager ?? ""),
            "rpm_setup": .list(ListBox(conf.rpmSetup.map { .string($0) })),
            "clean_package_cache": .bool(conf.bool("clean_package_cache")),
            "patches_path": str("patches_path"),
        ]
        for (k, v) in conf.catalog.templateVars where k != "kolla_version" { values[k] = .string(v) }
        let env = DictBox()
        for (k, v) in ProcessInfo.processInfo.environment.sorted(by: { $0.key < $1.key }) { env.set(k, .string(v)) }
        values["env"] = .dict(env)
        return values
    }

    /// Renders all images; returns the first failure (by walk order) if any.
    func renderAll() throws {
        let kolla = KollaEnvironment(repos: RepoTable(defaultPath: conf.catalog.reposPath))
        let env = Environment(
            loader: FileSystemLoader(searchPaths: [workDir.path]), globals: kolla.globals, filters: kolla.filters)
        var override: (env: Environment, name: String)?
        let overrides = conf.multi("template_override")
        if !overrides.isEmpty {
            let (name, text) = try DockerfileRenderer.mergeOverrides(overrides)
            override = (Environment(loader: DictLoader([name: text]), globals: kolla.globals, filters: kolla.filters), name)
        }
        let overrideTemplate = override
        let common = baseValues()
        let pipArgs = [("PIP_INDEX_URL", "pip_index_url"), ("PIP_TRUSTED_HOST", "pip_trusted_host"), ("PIP_EXTRA_INDEX_URL", "pip_extra_index_url")]
            .filter { !(conf.string($0.1) ?? "").isEmpty }.map { "ARG \($0.0)" }
        let paths = workDir.imagePaths
        let root = workDir.path
        let debugLog = log.flatMap { $0.level <= .debug ? $0 : nil }
        // Per image: its failure, or (for the debug log) its template and rendered text.
        let outcomes: [Result<(template: String, content: String)?, RenderError>] = Concurrently.map(paths.count) { i in
            let path = paths[i]
            let image = (path as NSString).lastPathComponent
            do {
                let relative = String(path.dropFirst(root.count + 1)) + "/Dockerfile.j2"
                var values = common
                values["image_name"] = .string(image)
                var template = try env.template(named: relative)
                if let overrideTemplate {
                    values["parent_template"] = .template(template)
                    template = try overrideTemplate.env.template(named: overrideTemplate.name)
                }
                var content = try template.render(values)
                if !pipArgs.isEmpty { content = DockerfileRenderer.insertAfterFrom(content, pipArgs) }
                try FileSystem.writeFile(path + "/Dockerfile", content.utf8)
                return .success(debugLog != nil ? (relative, content) : nil)
            } catch let e as TemplateError {
                return .failure(RenderError(image: image, error: e))
            } catch {
                return .failure(RenderError(image: image, error: TemplateError(.templateRuntimeError, "\(error)")))
            }
        }
        if let debugLog {
            // Concurrent renders, logged in walk order up to the first failure.
            for (i, path) in paths.enumerated() {
                guard case .success(let rendered?) = outcomes[i] else { break }
                debugLog.debug("Rendered \(rendered.template) into:")
                debugLog.debug(rendered.content)
                debugLog.debug("Wrote it to \(path)/Dockerfile")
            }
        }
        for outcome in outcomes { if case .failure(let first) = outcome { throw first } }
    }

    /// kolla's `_merge_overrides`: the first file whole, the others appended without the
    /// lines holding `{% … extends`.
    static func mergeOverrides(_ files: [String]) throws -> (String, String) {
        var text = ""
        for (i, file) in files.enumerated() {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ConfigError.dataFile(file, "--template-override: cannot read file")
            }
            var content = String(decoding: data, as: UTF8.self)
            if i > 0 {
                content = content.replacingOccurrences(of: #".*\{%.*extends.*\n"#, with: "", options: .regularExpression)
            }
            text += content
        }
        return ((files[0] as NSString).lastPathComponent, text)
    }

    /// Inserts `lines` right after the first `FROM` line (case-insensitive).
    static func insertAfterFrom(_ content: String, _ lines: [String]) -> String {
        var all = content.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if let i = all.firstIndex(where: { l in
            l.count >= 5 && l.prefix(4).uppercased() == "FROM" && l.dropFirst(4).first.map { $0 == " " || $0 == "\t" } == true
        }) {
            all.insert(contentsOf: lines, at: i + 1)
        }
        return all.joined(separator: "\n")
    }
}

extension Configuration {
    /// kolla's `build_rpm_setup`: each `rpm_setup_config` entry as an instruction.
    var rpmSetup: [String] {
        list("rpm_setup_config").map { config in
            if config.hasSuffix(".rpm") { return "RUN dnf -y install \(config)" }
            if config.hasSuffix(".repo") {
                if config.hasPrefix("http") {
                    return "RUN curl -L \(config) -o /etc/yum.repos.d/\(config.split(separator: "/").last ?? "")"
                }
                return "COPY \(config) /etc/yum.repos.d/"
            }
            return ""
        }
    }

    /// Entries of `rpm_setup_config` that are neither `.rpm` nor `.repo` (kolla raises).
    var invalidRpmSetup: String? {
        list("rpm_setup_config").first { !$0.isEmpty && !$0.hasSuffix(".rpm") && !$0.hasSuffix(".repo") }
    }
}
