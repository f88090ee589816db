import ChatCore
import ChatCoreTesting
import Testing

@Suite("MemoryFileStore passes the FileStore conformance suite")
struct FileStoreTests {
    @Test(arguments: FileStoreConformance.cases)
    func conformance(_ check: FileStoreConformanceCase) async throws {
        try await check.body(MemoryFileStore())
    }
}
