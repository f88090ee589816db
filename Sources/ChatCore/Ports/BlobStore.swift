import Foundation

/// The bytes of a blob as a stream of chunks. It wraps any `AsyncSequence` of `[UInt8]`, so an HTTP request body is
/// adapted with one `map` (for example `BlobBody(request.body.map { Array(buffer: $0) })`) and is never collected whole.
/// A body is meant to be iterated once.
public struct BlobBody: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    public typealias Failure = any Error

    private let makeIterator: @Sendable () -> AsyncIterator

    /// Wraps a sequence of byte chunks.
    public init<Chunks: AsyncSequence & Sendable>(_ chunks: Chunks) where Chunks.Element == [UInt8] {
        self.makeIterator = {
            var iterator = chunks.makeAsyncIterator()
            return AsyncIterator { try await iterator.next() }
        }
    }

    /// A body whose bytes are already in memory, cut into chunks of `chunkSize` bytes (tests, small values).
    public init(bytes: [UInt8], chunkSize: Int = 64 * 1024) {
        let size = Swift.max(1, chunkSize)
        let chunks = stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<Swift.min($0 + size, bytes.count)]) }
        self.makeIterator = {
            var index = 0
            return AsyncIterator {
                guard index < chunks.count else { return nil }
                defer { index += 1 }
                return chunks[index]
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { makeIterator() }

    /// Pulls the next chunk; `nil` at the end.
    public struct AsyncIterator: AsyncIteratorProtocol {
        private let nextChunk: () async throws -> [UInt8]?

        init(_ nextChunk: @escaping () async throws -> [UInt8]?) { self.nextChunk = nextChunk }

        public mutating func next() async throws -> [UInt8]? { try await nextChunk() }
    }
}

/// What a store recorded for a blob it stored.
public struct BlobInfo: Hashable, Sendable, Codable {
    public var key: String
    /// Size in bytes.
    public var size: Int64
    /// Lowercase hex SHA-256 of the bytes, computed while they streamed through.
    public var sha256: String

    public init(key: String, size: Int64, sha256: String) {
        self.key = key
        self.size = size
        self.sha256 = sha256
    }
}

/// What a store knows about a stored blob without reading it.
public struct BlobMetadata: Hashable, Sendable {
    public var key: String
    public var size: Int64
    public var contentType: String?

    public init(key: String, size: Int64, contentType: String?) {
        self.key = key
        self.size = size
        self.contentType = contentType
    }
}

/// A byte range of a blob: `length` bytes from `offset`, or everything from `offset` when `length` is nil.
public struct BlobRange: Hashable, Sendable {
    public var offset: Int64
    public var length: Int64?

    public init(offset: Int64, length: Int64? = nil) {
        self.offset = offset
        self.length = length
    }

    /// The bytes `offset..<end` this range selects in a blob of `size` bytes. Like HTTP's 416, a range must start
    /// inside the blob and select at least one byte, else this throws `ChatError(.invalidRequest)`.
    public func resolved(size: Int64) throws -> Range<Int64> {
        guard offset >= 0, (length ?? 1) >= 1, offset < size else {
            throw ChatError(.invalidRequest, "range \(offset)+\(length.map(String.init) ?? "") is outside a blob of \(size) bytes")
        }
        let end = length.map { min(size, offset + $0) } ?? size
        return offset..<end
    }
}

/// Stores file bytes under keys that the caller generates (`BlobKey.random`) and the store validates. Keys are never
/// built from a user's file name.
///
/// `put` streams: the store never holds a whole body, counts bytes as they arrive and throws
/// `ChatError(.payloadTooLarge)` as soon as `maxBytes` is passed. A `put` that fails for any reason (limit, a failing
/// body, cancellation, a backend error) leaves nothing behind, and a previous blob under the same key stays intact.
public protocol BlobStore: Sendable {
    /// Streams `body` into the blob `key`, replacing any blob stored there once the whole body arrived.
    func put(key: String, body: BlobBody, contentType: String?, maxBytes: Int64) async throws -> BlobInfo
    /// The blob's bytes (or `range` of them). Throws `ChatError(.notFound)` when there is no such blob.
    func get(key: String, range: BlobRange?) async throws -> BlobBody
    /// Size and type of the blob, or nil when there is no such blob.
    func head(key: String) async throws -> BlobMetadata?
    /// Removes the blob; removing a missing blob is not an error.
    func delete(key: String) async throws
    /// A URL that lets anyone holding it download the blob until it expires, or nil when the store cannot sign
    /// (then the app streams the bytes itself). `fileName` and `contentType` become the download's
    /// `Content-Disposition` and `Content-Type` where the store supports it.
    func signedURL(key: String, expiresIn: Duration, fileName: String?, contentType: String?) async throws -> URL?
}

extension BlobStore {
    /// The whole blob.
    public func get(key: String) async throws -> BlobBody { try await get(key: key, range: nil) }

    /// Whether a blob is stored under `key`.
    public func exists(key: String) async throws -> Bool { try await head(key: key) != nil }
}

/// Rules and a generator for blob keys.
public enum BlobKey {
    /// The longest key accepted.
    public static let maxLength = 512
    /// The longest segment between slashes accepted (a file name on common file systems).
    public static let maxSegmentLength = 255

    /// Throws `ChatError(.validationFailed, field: "key")` unless `key` is 1...512 characters of `[A-Za-z0-9/_.-]`
    /// in segments of 1...255 between single slashes, with no leading or trailing slash and no segment starting with
    /// `.` (so no `..`). Such a key is a safe relative path on disk, never names a store's hidden temporary file, and
    /// needs no escaping in a URL.
    public static func validate(_ key: String) throws {
        let allowed = key.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            case UInt8(ascii: "/"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"): true
            default: false
            }
        }
        let segments = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !key.isEmpty, key.utf8.count <= maxLength, allowed,
            segments.allSatisfy({ !$0.isEmpty && $0.utf8.count <= maxSegmentLength && !$0.hasPrefix(".") })
        else {
            throw ChatError(.validationFailed, "invalid blob key", field: "key")
        }
    }

    /// A fresh random key `prefix/` + 32 hex digits (128 random bits), e.g. `files/3f9c…`.
    public static func random(prefix: String = "files") -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = (0..<16).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }
        return prefix.isEmpty ? hex.joined() : "\(prefix)/\(hex.joined())"
    }
}
