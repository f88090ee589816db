import AsyncHTTPClient
import ChatBlobStore
import ChatCore
import Logging
import ServiceLifecycle
import Synchronization

/// The blob store chosen by `FilesConfiguration`, and the service that owns its HTTP client (S3 only).
struct FileBackends: Sendable {
    let blobs: any BlobStore
    /// Runs until graceful shutdown, then shuts the S3 HTTP client down; nil for the local store.
    let service: (any Service)?

    static func make(_ configuration: AppConfiguration, logger: Logger) -> FileBackends {
        let files = configuration.files
        if let s3 = files.s3 {
            let owner = HTTPClientOwner(HTTPClient(eventLoopGroupProvider: .singleton))
            return FileBackends(
                blobs: S3BlobStore(configuration: s3, httpClient: owner.client, logger: logger),
                service: HTTPClientService(owner: owner)
            )
        }
        let root = files.directory ?? "\(configuration.dataDirectory)/files"
        return FileBackends(blobs: LocalBlobStore(root: root, syncToDisk: files.syncToDisk), service: nil)
    }
}

/// Owns an `HTTPClient`: it lives until the service group shuts down, then is shut down (after the HTTP server, since
/// connection services are started first and stopped last).
struct HTTPClientService: Service {
    let owner: HTTPClientOwner

    func run() async throws {
        try? await gracefulShutdown()
        try await owner.shutdown()
    }
}

/// Shuts its client down exactly once: from `HTTPClientService`, or when released by a command that never ran the
/// services (`chatblizz user create` builds the backends without serving).
final class HTTPClientOwner: Sendable {
    let client: HTTPClient
    private let isShutDown = Mutex(false)

    init(_ client: HTTPClient) { self.client = client }

    func shutdown() async throws {
        guard
            isShutDown.withLock({ state in
                defer { state = true }
                return !state
            })
        else { return }
        try await client.shutdown()
    }

    deinit {
        if !isShutDown.withLock({ $0 }) { try? client.syncShutdown() }
    }
}
