import ChatCore
import ChatCoreTesting
import Foundation
import Testing

@testable import ChatStoreSQL

/// Fresh databases for the tests: a temporary SQLite file, or a uniquely named PostgreSQL schema that is dropped after.
enum TestDatabases {
    static let postgresURLVariable = "CHATBLIZZ_TEST_POSTGRES_URL"

    /// The PostgreSQL URL from the environment. Without it the test returns early, and fails when `CI` is `true`.
    static func postgresURL(sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let url = environment[postgresURLVariable], !url.isEmpty { return url }
        if environment["CI"] == "true" {
            Issue.record("\(postgresURLVariable) is not set: PostgreSQL tests must run in CI", sourceLocation: sourceLocation)
        }
        return nil
    }

    /// Runs `body` against a migrated SQLite database in a fresh temporary file.
    static func withSQLite<R: Sendable>(migrate: Bool = true, _ body: (SQLDatabaseClient) async throws -> R) async throws -> R {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chatblizz-sql-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("test.sqlite").path
        return try await withClient(SQLStoreConfiguration(backend: .sqlite(path: path)), migrate: migrate, body)
    }

    /// Runs `body` against a migrated PostgreSQL schema made for this call; returns nil when no server is configured.
    static func withPostgres<R: Sendable>(
        migrate: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: (SQLDatabaseClient) async throws -> R
    ) async throws -> R? {
        guard let url = postgresURL(sourceLocation: sourceLocation) else { return nil }
        let schema = uniqueSchema()
        let configuration = try postgresConfiguration(url: url, schema: schema)
        return try await withClient(configuration, migrate: migrate) { client in
            do {
                let result = try await body(client)
                try await dropSchema(schema, client: client)
                return result
            } catch {
                try? await dropSchema(schema, client: client)
                throw error
            }
        }
    }

    static func uniqueSchema() -> String {
        "chatblizz_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
    }

    /// The configuration for `url` with `schema` as the search path and a small pool.
    static func postgresConfiguration(url: String, schema: String) throws -> SQLStoreConfiguration {
        guard case .postgres(var configuration, _) = try SQLStoreConfiguration(url: url).backend else {
            throw ChatError.invalidRequest("\(postgresURLVariable) is not a postgres:// URL")
        }
        configuration.options.maximumConnections = 4
        return SQLStoreConfiguration(backend: .postgres(configuration, schema: schema))
    }

    /// Runs the client, migrates, runs `body`, then stops the client.
    static func withClient<R: Sendable>(
        _ configuration: SQLStoreConfiguration,
        migrate: Bool = true,
        _ body: (SQLDatabaseClient) async throws -> R
    ) async throws -> R {
        try await SQLDatabaseClient(configuration: configuration).withRunning { client in
            if migrate { try await client.migrate() }
            return try await body(client)
        }
    }

    static func dropSchema(_ schema: String, client: SQLDatabaseClient) async throws {
        try await client.provider.withSession { database in
            try await database.raw("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE").run()
        }
    }

    static func fixture(_ client: SQLDatabaseClient) -> StoreFixture {
        StoreFixture(users: client.users, refreshTokens: client.refreshTokens, friendships: client.friendships, messages: client.messages)
    }
}
