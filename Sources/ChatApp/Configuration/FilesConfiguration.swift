import ChatBlobStore
import ChatCore
import Foundation

/// Where uploaded files are kept and how big uploads may be; part of `AppConfiguration`.
public struct FilesConfiguration: Sendable {
    /// `CHATBLIZZ_MAX_FILE_BYTES` (default 15 MiB), `CHATBLIZZ_MAX_FILES_PER_UPLOAD` (10), `CHATBLIZZ_MAX_UPLOAD_BYTES`
    /// (50 MiB), `CHATBLIZZ_MAX_UPLOAD_PARTS` (32) and `CHATBLIZZ_MAX_UPLOAD_BYTES_PER_DAY` (1 GiB per user).
    public var limits = FileLimits()
    /// `CHATBLIZZ_FILES_DIR`: the local store's directory (default `<data dir>/files`).
    public var directory: String?
    /// `CHATBLIZZ_FILES_FSYNC` (default true): `fsync` each local file and its directory before the upload is answered.
    public var syncToDisk = true
    /// The S3 store, used when `AWS_BUCKET_NAME` is set (or `CHATBLIZZ_BLOB_STORE=s3`): `AWS_BUCKET_REGION`,
    /// `ACCESS_KEY_AWS`, `SECRET_KEY_AWS`, `CHATBLIZZ_S3_ENDPOINT` (or `AWS_ENDPOINT_URL`), `CHATBLIZZ_S3_PATH_STYLE`,
    /// `CHATBLIZZ_S3_PART_SIZE_MB`. Nil: files stay on the local disk.
    public var s3: S3Configuration?
    /// `CHATBLIZZ_FILES_URL_TTL_S` (default 300): how long a presigned S3 download URL is valid.
    public var downloadURLExpiry: Duration = .seconds(300)
    /// `CHATBLIZZ_FILE_LINK_TTL_S` (default 7 days, 60 s to 365 days): how long the signed download links of v1
    /// payloads (`/api/v1/files/{id}?expires=…&signature=…`, usable without a token) stay valid.
    public var linkLifetime: Duration = .seconds(7 * 86_400)

    public init() {}

    init(environment: [String: String], reader: ConfigurationReader) throws {
        if let value = try reader.int("CHATBLIZZ_MAX_FILE_BYTES", in: 1...(5 << 30)) { limits.maxFileBytes = Int64(value) }
        limits.maxFilesPerRequest = try reader.int("CHATBLIZZ_MAX_FILES_PER_UPLOAD", in: 1...1000) ?? limits.maxFilesPerRequest
        if let value = try reader.int("CHATBLIZZ_MAX_UPLOAD_BYTES", in: 1024...(50 << 30)) { limits.maxRequestBytes = Int64(value) }
        limits.maxPartsPerRequest = try reader.int("CHATBLIZZ_MAX_UPLOAD_PARTS", in: 1...10_000) ?? limits.maxPartsPerRequest
        if let value = try reader.int("CHATBLIZZ_MAX_UPLOAD_BYTES_PER_DAY", in: 1...(1 << 50)) { limits.maxBytesPerUserPerDay = Int64(value) }
        if let seconds = try reader.int("CHATBLIZZ_FILES_URL_TTL_S", in: 1...(7 * 86_400)) { downloadURLExpiry = .seconds(seconds) }
        if let seconds = try reader.int("CHATBLIZZ_FILE_LINK_TTL_S", in: 60...(365 * 86_400)) { linkLifetime = .seconds(seconds) }
        var blobEnvironment = environment
        if blobEnvironment["CHATBLIZZ_S3_ENDPOINT"]?.isEmpty ?? true, let endpoint = environment["AWS_ENDPOINT_URL"], !endpoint.isEmpty {
            blobEnvironment["CHATBLIZZ_S3_ENDPOINT"] = endpoint
        }
        do {
            switch try BlobStoreBackend.fromEnvironment(blobEnvironment) {
            case .s3(let configuration):
                s3 = configuration
            case .local(_, let sync):
                syncToDisk = sync
                directory = try reader.string("CHATBLIZZ_FILES_DIR")
            }
        } catch let error as ChatError {
            throw ConfigurationError(key: error.field ?? "CHATBLIZZ_BLOB_STORE", "is invalid: \(error.message)")
        }
    }
}
