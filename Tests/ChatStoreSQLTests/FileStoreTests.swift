import ChatCoreTesting
import Testing

@testable import ChatStoreSQL

/// The `FileStore` conformance suite against SQLite and PostgreSQL.
struct FileStoreTests {
    @Test(arguments: FileStoreConformance.cases)
    func sqlite(_ conformanceCase: FileStoreConformanceCase) async throws {
        try await TestDatabases.withSQLite { client in try await conformanceCase.body(client.files) }
    }

    @Test(arguments: FileStoreConformance.cases)
    func postgres(_ conformanceCase: FileStoreConformanceCase) async throws {
        _ = try await TestDatabases.withPostgres { client in try await conformanceCase.body(client.files) }
    }
}
