// The OCI value types: JSON shapes of the specification (key names, optional fields),
// unknown media types round-tripping, schemaVersion checks, and canonical JSON bytes
// pinned so that digests stay stable.

import Foundation
import Testing
import OCIBuild

@Suite("OCI values")
struct OCIValueTests {
    static let layerDigest = try! Digest("sha256:" + String(repeating: "1", count: 64))
    static let configDigest = try! Digest("sha256:" + String(repeating: "2", count: 64))

    /// Untrusted documents nested far deeper than any manifest: an error, never a crash
    /// (bench/fuzz oci-json explores the rest).
    @Test func deeplyNestedDocumentsAreRejected() {
        let deep = Array(("{\"config\": " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}").utf8)
        #expect(throws: OCIError.self) { try CanonicalJSON.decode(Manifest.self, from: deep, what: "deep") }
        #expect(throws: OCIError.self) { try CanonicalJSON.decode(ImageConfig.self, from: deep, what: "deep") }
    }

    @Test("canonical JSON sorts keys by bytes and leaves slashes alone")
    func canonicalOrder() throws {
        let bytes = try CanonicalJSON.encode(["b": "x/y", "a_b": "1", "aB": "2", "a": "3"])
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"a":"3","aB":"2","a_b":"1","b":"x/y"}"#)
    }

    @Test("manifest JSON is canonical and its digest is pinned")
    func manifestBytes() throws {
        let manifest = Manifest(
            config: Descriptor(mediaType: .ociConfig, digest: Self.configDigest, size: 123),
            layers: [Descriptor(mediaType: .ociLayerGzip, digest: Self.layerDigest, size: 456)])
        let text = String(decoding: try CanonicalJSON.encode(manifest), as: UTF8.self)
        #expect(text == #"{"config":{"digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222","mediaType":"application/vnd.oci.image.config.v1+json","size":123},"layers":[{"digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","size":456}],"mediaType":"application/vnd.oci.image.manifest.v1+json","schemaVersion":2}"#)
        // The digest registries and the store key the manifest by: a change in the encoder's
        // bytes (key order, spacing, escaping) shows here even if the text above were updated.
        #expect(try Digest.sha256(of: try CanonicalJSON.encode(manifest)).description
            == "sha256:061c63611f3236d623b7c7bbeb90ebc3515623fd99b4a66507904abc4d5c5592")
        let back = try CanonicalJSON.decode(Manifest.self, from: Array(text.utf8), what: "test")
        #expect(back == manifest)
    }

    @Test("unknown media types and annotations round-trip")
    func unknownMediaType() throws {
        let json = #"{"annotations":{"x":"y"},"artifactType":"application/x.custom","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","mediaType":"application/vnd.example.thing+json","size":7,"urls":["https://e.example/b"]}"#
        let descriptor = try CanonicalJSON.decode(Descriptor.self, from: Array(json.utf8), what: "test")
        #expect(descriptor.mediaType.rawValue == "application/vnd.example.thing+json")
        #expect(!descriptor.mediaType.isLayer && !descriptor.mediaType.isManifest)
        #expect(String(decoding: try CanonicalJSON.encode(descriptor), as: UTF8.self) == json)
    }

    @Test("Docker schema 2 manifest and manifest list decode")
    func dockerManifest() throws {
        let json = """
            {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
             "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":1,
                       "digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222"},
             "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":2,
                        "digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111"}]}
            """
        let manifest = try CanonicalJSON.decode(Manifest.self, from: Array(json.utf8), what: "test")
        #expect(manifest.mediaType == .dockerManifest)
        #expect(manifest.config.mediaType.isConfig)
        #expect(manifest.layers[0].mediaType.layerCompression == .gzip)

        let list = """
            {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json",
             "manifests":[
              {"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":3,
               "digest":"sha256:3333333333333333333333333333333333333333333333333333333333333333",
               "platform":{"architecture":"arm64","os":"linux","variant":"v8"}},
              {"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":4,
               "digest":"sha256:4444444444444444444444444444444444444444444444444444444444444444",
               "platform":{"architecture":"amd64","os":"linux","os.version":"x"}}]}
            """
        let index = try CanonicalJSON.decode(Index.self, from: Array(list.utf8), what: "test")
        #expect(index.mediaType?.isIndex == true)
        #expect(index.manifest(for: Platform(architecture: "amd64", os: "linux"))?.size == 4)
        #expect(index.manifest(for: Platform(architecture: "arm64", os: "linux", variant: "v8"))?.size == 3)
        #expect(index.manifest(for: Platform(architecture: "s390x", os: "linux")) == nil)
        #expect(index.manifests[1].platform?.osVersion == "x")
    }

    @Test("schemaVersion other than 2 is refused with the key named")
    func schemaVersion() {
        let json = #"{"schemaVersion":1,"config":{"mediaType":"a","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":1},"layers":[]}"#
        #expect {
            try CanonicalJSON.decode(Manifest.self, from: Array(json.utf8), what: "m.json")
        } throws: { "\($0)".contains("m.json") && "\($0)".contains("schemaVersion must be 2") }
    }

    @Test("image config uses the specification's key names")
    func configKeys() throws {
        var config = ImageConfig(platform: Platform(architecture: "amd64", os: "linux"),
                                 rootfs: RootFS(diffIDs: [Self.layerDigest]),
                                 config: ContainerConfig(user: "keystone", env: ["A=1"], cmd: ["kolla_start"]),
                                 history: [History(created: "2026-01-01T00:00:00Z", createdBy: "x", emptyLayer: true)],
                                 created: "2026-01-01T00:00:00Z")
        config.config?.exposedPorts = ["5000/tcp": EmptyObject()]
        let text = String(decoding: try CanonicalJSON.encode(config), as: UTF8.self)
        for key in [#""diff_ids":["sha256:1111"#, #""rootfs":{"#, #""type":"layers""#, #""User":"keystone""#,
                    #""Env":["A=1"]"#, #""Cmd":["kolla_start"]"#, #""ExposedPorts":{"5000/tcp":{}}"#,
                    #""created_by":"x""#, #""empty_layer":true"#, #""architecture":"amd64""#] {
            #expect(text.contains(key), "missing \(key) in \(text)")
        }
        let back = try CanonicalJSON.decode(ImageConfig.self, from: Array(text.utf8), what: "test")
        #expect(back == config)
    }

    @Test("layer media types map to compressions")
    func layerTypes() {
        #expect(MediaType.ociLayer.layerCompression == Compression.none)
        #expect(MediaType.ociLayerGzip.layerCompression == .gzip)
        #expect(MediaType.ociLayerZstd.layerCompression == .zstd)
        #expect(MediaType.dockerLayerGzip.layerCompression == .gzip)
        #expect(MediaType.ociConfig.layerCompression == nil)
        #expect(MediaType.ociLayer(.zstd) == .ociLayerZstd)
    }
}
