import AsyncHTTPClient
import ChatBlobStore
import ChatCore
import Logging

/// The blob store chosen by `FilesConfiguration`: S3 when a bucket is configured, else files under the data directory.
struct FileBackends: Sendable {
    let blobs: any BlobStore

    /// S3 talks through AsyncHTTPClient's process-wide shared client (as the Firebase key fetcher does): it lives as
    /// long as the process and needs no shutdown, so no command that builds the backends can leak or mis-order it.
    static func make(_ configuration: AppConfiguration, logger: Logger) -> FileBackends {
        let files = configuration.files
        if let s3 = files.s3 {
            return FileBackends(blobs: S3BlobStore(configuration: s3, httpClient: .shared, logger: logger))
        }
        let root = files.directory ?? "\(configuration.dataDirectory)/files"
        return FileBackends(blobs: LocalBlobStore(root: root, syncToDisk: files.syncToDisk))
    }
}
