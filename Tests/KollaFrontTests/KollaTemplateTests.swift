import Foundation
import Jinja
import TestSupport
import Testing

@testable import KollaFront

/// Kolla's filter and globals; expected strings recorded from kolla 23.0.0's
/// `kolla/template/methods.py` with the fixture repository table.
@Suite struct KollaTemplateTests {
    static let repos = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tree/data/repos.yaml").path

    func render(_ source: String, _ vars: [String: Value]) throws -> String {
        let kolla = KollaEnvironment(repos: RepoTable(defaultPath: Self.repos))
        let env = Environment(globals: kolla.globals, filters: kolla.filters)
        return try env.template(source: source).render(vars)
    }

    @Test func customizableOverrideAppendRemove() throws {
        let t = "{% set p = ['a', 'b', 'c'] %}{{ p | customizable('packages') }}|{{ p }}"
        #expect(try render(t, ["image_name": "nova-api"]) == "['a', 'b', 'c']|['a', 'b', 'c']")
        #expect(
            try render(t, ["image_name": "nova-api", "nova_api_packages_append": ["d"], "nova_api_packages_remove": ["a", "zz"]])
                == "['b', 'c', 'd']|['b', 'c', 'd']")
        #expect(try render(t, ["image_name": "nova-api", "nova_api_packages_override": ["x"]]) == "['x']|['a', 'b', 'c']")
        // Top-level sets of the template count (the active render context).
        #expect(try render("{% set nova_api_packages_append = ['z'] %}" + t, ["image_name": "nova-api"]).hasPrefix("['a', 'b', 'c', 'z']"))
        // Undefined input passes through.
        #expect(try render("[{{ missing | customizable('packages') }}]", ["image_name": "x"]) == "[]")
    }

    @Test func debianPackageInstall() throws {
        #expect(
            try render("{{ debian_package_install(['a', 'b', 'https://x.org/p/pkg_1.deb'], False) }}", [:])
                == "apt-get --error-on=any update && apt-get -y install --no-install-recommends a b && curl --location https://x.org/p/pkg_1.deb -o pkg_1.deb && dpkg -i pkg_1.deb && rm -rf pkg_1.deb"
        )
        #expect(try render("[{{ debian_package_install([]) }}]", [:]) == "[]")
    }

    @Test func handleReposDebAndRpm() throws {
        let deb: [String: Value] = [
            "base_package_type": "deb", "base_distro": "debian", "base_arch": "x86_64", "image_name": "x",
            "openstack_release_codename": "Epoxy", "repos_yaml": "",
        ]
        // kolla leaves a trailing " && " when a distro repo ends the list.
        #expect(
            try render("{{ handle_repos(['example', 'debian'], 'enable') }}", deb)
                == "RUN echo 'Uris: https://example.org/apt' >/etc/apt/sources.list.d/example.sources && echo 'Components: main' >>/etc/apt/sources.list.d/example.sources && echo 'Types: deb' >>/etc/apt/sources.list.d/example.sources && echo 'Suites: epoxy' >>/etc/apt/sources.list.d/example.sources && echo 'Signed-By: /etc/kolla/apt-keys/example.asc' >>/etc/apt/sources.list.d/example.sources && "
        )
        var rpm = deb
        rpm["base_package_type"] = "rpm"
        rpm["base_distro"] = "rocky"
        #expect(
            try render("{{ handle_repos(['example'], 'enable') }}", rpm)
                == "RUN grep -rlF '[example]' /etc/yum.repos.d/ 2>/dev/null | xargs -r rm -f && echo '[example]' >/etc/yum.repos.d/example.repo && echo 'name=example' >>/etc/yum.repos.d/example.repo && echo 'enabled=1' >>/etc/yum.repos.d/example.repo && echo 'gpgcheck=1' >>/etc/yum.repos.d/example.repo && echo 'gpgkey=https://example.org/key' >>/etc/yum.repos.d/example.repo && echo 'baseurl=https://example.org/rpm/1' >>/etc/yum.repos.d/example.repo && echo 'baseurl=https://example.org/rpm/2' >>/etc/yum.repos.d/example.repo"
        )
        #expect(try render("[{{ cleanup_repos() }}]", deb) == "[]")
        #expect(throws: TemplateError.self) { try render("{{ handle_repos('example', 'enable') }}", deb) }
        #expect(throws: TemplateError.self) { try render("{{ handle_repos(['nope'], 'enable') }}", deb) }
    }

    @Test func raiseErrorFailsTheRender() throws {
        do {
            _ = try render("{{ raise_error('unknown user') }}", [:])
            Issue.record("expected an error")
        } catch let e as TemplateError {
            #expect(e.message == "unknown user")
        }
    }

    @Test func yamlDataFile() throws {
        let doc = try YAMLLoader.load(
            """
            ---
            # comment
            a:
              b: "x # not a comment"
              c: 'it''s'
              list:
              - one
              - two  # trailing
              block: |
                line1
                line2
              flag: True
              empty: []
            d: plain value
            """)
        #expect(doc["a"]?["b"]?.string == "x # not a comment")
        #expect(doc["a"]?["c"]?.string == "it's")
        #expect(doc["a"]?["list"]?.items.compactMap(\.string) == ["one", "two"])
        #expect(doc["a"]?["block"]?.string == "line1\nline2\n")
        #expect(doc["a"]?["flag"]?.bool == true)
        #expect(doc["a"]?["empty"]?.items.isEmpty == true)
        #expect(doc["d"]?.string == "plain value")
        #expect(throws: YAMLError.self) { try YAMLLoader.load("a:\n  b: 1\n c: 2\n") }
    }
}
