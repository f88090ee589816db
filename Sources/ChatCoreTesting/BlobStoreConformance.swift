import ChatCore
import Testing

/// One named check of the `BlobStore` contract, run against a fresh, empty store.
public struct BlobConformanceCase: Sendable, CustomTestStringConvertible, CustomStringConvertible {
    public let name: String
    public let body: @Sendable (any BlobStore) async throws -> Void

    public init(_ name: String, _ body: @escaping @Sendable (any BlobStore) async throws -> Void) {
        self.name = name
        self.body = body
    }

    public var testDescription: String { name }
    public var description: String { name }
}

/// The contract of `BlobStore`. Hashes are checked against constants (computed independently), so every backend,
/// including a `MemoryBlobStore` given a SHA-256 function, must record the real SHA-256.
public enum BlobStoreConformance {
    /// 300,000 bytes `(i * 31 + i / 256) & 0xff`, and their SHA-256.
    public static let sample: [UInt8] = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 / 256) }
    public static let sampleSHA256 = "7746f603692a686cd64102485f55a005fd9521e026974d885676c0a486c0b2ae"
    public static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public static let cases: [BlobConformanceCase] = [
        BlobConformanceCase("blobs: put streams, records size and sha256, get returns the bytes") { (store: any BlobStore) async throws in
            let info = try await store.put(
                key: "files/sample",
                body: BlobBody(bytes: sample, chunkSize: 7_000),
                contentType: "image/png",
                maxBytes: 1_000_000
            )
            #expect(info == BlobInfo(key: "files/sample", size: 300_000, sha256: sampleSHA256))
            #expect(try await collect(store.get(key: "files/sample")) == sample)
            let head = try await store.head(key: "files/sample")
            #expect(head?.size == 300_000)
            #expect(head?.contentType == nil || head?.contentType == "image/png")
            #expect(try await store.exists(key: "files/sample"))
        },
        BlobConformanceCase("blobs: an empty body is a blob of zero bytes") { (store: any BlobStore) async throws in
            let info = try await store.put(key: "empty", body: BlobBody(bytes: []), contentType: nil, maxBytes: 10)
            #expect(info == BlobInfo(key: "empty", size: 0, sha256: emptySHA256))
            #expect(try await collect(store.get(key: "empty")).isEmpty)
            #expect(try await store.head(key: "empty")?.size == 0)
        },
        BlobConformanceCase("blobs: ranges select bytes and a range past the end is refused") { (store: any BlobStore) async throws in
            _ = try await store.put(key: "r/sample", body: BlobBody(bytes: sample), contentType: nil, maxBytes: 1_000_000)
            #expect(try await collect(store.get(key: "r/sample", range: BlobRange(offset: 1_000, length: 5_000))) == Array(sample[1_000..<6_000]))
            #expect(try await collect(store.get(key: "r/sample", range: BlobRange(offset: 299_990))) == Array(sample[299_990...]))
            #expect(try await collect(store.get(key: "r/sample", range: BlobRange(offset: 299_000, length: 5_000))) == Array(sample[299_000...]))
            #expect(try await collect(store.get(key: "r/sample", range: BlobRange(offset: 0, length: 1))) == [sample[0]])
            await Fixtures.expectChatError(.invalidRequest) { try await collect(store.get(key: "r/sample", range: BlobRange(offset: 300_000))) }
        },
        BlobConformanceCase("blobs: a missing blob is not found, and deleting it is fine") { (store: any BlobStore) async throws in
            await Fixtures.expectChatError(.notFound) { try await collect(store.get(key: "missing/blob")) }
            #expect(try await store.head(key: "missing/blob") == nil)
            #expect(try await store.exists(key: "missing/blob") == false)
            try await store.delete(key: "missing/blob")
        },
        BlobConformanceCase("blobs: delete removes the blob") { (store: any BlobStore) async throws in
            _ = try await store.put(key: "d/one", body: BlobBody(bytes: Array("hello, blob".utf8)), contentType: "text/plain", maxBytes: 100)
            _ = try await store.put(key: "d/two", body: BlobBody(bytes: [1, 2, 3]), contentType: nil, maxBytes: 100)
            try await store.delete(key: "d/one")
            #expect(try await store.head(key: "d/one") == nil)
            await Fixtures.expectChatError(.notFound) { try await collect(store.get(key: "d/one")) }
            #expect(try await collect(store.get(key: "d/two")) == [1, 2, 3])
        },
        BlobConformanceCase("blobs: a put over the limit fails, stores nothing and keeps the previous blob") { (store: any BlobStore) async throws in
            let small = Array("hello, blob".utf8)
            let info = try await store.put(key: "limit/kept", body: BlobBody(bytes: small), contentType: nil, maxBytes: Int64(small.count))
            #expect(info.sha256 == "d867e6d01ad026f722d27a707c89b80c9ae5817ad0d07b259915d476b45beaa7")
            await Fixtures.expectChatError(.payloadTooLarge) {
                try await store.put(key: "limit/kept", body: BlobBody(bytes: sample, chunkSize: 4_096), contentType: nil, maxBytes: 100_000)
            }
            #expect(try await collect(store.get(key: "limit/kept")) == small)
            await Fixtures.expectChatError(.payloadTooLarge) {
                try await store.put(key: "limit/new", body: BlobBody(bytes: sample), contentType: nil, maxBytes: 299_999)
            }
            #expect(try await store.head(key: "limit/new") == nil)
        },
        BlobConformanceCase("blobs: a body that fails mid-stream stores nothing") { (store: any BlobStore) async throws in
            let stream = AsyncThrowingStream<[UInt8], any Error> { continuation in
                continuation.yield(Array(sample[0..<100_000]))
                continuation.yield(Array(sample[100_000..<200_000]))
                continuation.finish(throwing: BrokenBody())
            }
            await #expect(throws: BrokenBody.self) {
                try await store.put(key: "broken/blob", body: BlobBody(stream), contentType: nil, maxBytes: 1_000_000)
            }
            #expect(try await store.head(key: "broken/blob") == nil)
        },
        BlobConformanceCase("blobs: put replaces an existing blob") { (store: any BlobStore) async throws in
            _ = try await store.put(key: "over/write", body: BlobBody(bytes: sample), contentType: nil, maxBytes: 1_000_000)
            let info = try await store.put(key: "over/write", body: BlobBody(bytes: [9, 8, 7]), contentType: nil, maxBytes: 1_000_000)
            #expect(info.size == 3)
            #expect(try await collect(store.get(key: "over/write")) == [9, 8, 7])
            #expect(try await store.head(key: "over/write")?.size == 3)
        },
        BlobConformanceCase("blobs: unsafe keys are refused by every operation") { (store: any BlobStore) async throws in
            let bad = [
                "", "../etc/passwd", "a/../b", "/abs", "a//b", "a b", "ä", ".hidden", "dir/.upload-x", "trailing/",
                String(repeating: "k", count: 256), String(repeating: "k/", count: 256) + "k",
            ]
            for key in bad {
                await Fixtures.expectChatError(.validationFailed, field: "key") {
                    try await store.put(key: key, body: BlobBody(bytes: [1]), contentType: nil, maxBytes: 10)
                }
                await Fixtures.expectChatError(.validationFailed, field: "key") { try await store.get(key: key) }
                await Fixtures.expectChatError(.validationFailed, field: "key") { try await store.head(key: key) }
                await Fixtures.expectChatError(.validationFailed, field: "key") { try await store.delete(key: key) }
            }
            let long = String(repeating: "k", count: 255) + "/" + String(repeating: "k", count: 254) + "/k"
            _ = try await store.put(key: long, body: BlobBody(bytes: [1]), contentType: nil, maxBytes: 10)
            #expect(try await store.head(key: long)?.size == 1)
        },
        BlobConformanceCase("blobs: random keys are valid and distinct") { (store: any BlobStore) async throws in
            let keys = (0..<100).map { _ in BlobKey.random() }
            #expect(Set(keys).count == 100)
            for key in keys { try BlobKey.validate(key) }
            #expect(keys.allSatisfy { $0.hasPrefix("files/") && $0.count == 38 })
            _ = try await store.put(key: keys[0], body: BlobBody(bytes: [42]), contentType: nil, maxBytes: 1)
            #expect(try await collect(store.get(key: keys[0])) == [42])
        },
    ]

    /// Reads a whole body (tests only).
    public static func collect(_ body: BlobBody) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in body { bytes += chunk }
        return bytes
    }
}

/// The error of a test body that fails mid-stream.
public struct BrokenBody: Error {
    public init() {}
}
