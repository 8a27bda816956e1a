import Foundation
import OCIBuild
import OCIRegistry
import Testing

/// Which credential helper a config file names for a registry, and what it is asked.
@Suite struct CredentialHelperUnitTests {
    @Test func helperChoice() {
        let document: [String: Any] = [
            "credHelpers": ["https://Registry.Example:5000/": "ecr", "other.example": "gcr"],
            "credsStore": "pass",
        ]
        // A credHelpers entry wins, asked with its key as written; other registries use credsStore.
        #expect(CredentialHelper.helper(in: document, registry: "registry.example:5000")! == ("ecr", "https://Registry.Example:5000/", false))
        #expect(CredentialHelper.helper(in: document, registry: "third.example")! == ("pass", "third.example", true))
        // Docker Hub is asked as docker asks for it.
        #expect(CredentialHelper.helper(in: document, registry: "docker.io")! == ("pass", "https://index.docker.io/v1/", true))
        #expect(CredentialHelper.helper(in: ["auths": [:]], registry: "third.example") == nil)
        #expect(CredentialHelper.helper(in: ["credsStore": ""], registry: "third.example") == nil)
    }

    @Test func missingHelper() throws {
        // A registry's own helper missing is an error; a credsStore one leaves auths usable.
        #expect(throws: RegistryError.self) {
            try CredentialHelper.get("nonexistent-kolla-oci-test", serverURL: "x", configFile: "/c.json", environment: ["PATH": "/nonexistent"])
        }
        #expect(try CredentialHelper.get("nonexistent-kolla-oci-test", serverURL: "x", configFile: "/c.json", optional: true,
                                         environment: ["PATH": "/nonexistent"]) == nil)
    }
}
