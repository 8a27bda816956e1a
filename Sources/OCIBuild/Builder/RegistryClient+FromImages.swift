import OCIRegistry
import OCIStore
import OCIValues

extension RegistryClient {
    /// The FROM hook of builds: pulls an image the store lacks from its registry under its
    /// familiar name; nil when the registry has no such image.
    package func fromImagePuller(into store: ImageStore) -> @Sendable (String) throws -> Descriptor? {
        { image in
            let reference = try Reference(image)
            do {
                return try self.pull(reference, into: store, name: reference.familiarString)
            } catch let error as RegistryError {
                if case .manifestNotFound = error { return nil }
                throw error
            }
        }
    }
}
