import ChatCore
import Foundation

/// Where and how `S3BlobStore` talks to S3 or an S3-compatible server (MinIO, moto, R2).
public struct S3Configuration: Sendable {
    /// The smallest part S3 accepts in a multipart upload (all but the last part).
    public static let minimumPartSize = 5 * 1024 * 1024

    public var bucket: String
    public var region: String
    public var accessKeyID: String
    public var secretAccessKey: String
    /// A custom endpoint such as `http://127.0.0.1:9000`; nil for AWS (`https://s3.<region>.amazonaws.com`).
    public var endpoint: URL?
    /// `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key`; needed for IP endpoints and most
    /// S3-compatible servers.
    public var usePathStyle: Bool
    /// Bodies up to this size go in one PUT; larger ones in multipart uploads of parts of this size. Each part is held
    /// in memory while it is sent (so it can be retried), which bounds an upload's memory to one part.
    public var partSize: Int
    /// How many times a request is tried when S3 answers 5xx, 429, SlowDown or throttling, or the connection fails.
    public var maxAttempts: Int
    /// The delay before the first retry; doubled on each further retry (plus jitter).
    public var retryBaseDelay: Duration
    /// Timeout of one request (one part).
    public var requestTimeout: Duration

    public init(
        bucket: String,
        region: String,
        accessKeyID: String,
        secretAccessKey: String,
        endpoint: URL? = nil,
        usePathStyle: Bool = false,
        partSize: Int = 8 * 1024 * 1024,
        maxAttempts: Int = 4,
        retryBaseDelay: Duration = .milliseconds(200),
        requestTimeout: Duration = .seconds(60)
    ) {
        self.bucket = bucket
        self.region = region
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.endpoint = endpoint
        self.usePathStyle = usePathStyle
        self.partSize = max(Self.minimumPartSize, partSize)
        self.maxAttempts = max(1, maxAttempts)
        self.retryBaseDelay = retryBaseDelay
        self.requestTimeout = requestTimeout
    }

    /// Reads the configuration from environment variables (the original deployment's names where they exist):
    ///
    /// - `AWS_BUCKET_NAME` (required): the bucket.
    /// - `AWS_BUCKET_REGION` (required): the region, e.g. `eu-west-1` (`auto` for R2).
    /// - `ACCESS_KEY_AWS`, `SECRET_KEY_AWS` (required): the credentials. Never logged.
    /// - `CHATBLIZZ_S3_ENDPOINT` (optional): custom endpoint URL, `http(s)://host[:port]`.
    /// - `CHATBLIZZ_S3_PATH_STYLE` (optional): `true`/`false`; defaults to true when an endpoint is set.
    /// - `CHATBLIZZ_S3_PART_SIZE_MB` (optional): multipart part size in MiB, at least 5 (default 8).
    ///
    /// Throws `ChatError(.validationFailed)` whose `field` names the missing or bad variable.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> S3Configuration {
        func required(_ name: String) throws -> String {
            guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
                throw ChatError(.validationFailed, "\(name) is required for the S3 blob store", field: name)
            }
            return value
        }
        let bucket = try required("AWS_BUCKET_NAME")
        guard bucket.utf8.count >= 3, bucket.utf8.count <= 63, bucket.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" || $0 == "." })
        else {
            throw ChatError(.validationFailed, "AWS_BUCKET_NAME is not a valid bucket name", field: "AWS_BUCKET_NAME")
        }
        let region = try required("AWS_BUCKET_REGION")
        let accessKeyID = try required("ACCESS_KEY_AWS")
        let secretAccessKey = try required("SECRET_KEY_AWS")
        var endpoint: URL?
        if let raw = environment["CHATBLIZZ_S3_ENDPOINT"], !raw.isEmpty {
            guard let url = URL(string: raw), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw ChatError(.validationFailed, "CHATBLIZZ_S3_ENDPOINT must be an http(s) URL", field: "CHATBLIZZ_S3_ENDPOINT")
            }
            endpoint = url
        }
        var pathStyle = endpoint != nil
        if let raw = environment["CHATBLIZZ_S3_PATH_STYLE"], !raw.isEmpty {
            switch raw.lowercased() {
            case "true", "1", "yes": pathStyle = true
            case "false", "0", "no": pathStyle = false
            default: throw ChatError(.validationFailed, "CHATBLIZZ_S3_PATH_STYLE must be true or false", field: "CHATBLIZZ_S3_PATH_STYLE")
            }
        }
        var partSize = 8 * 1024 * 1024
        if let raw = environment["CHATBLIZZ_S3_PART_SIZE_MB"], !raw.isEmpty {
            guard let megabytes = Int(raw), megabytes >= 5, megabytes <= 5 * 1024 else {
                throw ChatError(.validationFailed, "CHATBLIZZ_S3_PART_SIZE_MB must be 5...5120", field: "CHATBLIZZ_S3_PART_SIZE_MB")
            }
            partSize = megabytes * 1024 * 1024
        }
        return S3Configuration(
            bucket: bucket,
            region: region,
            accessKeyID: accessKeyID,
            secretAccessKey: secretAccessKey,
            endpoint: endpoint,
            usePathStyle: pathStyle,
            partSize: partSize
        )
    }

    /// Scheme, host (with a non-default port) and path prefix of `key`'s URL in this configuration.
    func location(of key: String?) -> (scheme: String, host: String, path: String) {
        let scheme = endpoint?.scheme ?? "https"
        var host = endpoint?.host ?? "s3.\(region).amazonaws.com"
        if let port = endpoint?.port, !(scheme == "http" && port == 80), !(scheme == "https" && port == 443) {
            host += ":\(port)"
        }
        let basePath = endpoint.map { $0.path.hasSuffix("/") ? String($0.path.dropLast()) : $0.path } ?? ""
        let keyPath = key.map { "/\($0)" } ?? "/"
        if usePathStyle {
            return (scheme, host, "\(basePath)/\(bucket)\(key.map { "/\($0)" } ?? "")")
        }
        return (scheme, "\(bucket).\(host)", basePath + keyPath)
    }
}
