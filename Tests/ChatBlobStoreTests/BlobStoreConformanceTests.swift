import ChatBlobStore
import ChatCore
import ChatCoreTesting
import Crypto
import Foundation
import Testing

/// Every backend against the same contract: memory, local disk (a fresh temporary directory per case), and S3 against
/// moto (a fresh bucket per case).
struct BlobStoreConformanceTests {
    @Test(arguments: BlobStoreConformance.cases)
    func memory(_ conformance: BlobConformanceCase) async throws {
        try await conformance.body(MemoryBlobStore.hashing())
    }

    @Test(arguments: BlobStoreConformance.cases)
    func local(_ conformance: BlobConformanceCase) async throws {
        try await TestSupport.withTemporaryDirectory { root in
            try await conformance.body(LocalBlobStore(root: root))
            #expect(TestSupport.files(under: root).allSatisfy { !$0.contains("/.") }, "a temporary upload file was left behind")
        }
    }

    @Test(arguments: BlobStoreConformance.cases)
    func s3(_ conformance: BlobConformanceCase) async throws {
        guard let store = try await MotoS3.freshStore() else { return }
        try await conformance.body(store)
        #expect(try await store.incompleteMultipartUploads().isEmpty)
    }
}
