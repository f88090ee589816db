import ChatCore
import ChatCoreTesting
import Foundation
import Testing

@testable import ChatStoreSQL

struct ClientTests {
    @Test func pingAnUnreachablePostgresIsUnavailable() async throws {
        let client = try SQLDatabaseClient(url: "postgres://nobody@127.0.0.1:1/none?sslmode=disable")
        try await client.withRunning { client in
            await Fixtures.expectChatError(.unavailable) { try await client.ping(timeout: .seconds(2)) }
        }
    }

    @Test func sqliteFileIsCreatedWithItsDirectoryInWALMode() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chatblizz-sql-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("nested/dir/chat.sqlite").path
        let client = try SQLDatabaseClient(url: "sqlite:\(path)")
        let mode = try await client.withRunning { client in
            try await client.migrate()
            try await client.ping()
            return try await client.provider.withSession { database in
                try await database.raw("PRAGMA journal_mode").first()?.decode(column: "journal_mode", as: String.self)
            }
        }
        #expect(mode == "wal")
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func closedSQLiteClientIsUnavailable() async throws {
        let client = try SQLDatabaseClient(url: "sqlite::memory:")
        try await client.withRunning { client in try await client.ping() }
        await Fixtures.expectChatError(.unavailable) { try await client.users.user(id: UserID("x")) }
    }
}

/// Two clients on one SQLite file, as two processes would be: writes from both succeed (busy timeout and
/// `BEGIN IMMEDIATE`), and each sees the other's commits.
struct SQLiteTwoClientsTests {
    @Test func concurrentWritersOnOneFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chatblizz-sql-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = SQLStoreConfiguration(backend: .sqlite(path: directory.appendingPathComponent("shared.sqlite").path))
        try await TestDatabases.withClient(configuration, migrate: false) { first in
            try await TestDatabases.withClient(configuration, migrate: false) { second in
                async let migratedA = first.migrate()
                async let migratedB = second.migrate()
                #expect(try await (migratedA + migratedB).count == SQLMigrations.all.count)
                let alice = UserID("alice")
                let bob = UserID("bob")
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (clientIndex, client) in [first, second].enumerated() {
                        group.addTask {
                            for index in 0..<20 {
                                let id = "m-\(clientIndex)-\(index)"
                                _ = try await client.messages.append([
                                    Fixtures.message(id, from: alice, to: bob, at: Int64(index), clientMessageID: "k-\(index)")
                                ])
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let conversation = ConversationID(alice, bob)
                let fromFirst = try await first.messages.page(of: conversation, MessagePageRequest(limit: 100))
                let fromSecond = try await second.messages.page(of: conversation, MessagePageRequest(limit: 100))
                #expect(fromFirst.messages.count == 20)
                #expect(fromFirst == fromSecond)
            }
        }
    }
}
