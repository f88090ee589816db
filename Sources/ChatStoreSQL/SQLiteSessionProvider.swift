import ChatCore
import Foundation
import Logging
import SQLKit
import SQLiteKit
import Synchronization

/// SQLite with a single writer: every write session and transaction goes through one connection, one task at a time.
/// A file database also gets one read-only connection, so reads run beside the writer (WAL mode); an in-memory
/// database has only the writer connection.
final class SQLiteSessionProvider: SQLSessionProvider {
    let flavor = SQLFlavor.sqlite
    private let writer: SQLiteLane
    private let reader: SQLiteLane?
    /// Whether the writer has opened the file (creating it and switching it to WAL) so the reader may open it.
    private let writerReady = Mutex(false)

    /// `path` nil means a private in-memory database.
    init(path: String?, logger: Logger) {
        guard let path else {
            self.writer = SQLiteLane { try await SQLiteConnection.open(storage: .memory, logger: logger) }
            self.reader = nil
            return
        }
        self.writer = SQLiteLane { try await Self.open(path: path, readOnly: false, logger: logger) }
        self.reader = SQLiteLane { try await Self.open(path: path, readOnly: true, logger: logger) }
    }

    func withSession<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        do {
            return try await writer.with { connection in try await body(connection.sql(queryLogLevel: .trace)) }
        } catch {
            throw SQLFlavor.translate(error)
        }
    }

    func withReader<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        guard let reader else { return try await withSession(body) }
        if !writerReady.withLock({ $0 }) {
            try await withSession { _ in }
            writerReady.withLock { $0 = true }
        }
        do {
            return try await reader.with { connection in try await body(connection.sql(queryLogLevel: .trace)) }
        } catch {
            throw SQLFlavor.translate(error)
        }
    }

    func withTransaction<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await withSession { database in try await self.transaction(on: database, body) }
    }

    /// Closes the connections; later sessions fail with `.unavailable`.
    func close() async throws {
        try await reader?.close()
        try await writer.close()
    }

    /// Opens the file (creating its directory) and configures the connection: the writer switches the file to WAL and
    /// relaxes fsync to `NORMAL`; both wait up to 30 s for locks held by other processes.
    private static func open(path: String, readOnly: Bool, logger: Logger) async throws -> SQLiteConnection {
        if !readOnly {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        do {
            let database = connection.sql(queryLogLevel: .trace)
            try await database.raw("PRAGMA busy_timeout=30000").run()
            // Reads through a memory map instead of a pread per page, a page cache of up to 32 MiB, and statement
            // journals (every multi-row write in a transaction has one) in memory rather than in a temporary file.
            try await database.raw("PRAGMA mmap_size=268435456").run()
            try await database.raw("PRAGMA cache_size=-32768").run()
            try await database.raw("PRAGMA temp_store=MEMORY").run()
            if readOnly {
                try await database.raw("PRAGMA query_only=ON").run()
            } else {
                _ = try await database.raw("PRAGMA journal_mode=WAL").all()
                try await database.raw("PRAGMA synchronous=NORMAL").run()
                // Checkpoint every 16,000 pages of WAL (64 MiB at 4 KiB pages) instead of SQLite's 1,000: every message
                // dirties about ten index pages spread over the file, and a page rewritten by many commits in between is
                // copied into the database file once per checkpoint. Measured in docs/performance.md (4,000 pages:
                // 234-261 µs of server CPU per message; 16,000: 211-224 µs). The WAL file is cut back to 64 MiB after a
                // checkpoint if a long read made it grow past that.
                _ = try await database.raw("PRAGMA wal_autocheckpoint=16000").all()
                _ = try await database.raw("PRAGMA journal_size_limit=67108864").all()
            }
            try await database.raw("PRAGMA foreign_keys=ON").run()
        } catch {
            try? await SQLiteLane.close(connection)
            throw error
        }
        return connection
    }
}
