import ChatCore
import Testing

@testable import ChatStoreSQL

struct MigrationTests {
    static let expected = SQLMigrations.all.map(\.name)

    /// Migrates a fresh database, checks the recorded versions, and checks a second run changes nothing.
    static func freshThenRerun(_ client: SQLDatabaseClient) async throws {
        #expect(try await client.migrate() == expected)
        let applied = try await client.appliedMigrations()
        #expect(applied.map(\.version) == SQLMigrations.all.map(\.version))
        #expect(applied.map(\.name) == expected)
        #expect(try await client.migrate().isEmpty)
        #expect(try await client.appliedMigrations().count == expected.count)
        try await client.ping()
        #expect(try await client.users.user(id: UserID("nobody")) == nil)
    }

    @Test func sqliteFreshAndRerun() async throws {
        try await TestDatabases.withSQLite(migrate: false) { client in try await Self.freshThenRerun(client) }
    }

    @Test func postgresFreshAndRerun() async throws {
        _ = try await TestDatabases.withPostgres(migrate: false) { client in try await Self.freshThenRerun(client) }
    }

    @Test func versionsAreUniqueAndIncreasing() {
        let versions = SQLMigrations.all.map(\.version)
        #expect(versions == versions.sorted())
        #expect(Set(versions).count == versions.count)
    }

    /// Two clients (as two processes would) migrate the same new schema at once: each migration is applied exactly once.
    @Test func postgresConcurrentMigrators() async throws {
        guard let url = TestDatabases.postgresURL() else { return }
        let schema = TestDatabases.uniqueSchema()
        let configuration = try TestDatabases.postgresConfiguration(url: url, schema: schema)
        try await TestDatabases.withClient(configuration, migrate: false) { first in
            try await TestDatabases.withClient(configuration, migrate: false) { second in
                async let a = first.migrate()
                async let b = second.migrate()
                let (appliedA, appliedB) = try await (a, b)
                #expect((appliedA + appliedB).sorted() == Self.expected.sorted())
                #expect(appliedA.isEmpty || appliedB.isEmpty)
                #expect(try await first.appliedMigrations().map(\.name) == Self.expected)
            }
            try await TestDatabases.dropSchema(schema, client: first)
        }
    }

    @Test func sqliteConcurrentMigrators() async throws {
        try await TestDatabases.withSQLite(migrate: false) { client in
            async let a = client.migrate()
            async let b = client.migrate()
            let (appliedA, appliedB) = try await (a, b)
            #expect((appliedA + appliedB).sorted() == Self.expected.sorted())
        }
    }
}
