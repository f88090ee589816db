import ChatCore
import Foundation
import Logging
import SQLKit
import Testing

@testable import ChatStoreSQL

/// The background checkpoint restarts a large WAL that it copied whole, so the WAL does not grow until the writer has
/// to checkpoint it inside a commit.
struct SQLiteWALRestartTests {
    /// Writes `rows` rows of 4 KiB (about a page each) on the writer.
    private static func write(_ sqlite: SQLiteSessionProvider, rows: Int) async throws {
        try await sqlite.withTransaction { database in
            for _ in 0..<rows { try await database.raw("INSERT INTO blobs (data) VALUES (randomblob(4000))").run() }
        }
    }

    private static func withProvider<R: Sendable>(
        walRestartPages: Int,
        _ body: (SQLiteSessionProvider) async throws -> R
    ) async throws -> R {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chatblizz-wal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let sqlite = SQLiteSessionProvider(
            path: directory.appendingPathComponent("chat.sqlite").path,
            walRestartPages: walRestartPages,
            logger: Logger(label: "test")
        )
        try await sqlite.withSession { try await $0.raw("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)").run() }
        do {
            let result = try await body(sqlite)
            try await sqlite.close()
            return result
        } catch {
            try? await sqlite.close()
            throw error
        }
    }

    /// The largest WAL that `checkpoint()` reports while a task commits `commits` transactions of five pages as fast
    /// as it can: without the restart, every checkpoint copies what it saw while more is appended, so the WAL never
    /// starts over and grows by every page written.
    private static func largestWAL(_ sqlite: SQLiteSessionProvider, commits: Int) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                for _ in 0..<commits { try await Self.write(sqlite, rows: 5) }
                return 0
            }
            group.addTask {
                var largest = 0
                // Cancelled once the writes are done, possibly in the middle of a checkpoint.
                while !Task.isCancelled {
                    do {
                        if let result = try await sqlite.checkpoint() { largest = max(largest, result.walPages) }
                    } catch is CancellationError {
                        break
                    }
                    try? await Task.sleep(for: .milliseconds(5))
                }
                return largest
            }
            _ = try await group.next()
            group.cancelAll()
            var largest = 0
            while let value = try await group.next() { largest = max(largest, value) }
            return largest
        }
    }

    @Test func underSteadyCommitsTheWALStaysNearTheLimit() async throws {
        let largest = try await Self.withProvider(walRestartPages: 200) { try await Self.largestWAL($0, commits: 1_000) }
        // 1,000 commits write about 7,000 pages, and without the restart the WAL holds them all (measured: 4,279
        // and 4,286 pages after 600 commits, against 237 and 240 with it). The bound leaves room for a checkpoint task scheduled late.
        #expect(largest > 200)
        #expect(largest < 2_500, "the WAL reached \(largest) pages")
    }

    /// A read that still uses the WAL holds the restart back for at most a moment, never the writer for the 30 s of
    /// the busy timeout; the WAL restarts at a later checkpoint.
    @Test func aReadInProgressDelaysTheRestartOnly() async throws {
        try await Self.withProvider(walRestartPages: 50) { sqlite in
            try await Self.write(sqlite, rows: 100)
            let restarted = try await sqlite.withReader { database in
                try await database.raw("BEGIN").run()
                _ = try await database.raw("SELECT count(*) AS n FROM blobs").all()
                let started = ContinuousClock.now
                let restarted = try await sqlite.restartWAL()
                #expect(started.duration(to: .now) < .seconds(10))
                try await Self.write(sqlite, rows: 1)
                try await database.raw("COMMIT").run()
                return restarted
            }
            #expect(!restarted, "the reader still used the WAL")
            #expect(try await sqlite.restartWAL())
        }
    }
}
