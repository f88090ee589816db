import AsyncHTTPClient
import ChatBlobStore
import ChatCore
import ChatCoreTesting
import Crypto
import Foundation
import NIOCore
import Testing

/// S3-specific behaviour against moto: multipart uploads, limits mid-upload, presigned URLs.
struct S3BlobStoreTests {
    @Test func fortyMegabytesGoInAMultipartUploadAndReadBackIdentical() async throws {
        guard let store = try await MotoS3.freshStore() else { return }
        let size: Int64 = 40 * 1024 * 1024
        let body = PatternBody(size: Int(size))
        let info = try await store.put(key: "big/forty", body: BlobBody(body), contentType: "video/mp4", maxBytes: 50 * 1024 * 1024)
        #expect(info.size == size)
        #expect(info.sha256 == body.expectedSHA256())
        let head = try await store.head(key: "big/forty")
        #expect(head?.size == size)
        #expect(head?.contentType == "video/mp4")
        var hasher = SHA256()
        var read = 0
        for try await chunk in try await store.get(key: "big/forty") {
            hasher.update(data: chunk)
            read += chunk.count
        }
        #expect(Int64(read) == size)
        #expect(S3Signer.hex(hasher.finalize()) == info.sha256)
        let straddling = try await BlobStoreConformance.collect(store.get(key: "big/forty", range: BlobRange(offset: 5 * 1024 * 1024 - 3, length: 6)))
        #expect(straddling == Array(body.bytes(from: 5 * 1024 * 1024 - 3, count: 6)))
        #expect(try await store.incompleteMultipartUploads().isEmpty)
    }

    @Test func aLimitPassedMidMultipartAbortsTheUpload() async throws {
        guard let store = try await MotoS3.freshStore() else { return }
        await Fixtures.expectChatError(.payloadTooLarge) {
            try await store.put(
                key: "big/too-large",
                body: BlobBody(PatternBody(size: 13 * 1024 * 1024)),
                contentType: nil,
                maxBytes: 12 * 1024 * 1024
            )
        }
        #expect(try await store.head(key: "big/too-large") == nil)
        #expect(try await store.incompleteMultipartUploads().isEmpty)
    }

    @Test func aBodyFailingMidMultipartAbortsTheUpload() async throws {
        guard let store = try await MotoS3.freshStore() else { return }
        struct Broken: Error {}
        let stream = AsyncThrowingStream<[UInt8], any Error> { continuation in
            for index in 0..<12 { continuation.yield(PatternBody(size: 12 << 20).bytes(from: index << 20, count: 1 << 20)) }
            continuation.finish(throwing: Broken())
        }
        await #expect(throws: Broken.self) {
            try await store.put(key: "big/broken", body: BlobBody(stream), contentType: nil, maxBytes: 100 << 20)
        }
        #expect(try await store.head(key: "big/broken") == nil)
        #expect(try await store.incompleteMultipartUploads().isEmpty)
    }

    @Test func presignedURLsServeTheBytesUntilTheyExpire() async throws {
        guard let store = try await MotoS3.freshStore() else { return }
        let bytes = Array("presigned bytes".utf8)
        _ = try await store.put(key: "files/signed", body: BlobBody(bytes: bytes), contentType: "text/plain", maxBytes: 100)
        let url = try #require(
            try await store.signedURL(key: "files/signed", expiresIn: .seconds(60), fileName: "résumé \"v2\".txt", contentType: "text/plain")
        )
        #expect(url.absoluteString.contains("X-Amz-Expires=60"))
        #expect(url.absoluteString.contains("response-content-disposition=attachment"))
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url.absoluteString), timeout: .seconds(30))
        #expect(response.status == .ok)
        #expect(Array(buffer: try await response.body.collect(upTo: 1 << 20)) == bytes)
        #expect(response.headers.first(name: "content-disposition")?.contains("filename*=UTF-8''r%C3%A9sum%C3%A9") == true)

        let expired = try #require(
            try store.presignedURL(
                key: "files/signed",
                expiresIn: .seconds(60),
                fileName: nil,
                contentType: nil,
                at: Date().addingTimeInterval(-3_600)
            )
        )
        let refused = try await HTTPClient.shared.execute(HTTPClientRequest(url: expired.absoluteString), timeout: .seconds(30))
        _ = try await refused.body.collect(upTo: 1 << 20)
        #expect(refused.status == .forbidden)
        #expect(expired.absoluteString.contains("X-Amz-Expires=60"))
    }

    /// The test server answers 503 SlowDown to the first try of every request on such keys (scripts/services/s3.sh).
    @Test func slowDownIsRetriedWithBackoff() async throws {
        guard let store = try await MotoS3.freshStore() else { return }
        let small = Array("retried".utf8)
        _ = try await store.put(key: "retry/slowdown-once-small", body: BlobBody(bytes: small), contentType: nil, maxBytes: 100)
        #expect(try await BlobStoreConformance.collect(store.get(key: "retry/slowdown-once-small")) == small)
        let big = PatternBody(size: 11 << 20)
        let info = try await store.put(key: "retry/slowdown-once-big", body: BlobBody(big), contentType: nil, maxBytes: 20 << 20)
        #expect(info.sha256 == big.expectedSHA256())
        #expect(try await store.head(key: "retry/slowdown-once-big")?.size == Int64(11 << 20))

        var once = store.configuration
        once.maxAttempts = 1
        await Fixtures.expectChatError(.unavailable) {
            try await S3BlobStore(configuration: once).put(
                key: "retry/slowdown-once-single",
                body: BlobBody(bytes: small),
                contentType: nil,
                maxBytes: 100
            )
        }
    }

    @Test func errorsCarryS3sCode() async throws {
        guard var configuration = MotoS3.configuration(bucket: "chatblizz-no-such-bucket") else { return }
        configuration.maxAttempts = 1
        let store = S3BlobStore(configuration: configuration)
        do {
            _ = try await store.put(key: "a", body: BlobBody(bytes: [1]), contentType: nil, maxBytes: 10)
            Issue.record("a PUT into a missing bucket succeeded")
        } catch let error as ChatError {
            #expect(error.message.contains("NoSuchBucket"), "\(error)")
        }
    }
}

/// `size` deterministic bytes (`(i * 7 + i >> 13) & 0xff`) in 64 KiB chunks, generated as they are pulled.
struct PatternBody: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let size: Int

    /// The pattern repeats every 1,000,003 bytes (a prime, so no part or chunk size lines up with it and a misplaced
    /// part still changes the digest). Computed once: building tens of MiB byte by byte in a debug build held a thread
    /// of the shared concurrency pool for seconds and starved the servers of tests running beside it.
    static let period: [UInt8] = {
        var block = [UInt8](repeating: 0, count: 1_000_003)
        for index in block.indices { block[index] = UInt8(truncatingIfNeeded: index &* 7 &+ index >> 13) }
        return block
    }()

    func bytes(from offset: Int, count: Int) -> [UInt8] {
        let end = Swift.min(size, offset + count)
        var result: [UInt8] = []
        result.reserveCapacity(Swift.max(0, end - offset))
        var position = offset
        while position < end {
            let start = position % Self.period.count
            let length = Swift.min(end - position, Self.period.count - start)
            result.append(contentsOf: Self.period[start..<start + length])
            position += length
        }
        return result
    }

    func expectedSHA256() -> String {
        var hasher = SHA256()
        for offset in stride(from: 0, to: size, by: 1 << 16) { hasher.update(data: bytes(from: offset, count: 1 << 16)) }
        return S3Signer.hex(hasher.finalize())
    }

    func makeAsyncIterator() -> Iterator { Iterator(body: self) }

    struct Iterator: AsyncIteratorProtocol {
        let body: PatternBody
        var offset = 0

        mutating func next() async -> [UInt8]? {
            guard offset < body.size else { return nil }
            defer { offset += 1 << 16 }
            return body.bytes(from: offset, count: 1 << 16)
        }
    }
}
