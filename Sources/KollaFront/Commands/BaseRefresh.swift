import Foundation
import OCIBuild
import Synchronization

/// kolla-build's `--pull` without an engine: before a root image is built, its FROM image
/// is made the registry's current one (a digest check; a pull only when it changed), once
/// per run and reference. When the registry cannot be asked (offline, a name that exists
/// only in the store) an image the store has is used with a warning, so offline stores
/// keep working; one it lacks is pulled as usual, and that failing fails the build.
final class BaseRefresh: Sendable {
    private let registry: RegistryClient
    private let checker: RegistryClient
    private let store: ImageStore
    private let log: Log
    private let done = Mutex<[String: Descriptor?]>([:])

    /// `registry` pulls; the digest check gets at most `checkTime` seconds of retries, and
    /// none for a registry name that does not resolve (offline, the store's image is used).
    init(registry: RegistryClient, store: ImageStore, log: Log, checkTime: Double = 2) {
        self.registry = registry
        var quick = registry.options
        quick.retryMaxTime = min(quick.retryMaxTime, checkTime)
        quick.retryUnresolvedHosts = false
        checker = RegistryClient(options: quick)
        self.store = store
        self.log = log
    }

    /// The descriptor to build `image` on, or nil to use the store as it is.
    func callAsFunction(_ image: String) throws -> Descriptor? {
        let reference = try Reference(image)
        let name = reference.familiarString
        if let known = done.withLock({ $0[name] }) { return known }
        let result: Descriptor?
        do {
            let (descriptor, outcome) = try registry.refresh(reference, into: store, name: name, checker: checker)
            switch outcome {
            case .unchanged: log.debug("\(name) is the registry's current image (\(descriptor.digest))")
            case .pulled: log.info("Pulled the registry's current \(name) (\(descriptor.digest))")
            }
            result = descriptor
        } catch {
            guard (try? store.resolve(name)) != nil else { return nil }
            log.warning("Cannot check \(name) for a newer image (\(error)); building on the image in the store")
            result = nil
        }
        done.withLock { $0[name] = result }
        return result
    }
}
