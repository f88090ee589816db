import AsyncHTTPClient
import ChatCore
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A `BlobStore` on Amazon S3 or an S3-compatible server, over AsyncHTTPClient with AWS Signature V4 (`S3Signer`).
///
/// Uploads stream: a body that fits in one part (`S3Configuration.partSize`) goes in a single PUT, a larger one in a
/// multipart upload that is aborted if anything fails, so a failed upload leaves no object and no incomplete upload.
/// Downloads are normally served by `signedURL` (presigned GET); `get` streams the object for callers that proxy.
public struct S3BlobStore: BlobStore {
    public let configuration: S3Configuration
    let httpClient: HTTPClient
    let signer: S3Signer
    let logger: Logger

    /// - Parameters:
    ///   - httpClient: the client to send with; its lifecycle belongs to the caller (the shared one needs none).
    ///   - logger: receives retries and failures with `s3.*` metadata; credentials are never logged.
    public init(configuration: S3Configuration, httpClient: HTTPClient = .shared, logger: Logger = Logger(label: "chatblizz.s3")) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.signer = S3Signer(
            accessKeyID: configuration.accessKeyID,
            secretAccessKey: configuration.secretAccessKey,
            region: configuration.region
        )
        self.logger = logger
    }

    public func get(key: String, range: BlobRange?) async throws -> BlobBody {
        try BlobKey.validate(key)
        var headers: [(name: String, value: String)] = []
        if let range {
            guard range.offset >= 0, (range.length ?? 1) >= 1 else { throw ChatError(.invalidRequest, "invalid range") }
            let end = range.length.map { String(range.offset + $0 - 1) } ?? ""
            headers.append(("range", "bytes=\(range.offset)-\(end)"))
        }
        let response = try await send(.GET, key: key, headers: headers)
        guard response.status == .ok || response.status == .partialContent else {
            throw await failure(response, "GET", key: key)
        }
        return BlobBody(response.body.map { Array(buffer: $0) })
    }

    public func head(key: String) async throws -> BlobMetadata? {
        try BlobKey.validate(key)
        let response = try await send(.HEAD, key: key)
        if response.status == .notFound { return nil }
        guard response.status == .ok else { throw await failure(response, "HEAD", key: key) }
        let size = response.headers.first(name: "content-length").flatMap { Int64($0) } ?? 0
        return BlobMetadata(key: key, size: size, contentType: response.headers.first(name: "content-type"))
    }

    public func delete(key: String) async throws {
        try BlobKey.validate(key)
        let response = try await send(.DELETE, key: key)
        guard response.status == .noContent || response.status == .ok || response.status == .notFound else {
            throw await failure(response, "DELETE", key: key)
        }
    }

    public func signedURL(key: String, expiresIn: Duration, fileName: String?, contentType: String?) async throws -> URL? {
        try presignedURL(key: key, expiresIn: expiresIn, fileName: fileName, contentType: contentType, at: Date())
    }

    /// A presigned GET URL as of `date` (`signedURL` uses now). `expiresIn` is clamped to 1 second...7 days, S3's
    /// limits. `fileName` becomes `response-content-disposition: attachment` (ASCII fallback plus RFC 5987 UTF-8).
    public func presignedURL(key: String, expiresIn: Duration, fileName: String?, contentType: String?, at date: Date) throws -> URL? {
        try BlobKey.validate(key)
        var query: [(name: String, value: String)] = []
        if let fileName { query.append(("response-content-disposition", Self.attachmentDisposition(fileName: fileName))) }
        if let contentType { query.append(("response-content-type", contentType)) }
        let location = configuration.location(of: key)
        let seconds = Int(min(max(expiresIn.components.seconds, 1), 604_800))
        return signer.presignedURL(
            scheme: location.scheme,
            host: location.host,
            path: location.path,
            extraQuery: query,
            expiresIn: seconds,
            at: date
        )
    }

    /// Creates the bucket if it does not exist (development and test setups; production buckets are provisioned).
    public func createBucket() async throws {
        var body: ByteBuffer?
        if configuration.region != "us-east-1" {
            let xml =
                "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>"
                + S3XML.escape(configuration.region) + "</LocationConstraint></CreateBucketConfiguration>"
            body = ByteBuffer(string: xml)
        }
        let response = try await send(.PUT, key: nil, body: body)
        if response.status == .ok { return }
        let error = await failure(response, "CreateBucket", key: nil)
        guard error.message.contains("BucketAlreadyOwnedByYou") else { throw error }
    }

    /// The keys of multipart uploads that were started but neither completed nor aborted (ListMultipartUploads, first
    /// page). A healthy store has none of its own; a bucket lifecycle rule should expire the leftovers of crashes.
    public func incompleteMultipartUploads() async throws -> [String] {
        let response = try await send(.GET, key: nil, query: [("uploads", "")])
        guard response.status == .ok else { throw await failure(response, "ListMultipartUploads", key: nil) }
        let text = try await Self.text(of: response)
        return S3XML.values(of: "Upload", in: text).compactMap { S3XML.value(of: "Key", in: $0) }
    }

    /// `attachment; filename="…"; filename*=UTF-8''…` with an ASCII-only, quote-free fallback name.
    static func attachmentDisposition(fileName: String) -> String {
        let fallback = String(
            fileName.unicodeScalars.map { scalar -> Character in
                scalar.isASCII && scalar.value >= 0x20 && scalar.value < 0x7f && scalar != "\"" && scalar != "\\" ? Character(scalar) : "_"
            }
        )
        return "attachment; filename=\"\(fallback)\"; filename*=UTF-8''\(S3Signer.encode(fileName, keepSlash: false))"
    }
}
