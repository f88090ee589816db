import AsyncHTTPClient
import ChatCore
import Foundation
import Logging

/// Which blob store the app uses: the closed choice the composition root makes once, from configuration.
public enum BlobStoreBackend: Sendable {
    /// Files under `root` on the local disk.
    case local(root: String, syncToDisk: Bool)
    /// Amazon S3 or an S3-compatible server.
    case s3(S3Configuration)

    /// Reads the choice from environment variables:
    ///
    /// - `CHATBLIZZ_BLOB_STORE`: `local` or `s3`. Unset: `s3` when `AWS_BUCKET_NAME` is set (as the original app did),
    ///   else `local`.
    /// - `CHATBLIZZ_FILES_DIR` (local): the directory of the files, default `./data/files`.
    /// - `CHATBLIZZ_FILES_FSYNC` (local): `true` (default) to `fsync` each file, and its directory after the rename, before
    ///   the upload is answered; `false` leaves flushing to the OS.
    /// - S3: the variables of `S3Configuration.fromEnvironment`.
    ///
    /// Throws `ChatError(.validationFailed)` whose `field` names the bad variable.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> BlobStoreBackend {
        let chosen = environment["CHATBLIZZ_BLOB_STORE"].flatMap { $0.isEmpty ? nil : $0.lowercased() }
        switch chosen ?? (environment["AWS_BUCKET_NAME"].map { $0.isEmpty ? "local" : "s3" } ?? "local") {
        case "s3":
            return .s3(try S3Configuration.fromEnvironment(environment))
        case "local":
            let root = environment["CHATBLIZZ_FILES_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "./data/files"
            var sync = true
            if let raw = environment["CHATBLIZZ_FILES_FSYNC"], !raw.isEmpty {
                guard let value = Bool(raw.lowercased()) else {
                    throw ChatError(.validationFailed, "CHATBLIZZ_FILES_FSYNC must be true or false", field: "CHATBLIZZ_FILES_FSYNC")
                }
                sync = value
            }
            return .local(root: root, syncToDisk: sync)
        default:
            throw ChatError(.validationFailed, "CHATBLIZZ_BLOB_STORE must be local or s3", field: "CHATBLIZZ_BLOB_STORE")
        }
    }

    /// The store for this choice. `httpClient` is used by S3 only; its lifecycle stays with the caller.
    public func makeStore(httpClient: HTTPClient = .shared, logger: Logger = Logger(label: "chatblizz.blobs")) -> any BlobStore {
        switch self {
        case .local(let root, let syncToDisk): LocalBlobStore(root: root, syncToDisk: syncToDisk)
        case .s3(let configuration): S3BlobStore(configuration: configuration, httpClient: httpClient, logger: logger)
        }
    }
}
