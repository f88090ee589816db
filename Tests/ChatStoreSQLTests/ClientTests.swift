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

    /// A store call while PostgreSQL cannot be reached fails as `unavailable` (503) once it has waited `pool_timeout`
    /// for a connection. The pool alone kept it waiting about a minute, then failed it with its own error (a 500).
    @Test func storeCallsOnAnUnreachablePostgresAreUnavailable() async throws {
        let client = try SQLDatabaseClient(url: "postgres://nobody@127.0.0.1:1/none?sslmode=disable&pool_timeout=1")
        let clock = ContinuousClock()
        try await client.withRunning { client in
            let start = clock.now
            await Fixtures.expectChatError(.unavailable) { try await client.users.user(id: UserID("x")) }
            let took = clock.now - start
            // Not before the limit; well before the minute the pool alone took (generous: CI machines stall for seconds).
            #expect(took >= .seconds(1) && took < .seconds(30), "failed after \(took)")
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

    /// The writer flushes every commit (`synchronous=FULL`, 2) unless the URL asks for `normal` (1).
    @Test(arguments: [("", 2), ("?synchronous=normal", 1), ("?synchronous=full", 2)])
    func sqliteWriterDurability(option: String, expected: Int) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chatblizz-sql-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let client = try SQLDatabaseClient(url: "sqlite:\(directory.appendingPathComponent("chat.sqlite").path)\(option)")
        let level = try await client.withRunning { client in
            try await client.provider.withSession { database in
                try await database.raw("PRAGMA synchronous").first()?.decode(column: "synchronous", as: Int.self)
            }
        }
        #expect(level == expected)
    }

    /// A running client copies the WAL into the database file by itself, on its checkpoint connection, so commits never
    /// wait for a checkpoint.
    @Test func sqliteWALIsCheckpointedInTheBackground() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chatblizz-sql-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("chat.sqlite").path
        let client = try SQLDatabaseClient(url: "sqlite:\(path)")
        func size(_ file: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int) ?? 0 }
        try await client.withRunning { client in
            try await client.migrate()
            let drafts = (0..<300).map { Fixtures.message("m\($0)", from: UserID("a"), to: UserID("b"), at: Int64($0), clientMessageID: "k\($0)") }
            _ = try await client.messages.append(drafts)
            #expect(size(path + "-wal") > 0)
            // Far below the writer's own checkpoint threshold: only the background checkpoints move pages into the file.
            let deadline = ContinuousClock.now + .seconds(10)
            while size(path) < 64 * 1024, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(size(path) >= 64 * 1024, "the database file has the appended pages")
            guard case .sqlite(let sqlite) = client.engine, let result = try await sqlite.checkpoint() else {
                Issue.record("a file database checkpoints")
                return
            }
            #expect(result.checkpointedPages == result.walPages, "nothing is left to copy")
        }
        let memory = try SQLDatabaseClient(url: "sqlite::memory:")
        let inMemoryCheckpoint: Bool = try await memory.withRunning { client in
            guard case .sqlite(let sqlite) = client.engine else { return true }
            return try await sqlite.checkpoint() != nil
        }
        #expect(!inMemoryCheckpoint, "an in-memory database has no WAL to checkpoint")
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
