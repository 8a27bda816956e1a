import Foundation
import TestSupport
import Testing

/// kolla-oci's own image tree (`docker/`, `etc/kolla/data/`) through `kolla-oci build`:
/// it renders whole, its graph is the intended one, and every template keeps kolla's
/// conventions (header/footer blocks, customizable package lists, parent FROM lines).
@Suite struct DockerTreeTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// image → parent (nil for base): the tree as docs/IMAGES.md describes it.
    static let tree: [String: String?] = [
        "base": nil,
        "openstack-base": "base",
        "keystone-base": "openstack-base", "keystone": "keystone-base",
        "glance-base": "openstack-base", "glance-api": "glance-base",
        "placement-base": "openstack-base", "placement-api": "placement-base",
        "nova-base": "openstack-base", "nova-api": "nova-base", "nova-conductor": "nova-base",
        "nova-scheduler": "nova-base", "nova-compute": "nova-base",
        "neutron-base": "openstack-base", "neutron-server": "neutron-base",
        "neutron-openvswitch-agent": "neutron-base", "neutron-dhcp-agent": "neutron-base",
        "neutron-l3-agent": "neutron-base", "neutron-metadata-agent": "neutron-base",
        "heat-base": "openstack-base", "heat-api": "heat-base", "heat-api-cfn": "heat-base",
        "heat-engine": "heat-base",
        "horizon": "openstack-base",
        "mariadb-server": "base", "rabbitmq": "base", "memcached": "base", "haproxy": "base",
        "keepalived": "base", "chrony": "base", "cron": "base",
        "openvswitch-base": "base", "openvswitch-db-server": "openvswitch-base",
        "openvswitch-vswitchd": "openvswitch-base",
        "kolla-toolbox": "base", "rsyslog": "base",
    ]

    func build(_ args: [String], home: TemporaryDirectory) throws -> ToolRun {
        try runTool(kollaOCIBinary(), ["build", "--data-dir", Self.repoRoot] + args,
                    environment: ["HOME": home.path], directory: Self.repoRoot)
    }

    /// Image name → rendered Dockerfile of a --template-only work dir.
    func dockerfiles(_ work: String) throws -> [String: String] {
        try imageDirectories(work).mapValues { try String(contentsOfFile: $0 + "/Dockerfile", encoding: .utf8) }
    }

    /// Image name → its directory (the build context) in a --template-only work dir.
    func imageDirectories(_ work: String) -> [String: String] {
        var out: [String: String] = [:]
        let docker = work + "/docker"
        let walker = FileManager.default.enumerator(atPath: docker)
        while let rel = walker?.nextObject() as? String {
            guard (rel as NSString).lastPathComponent == "Dockerfile" else { continue }
            let dir = (rel as NSString).deletingLastPathComponent
            out[(dir as NSString).lastPathComponent] = docker + "/" + dir
        }
        return out
    }

    @Test func rendersTheWholeTree() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-tree")
        defer { try? dir.remove() }
        let r = try build(["--template-only", "--work-dir", dir.path + "/work"], home: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let files = try dockerfiles(dir.path + "/work")
        #expect(Set(files.keys) == Set(Self.tree.keys))

        for (image, text) in files {
            let from = text.split(separator: "\n").first.map(String.init) ?? ""
            if let parent = Self.tree[image] ?? nil {
                #expect(from == "FROM kolla/\(parent):2022.2-debian-bookworm", "\(image)")
            } else {
                #expect(from == "FROM debian:bookworm", "\(image)")
            }
            #expect(!text.contains("{{") && !text.contains("{%") && !text.contains("None"), "\(image)")
            #expect(text.contains("LABEL maintainer=") && text.contains("name=\"\(image)\""), "\(image)")
            // Debian's archive only: no pip, no third-party repositories or downloads (the
            // user's own apt_sources_list, empty by default, is kolla's one exception).
            let own = text.replacingOccurrences(of: "COPY sources.list /etc/apt/sources.list.d/kolla-custom.list\n", with: "")
            for banned in ["pip install", "pip3 ", "curl http", "sources.list.d/", "extrepo", "ADD "] {
                #expect(!own.contains(banned), "\(image) contains \(banned)")
            }
            if text.contains("apt-get -y install") {
                #expect(text.contains("--no-install-recommends"), "\(image)")
                #expect(text.contains("rm -rf /var/lib/apt/lists/*"), "\(image)")
            }
        }

        // Every file a COPY names is in the image's build context.
        for (image, context) in imageDirectories(dir.path + "/work") {
            for line in files[image, default: ""].split(separator: "\n") where line.hasPrefix("COPY ") {
                let words = line.split(separator: " ").dropFirst().map(String.init)
                for source in words.dropLast() {
                    #expect(FileManager.default.fileExists(atPath: context + "/" + source), "\(image): COPY \(source)")
                }
            }
        }

        let base = try #require(files["base"])
        #expect(base.contains("if [ \"${PRETTY_NAME#Debian GNU/Linux 12 (bookworm)}\" = \"$PRETTY_NAME\" ]"))
        #expect(base.contains("groupadd --gid 42400 kolla \\\n    && useradd -l -M --shell /usr/sbin/nologin --uid 42400 --gid 42400 kolla"))
        #expect(base.contains("groupadd --gid 42486 haclient"))
        #expect(base.components(separatedBy: "useradd ").count - 1 == 85)
        #expect(base.contains("ENTRYPOINT [\"dumb-init\", \"--single-child\", \"--\"]"))
        #expect(base.hasSuffix("CMD [\"kolla_start\"]"))
        #expect(base.contains("python3-minimal") && base.contains("libpython3-stdlib"))
        #expect(base.contains("COPY set_configs.py /usr/local/bin/kolla_set_configs"))
        #expect(base.contains("chmod 2775 /var/log/kolla"))
        #expect(base.contains("COPY healthcheck_curl"))

        let keystone = try #require(files["keystone"])
        #expect(keystone.hasSuffix("USER keystone"))
        let keystoneBase = try #require(files["keystone-base"])
        #expect(keystoneBase.contains("RUN usermod --append --home /var/lib/keystone --groups kolla keystone"))
        #expect(keystoneBase.contains("chown -R 42425:42425 /var/lib/keystone"))
    }

    @Test func optionsReachTheTemplates() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-tree")
        defer { try? dir.remove() }
        let r = try build(["--template-only", "--work-dir", dir.path + "/work", "--nouse-dumb-init",
                           "--nodocker-healthchecks", "--profile", "ci"], home: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let files = try dockerfiles(dir.path + "/work")
        #expect(Set(files.keys) == ["base", "openstack-base", "keystone-base", "keystone"])
        let base = try #require(files["base"])
        #expect(!base.contains("ENTRYPOINT") && !base.contains("dumb-init"))
        #expect(!base.contains("healthcheck_") && !base.contains(" curl "))
    }

    @Test func ciProfileListsExactlyTheKeystoneChain() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-tree")
        defer { try? dir.remove() }
        let r = try build(["--list-images", "--profile", "ci"], home: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let listed = r.stdout.split(separator: "\n").map { String($0.split(separator: " ").last!) }
        #expect(listed.count == 4)
        #expect(Set(listed) == ["base", "openstack-base", "keystone-base", "keystone"])

        // The other profiles select what their names say.
        let infra = try build(["--list-images", "--profile", "infra"], home: dir)
        let infraImages = Set(infra.stdout.split(separator: "\n").map { String($0.split(separator: " ").last!) })
        #expect(infraImages.isSuperset(of: ["mariadb-server", "rabbitmq", "memcached", "openvswitch-db-server", "rsyslog"]))
        #expect(!infraImages.contains("openstack-base"))
        let all = try build(["--list-images", "--profile", "default"], home: dir)
        #expect(Set(all.stdout.split(separator: "\n").map { String($0.split(separator: " ").last!) }) == Set(Self.tree.keys))
    }

    @Test func customizationHooksWorkAsInKolla() throws {
        let dir = try TemporaryDirectory(prefix: "kolla-oci-tree")
        defer { try? dir.remove() }
        let override = dir.path + "/override.j2"
        try """
        {% extends parent_template %}
        {% set keystone_base_packages_append = ['python3-requests-kerberos'] %}
        {% set keystone_base_packages_remove = ['python3-ldappool'] %}
        {% block keystone_header %}RUN echo keystone-header-marker{% endblock %}
        {% block keystone_footer %}RUN echo keystone-footer-marker{% endblock %}
        {% block base_footer %}RUN echo base-footer-marker{% endblock %}
        """.write(toFile: override, atomically: true, encoding: .utf8)
        let r = try build(["--template-only", "--work-dir", dir.path + "/work", "--profile", "ci",
                           "--template-override", override], home: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let files = try dockerfiles(dir.path + "/work")
        let keystone = try #require(files["keystone"])
        #expect(keystone.contains("RUN echo keystone-header-marker") && keystone.contains("RUN echo keystone-footer-marker"))
        let keystoneBase = try #require(files["keystone-base"])
        #expect(keystoneBase.contains("install --no-install-recommends keystone python3-ldap python3-requests-kerberos &&"))
        #expect(try #require(files["base"]).contains("RUN echo base-footer-marker\n\nCMD"))
    }

    /// Every image template keeps kolla's conventions, checked on the sources.
    @Test func templatesFollowKollaConventions() throws {
        let docker = Self.repoRoot + "/docker"
        var seen = 0
        let walker = FileManager.default.enumerator(atPath: docker)
        while let rel = walker?.nextObject() as? String {
            guard (rel as NSString).lastPathComponent == "Dockerfile.j2" else { continue }
            seen += 1
            let image = ((rel as NSString).deletingLastPathComponent as NSString).lastPathComponent
            let key = image.replacingOccurrences(of: "-", with: "_")
            let text = try String(contentsOfFile: docker + "/" + rel, encoding: .utf8)
            #expect(text.contains("{% block \(key)_header %}{% endblock %}"), "\(image)")
            #expect(text.contains("{% block \(key)_footer %}{% endblock %}"), "\(image)")
            #expect(text.contains("{% import \"macros.j2\" as macros with context %}"), "\(image)")
            #expect(text.contains("customizable(\"packages\")"), "\(image)")
            #expect(text.contains("{{ macros.kolla_cleanup_repos() }}"), "\(image)")
            #expect(text.contains("{{ macros.kolla_patch_sources() }}"), "\(image)")
            if image != "base" {
                #expect(text.hasPrefix("FROM {{ namespace }}/{{ image_prefix }}"), "\(image)")
                #expect(text.contains("{{ macros.kolla_enable_base_repos() }}"), "\(image)")
            }
            // Leaves (no image is built FROM them) also have the generic footer block.
            let isParent = Self.tree.values.contains { $0 == image }
            #expect(isParent != text.contains("{% block footer %}{% endblock %}"), "\(image)")
        }
        #expect(seen == Self.tree.count)
    }
}
