import struct Foundation.URL

/// An in-memory `BlobStore` for tests and single-process demos. It keeps whole blobs in memory by nature, but still
/// enforces `maxBytes` while the body streams in and stores nothing when a `put` fails. It cannot sign URLs.
///
/// Hashing is left to the caller's `sha256` closure because ChatCore links no crypto library; by default the recorded
/// hash is empty.
public actor MemoryBlobStore: BlobStore {
    private struct Blob {
        var bytes: [UInt8]
        var contentType: String?
    }

    private var blobs: [String: Blob] = [:]
    private let sha256: @Sendable ([UInt8]) -> String

    /// - Parameter sha256: computes the lowercase hex SHA-256 recorded in `BlobInfo`.
    public init(sha256: @escaping @Sendable ([UInt8]) -> String = { _ in "" }) {
        self.sha256 = sha256
    }

    public func put(key: String, body: BlobBody, contentType: String?, maxBytes: Int64) async throws -> BlobInfo {
        try BlobKey.validate(key)
        var bytes: [UInt8] = []
        for try await chunk in body {
            try Task.checkCancellation()
            guard Int64(bytes.count + chunk.count) <= maxBytes else {
                throw ChatError(.payloadTooLarge, "the file is larger than \(maxBytes) bytes")
            }
            bytes += chunk
        }
        try Task.checkCancellation()
        blobs[key] = Blob(bytes: bytes, contentType: contentType)
        return BlobInfo(key: key, size: Int64(bytes.count), sha256: sha256(bytes))
    }

    public func get(key: String, range: BlobRange?) throws -> BlobBody {
        try BlobKey.validate(key)
        guard let blob = blobs[key] else { throw ChatError.notFound("no blob \(key)") }
        guard let range else { return BlobBody(bytes: blob.bytes) }
        let bounds = try range.resolved(size: Int64(blob.bytes.count))
        return BlobBody(bytes: Array(blob.bytes[Int(bounds.lowerBound)..<Int(bounds.upperBound)]))
    }

    public func head(key: String) throws -> BlobMetadata? {
        try BlobKey.validate(key)
        return blobs[key].map { BlobMetadata(key: key, size: Int64($0.bytes.count), contentType: $0.contentType) }
    }

    public func delete(key: String) throws {
        try BlobKey.validate(key)
        blobs[key] = nil
    }

    public func signedURL(key: String, expiresIn: Duration, fileName: String?, contentType: String?) throws -> URL? {
        try BlobKey.validate(key)
        return nil
    }
}
