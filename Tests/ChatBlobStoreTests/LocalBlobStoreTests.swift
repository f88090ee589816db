import ChatBlobStore
import ChatCore
import ChatCoreTesting
import Foundation
import Testing

struct LocalBlobStoreTests {
    @Test func blobsAreFilesUnderTheRootAndCannotSign() async throws {
        try await TestSupport.withTemporaryDirectory { root in
            let store = LocalBlobStore(root: root, syncToDisk: true)
            let info = try await store.put(key: "files/ab/cd", body: BlobBody(bytes: [1, 2, 3]), contentType: "text/plain", maxBytes: 3)
            #expect(info.size == 3)
            #expect(FileManager.default.contents(atPath: "\(root)/files/ab/cd") == Data([1, 2, 3]))
            #expect(TestSupport.files(under: root) == ["/files/ab/cd"])
            #expect(try await store.signedURL(key: "files/ab/cd", expiresIn: .seconds(60), fileName: nil, contentType: nil) == nil)
        }
    }

    @Test func aCancelledUploadLeavesNoFile() async throws {
        try await TestSupport.withTemporaryDirectory { root in
            let store = LocalBlobStore(root: root)
            let (chunks, continuation) = AsyncStream<[UInt8]>.makeStream()
            let (started, startedContinuation) = AsyncStream<Void>.makeStream()
            let upload = Task {
                try await store.put(
                    key: "files/cancelled",
                    body: BlobBody(Signalling(chunks: chunks, started: startedContinuation)),
                    contentType: nil,
                    maxBytes: 1 << 30
                )
            }
            continuation.yield([UInt8](repeating: 7, count: 300_000))
            for await _ in started { break }
            upload.cancel()
            await #expect(throws: CancellationError.self) { try await upload.value }
            continuation.finish()
            #expect(TestSupport.files(under: root).isEmpty)
        }
    }

    @Test func anOverLimitUploadLeavesNoTemporaryFile() async throws {
        try await TestSupport.withTemporaryDirectory { root in
            let store = LocalBlobStore(root: root)
            await Fixtures.expectChatError(.payloadTooLarge) {
                try await store.put(
                    key: "files/big",
                    body: BlobBody(bytes: BlobStoreConformance.sample, chunkSize: 100_000),
                    contentType: nil,
                    maxBytes: 250_000
                )
            }
            #expect(TestSupport.files(under: root).isEmpty)
        }
    }

    @Test func readsStreamInChunks() async throws {
        try await TestSupport.withTemporaryDirectory { root in
            let store = LocalBlobStore(root: root)
            _ = try await store.put(key: "files/sample", body: BlobBody(bytes: BlobStoreConformance.sample), contentType: nil, maxBytes: 1 << 20)
            var sizes: [Int] = []
            for try await chunk in try await store.get(key: "files/sample") { sizes.append(chunk.count) }
            #expect(sizes.count == 5)
            #expect(sizes.allSatisfy { $0 <= 64 * 1024 })
            #expect(sizes.reduce(0, +) == BlobStoreConformance.sample.count)
        }
    }
}

/// Passes chunks through and signals once the first one was taken, so a test knows the upload is under way.
private struct Signalling: AsyncSequence, Sendable {
    let chunks: AsyncStream<[UInt8]>
    let started: AsyncStream<Void>.Continuation

    func makeAsyncIterator() -> Iterator { Iterator(base: chunks.makeAsyncIterator(), started: started) }

    struct Iterator: AsyncIteratorProtocol {
        var base: AsyncStream<[UInt8]>.Iterator
        let started: AsyncStream<Void>.Continuation

        mutating func next() async -> [UInt8]? {
            let chunk = await base.next()
            if chunk != nil { started.yield() }
            return chunk
        }
    }
}
