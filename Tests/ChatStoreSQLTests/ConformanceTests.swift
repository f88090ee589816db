import ChatCoreTesting
import Testing

@testable import ChatStoreSQL

/// Every store conformance case, against SQLite and PostgreSQL.
struct SQLiteConformanceTests {
    @Test(arguments: StoreConformance.allCases)
    func sqlite(_ conformanceCase: ConformanceCase) async throws {
        try await TestDatabases.withSQLite { client in try await conformanceCase.body(TestDatabases.fixture(client)) }
    }

    @Test(arguments: StoreConformance.allCases)
    func sqliteInMemory(_ conformanceCase: ConformanceCase) async throws {
        try await TestDatabases.withClient(SQLStoreConfiguration(backend: .sqlite(path: ":memory:"))) { client in
            try await conformanceCase.body(TestDatabases.fixture(client))
        }
    }
}

struct PostgresConformanceTests {
    @Test(arguments: StoreConformance.allCases)
    func postgres(_ conformanceCase: ConformanceCase) async throws {
        _ = try await TestDatabases.withPostgres { client in try await conformanceCase.body(TestDatabases.fixture(client)) }
    }
}
