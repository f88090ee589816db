import ChatCore
import ChatCoreTesting
import Testing

@Suite("Memory stores pass the store conformance suites")
struct MemoryStoreConformanceTests {
    @Test(arguments: StoreConformance.allCases)
    func conformance(_ check: ConformanceCase) async throws {
        try await check.body(.memory())
    }
}
