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

    static let mariadbURLVariable = "CHATBLIZZ_TEST_MARIADB_URL"

    /// The MariaDB URL from the environment. Without it (or without the `MariaDB` trait) the test returns early, and
    /// fails when `CI` is `true`.
    static func mariadbURL(sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        let environment = ProcessInfo.processInfo.environment
        #if MariaDB
        if let url = environment[mariadbURLVariable], !url.isEmpty { return url }
        if environment["CI"] == "true" {
            Issue.record("\(mariadbURLVariable) is not set: MariaDB tests must run in CI", sourceLocation: sourceLocation)
        }
        #else
        if environment["CI"] == "true" {
            Issue.record("built without the MariaDB trait: CI must run `swift test --traits MariaDB`", sourceLocation: sourceLocation)
        }
        #endif
        return nil
    }

    #if MariaDB
    /// Runs `body` against a migrated MariaDB database made for this call (and dropped after); returns nil when no server
    /// is configured.
    static func withMariaDB<R: Sendable>(
        migrate: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: (SQLDatabaseClient) async throws -> R
    ) async throws -> R? {
        try await withMariaDBDatabase(sourceLocation: sourceLocation) { configuration in
            try await withClient(configuration, migrate: migrate, body)
        }
    }

    /// Runs `body` with the configuration of an empty MariaDB database made for this call (and dropped after); returns
    /// nil when no server is configured.
    static func withMariaDBDatabase<R: Sendable>(
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: (SQLStoreConfiguration) async throws -> R
    ) async throws -> R? {
        guard let url = mariadbURL(sourceLocation: sourceLocation) else { return nil }
        let name = uniqueSchema()
        let admin = try SQLStoreConfiguration(url: url)
        try await withClient(admin, migrate: false) { client in
            try await client.provider.withSession { database in try await database.raw("CREATE DATABASE \(ident: name)").run() }
        }
        do {
            let result = try await body(try mariadbConfiguration(url: url, database: name))
            try await dropDatabase(name, admin: admin)
            return result
        } catch {
            try? await dropDatabase(name, admin: admin)
            throw error
        }
    }

    /// The configuration for `url` with `database` instead of the URL's and a small pool.
    static func mariadbConfiguration(url: String, database: String) throws -> SQLStoreConfiguration {
        guard case .mariadb(var configuration) = try SQLStoreConfiguration(url: url).backend else {
            throw ChatError.invalidRequest("\(mariadbURLVariable) is not a mariadb:// URL")
        }
        configuration.database = database
        configuration.poolSize = 4
        return SQLStoreConfiguration(backend: .mariadb(configuration))
    }

    static func dropDatabase(_ name: String, admin: SQLStoreConfiguration) async throws {
        try await withClient(admin, migrate: false) { client in
            try await client.provider.withSession { database in try await database.raw("DROP DATABASE IF EXISTS \(ident: name)").run() }
        }
    }
    #endif

    static func uniqueSchema() -> String {
        "chatblizz_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
    }

    /// The configuration for `url` with `schema` as the search path and a small pool.
    ///
    /// A session waits up to 60 s for a connection, not the default 10 s: 24 concurrent quota checks of one uploader
    /// take turns on 4 connections, and one of them waited more than 10 s in a full `scripts/test` run on this 2-core
    /// machine while a build ran beside it. A session that never gets a connection still fails, a minute later.
    static func postgresConfiguration(url: String, schema: String) throws -> SQLStoreConfiguration {
        guard case .postgres(var configuration, _) = try SQLStoreConfiguration(url: url).backend else {
            throw ChatError.invalidRequest("\(postgresURLVariable) is not a postgres:// URL")
        }
        configuration.options.maximumConnections = 4
        return SQLStoreConfiguration(backend: .postgres(configuration, schema: schema), postgresConnectionWait: .seconds(60))
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
