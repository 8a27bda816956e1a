// Image reference parsing, table-driven: Docker Hub defaults, registries with ports,
// tags and digests, and the rules that reject malformed names.

import Testing
import OCIBuild

@Suite("Reference")
struct ReferenceTests {
    static let digest = "sha256:" + String(repeating: "ab", count: 32)

    /// input → registry, repository, tag, digest?, familiar form
    static let valid: [(String, String, String, String?, Bool, String)] = [
        ("debian", "docker.io", "library/debian", nil, false, "debian:latest"),
        ("debian:bookworm", "docker.io", "library/debian", "bookworm", false, "debian:bookworm"),
        ("kolla/base:master", "docker.io", "kolla/base", "master", false, "kolla/base:master"),
        ("docker.io/library/debian:12", "docker.io", "library/debian", "12", false, "debian:12"),
        ("index.docker.io/library/debian", "docker.io", "library/debian", nil, false, "debian:latest"),
        ("quay.io/openstack.kolla/keystone:2024.1", "quay.io", "openstack.kolla/keystone", "2024.1", false,
         "quay.io/openstack.kolla/keystone:2024.1"),
        ("localhost/kolla/base", "localhost", "kolla/base", nil, false, "localhost/kolla/base:latest"),
        ("localhost:5000/kolla/base:1", "localhost:5000", "kolla/base", "1", false, "localhost:5000/kolla/base:1"),
        ("127.0.0.1:5000/a/b/c:x_y-z.1", "127.0.0.1:5000", "a/b/c", "x_y-z.1", false, "127.0.0.1:5000/a/b/c:x_y-z.1"),
        ("[::1]:5000/img:tag", "[::1]:5000", "img", "tag", false, "[::1]:5000/img:tag"),
        ("registry:5000/img", "registry:5000", "img", nil, false, "registry:5000/img:latest"),
        ("a__b/c--d/e.f_g:T", "docker.io", "a__b/c--d/e.f_g", "T", false, "a__b/c--d/e.f_g:T"),
        ("debian@\(digest)", "docker.io", "library/debian", nil, true, "debian@\(digest)"),
        ("debian:12@\(digest)", "docker.io", "library/debian", "12", true, "debian:12@\(digest)"),
        ("localhost:5000/x@\(digest)", "localhost:5000", "x", nil, true, "localhost:5000/x@\(digest)"),
    ]

    @Test("valid references", arguments: 0..<valid.count)
    func parsesValid(index: Int) throws {
        let (text, registry, repository, tag, hasDigest, familiar) = Self.valid[index]
        let reference = try Reference(text)
        #expect(reference.registry == registry)
        #expect(reference.repository == repository)
        #expect(reference.tag == tag)
        #expect((reference.digest != nil) == hasDigest)
        #expect(reference.familiarString == familiar)
        // The canonical form parses back to the same reference.
        #expect(try Reference(reference.description).description == reference.description)
    }

    static let invalid: [(String, String)] = [
        ("", "empty"),
        ("Debian", "path component"),
        ("debian:", "tag"),
        ("debian:-x", "tag"),
        ("debian:" + String(repeating: "a", count: 129), "tag"),
        ("debian@sha256:abc", "digest"),
        ("debian@md5:" + String(repeating: "a", count: 32), "digest"),
        ("a//b", "path component"),
        ("a/b/", "path component"),
        ("-a", "path component"),
        ("a..b", "path component"),
        ("a___b", "path component"),
        ("host:port/x", "registry"),
        ("exa mple.com/x", "registry"),
        (":tag", "missing repository"),
        ("@\(digest)", "missing repository"),
        ("docker.io/" + String(repeating: "a", count: 250), "255"),
    ]

    @Test("invalid references say which rule they break", arguments: 0..<invalid.count)
    func rejectsInvalid(index: Int) {
        let (text, fragment) = Self.invalid[index]
        #expect {
            try Reference(text)
        } throws: { error in
            let message = "\(error)"
            return message.hasPrefix("invalid reference") && message.contains(fragment)
        }
    }

    @Test("default tag only without digest")
    func effectiveTag() throws {
        #expect(try Reference("debian").effectiveTag == "latest")
        #expect(try Reference("debian@\(Self.digest)").effectiveTag == nil)
        #expect(try Reference("debian").description == "docker.io/library/debian:latest")
    }
}
