import ChatCore
import Foundation
import Logging
import SQLKit
import SQLiteKit
import Synchronization

/// SQLite with a single writer: every write session and transaction goes through one connection, one task at a time.
/// A file database also gets one read-only connection, so reads run beside the writer (WAL mode), and one connection
/// for checkpoints, so copying the WAL into the database file does not hold up commits; an in-memory database has
/// only the writer connection.
final class SQLiteSessionProvider: SQLSessionProvider {
    /// How often `SQLDatabaseClient.run()` checkpoints a file database in the background.
    static let checkpointInterval = Duration.milliseconds(200)
    /// The WAL size, in pages, at which the writer checkpoints by itself (after its commit) because the background
    /// checkpoints have fallen behind.
    static let writerCheckpointPages = 32_000
    /// How long a statement waits for a lock held by another connection or process.
    static let busyTimeoutMilliseconds = 30_000
    /// How long a WAL restart waits for the reads that still use the WAL.
    static let restartReaderWaitMilliseconds = 100
    /// The WAL size, in pages, above which a background checkpoint that copied the whole WAL also restarts it, so that
    /// the writer's own checkpoint is never reached under steady load (docs/performance.md: it held commits 50–100 ms).
    static let walRestartPages = 8_192

    let flavor = SQLFlavor.sqlite
    private let writer: SQLiteLane
    private let reader: SQLiteLane?
    private let checkpointer: SQLiteLane?
    private let walRestartPages: Int
    /// Whether the writer has opened the file (creating it and switching it to WAL) so the reader may open it.
    private let writerReady = Mutex(false)

    /// `path` nil means a private in-memory database.
    init(path: String?, durability: SQLiteDurability = .full, walRestartPages: Int = walRestartPages, logger: Logger) {
        self.walRestartPages = walRestartPages
        guard let path else {
            self.writer = SQLiteLane { try await SQLiteConnection.open(storage: .memory, logger: logger) }
            self.reader = nil
            self.checkpointer = nil
            return
        }
        self.writer = SQLiteLane { try await Self.open(path: path, readOnly: false, durability: durability, logger: logger) }
        self.reader = SQLiteLane { try await Self.open(path: path, readOnly: true, durability: durability, logger: logger) }
        self.checkpointer = SQLiteLane { try await SQLiteConnection.open(storage: .file(path: path), logger: logger) }
    }

    /// Whether the database has a WAL to checkpoint (a file database).
    var checkpoints: Bool { self.checkpointer != nil }

    /// Copies what the WAL holds into the database file without waiting for readers or the writer (a `PASSIVE`
    /// checkpoint), on a connection of its own. Returns the WAL's size and how much of it is now in the database file,
    /// in pages; `nil` for an in-memory database.
    ///
    /// A passive checkpoint never lets the WAL start over while commits keep coming: by the time it has copied what it
    /// saw, the writer has appended more. So once the WAL is larger than `walRestartPages` and this checkpoint copied
    /// all of it, the WAL is restarted on the writer's lane (``restartWAL()``), which has only the frames of the last
    /// few milliseconds left to copy.
    @discardableResult
    func checkpoint() async throws -> (walPages: Int, checkpointedPages: Int)? {
        guard let checkpointer else { return nil }
        if !writerReady.withLock({ $0 }) {
            // The writer creates the file and switches it to WAL first.
            try await withSession { _ in }
            writerReady.withLock { $0 = true }
        }
        do {
            let result: (walPages: Int, checkpointedPages: Int)? = try await checkpointer.with { connection in
                let rows = try await connection.sql(queryLogLevel: .trace).raw("PRAGMA wal_checkpoint(PASSIVE)").all()
                guard let row = rows.first else { return nil }
                return (try row.decode(column: "log", as: Int.self), try row.decode(column: "checkpointed", as: Int.self))
            }
            if let result, result.walPages > walRestartPages, result.checkpointedPages == result.walPages {
                try await restartWAL()
            }
            return result
        } catch {
            throw SQLFlavor.translate(error)
        }
    }

    /// Copies the rest of the WAL into the database file and has the next commit write the WAL from its start (a
    /// `RESTART` checkpoint). It runs on the writer's lane, between two commits, so it never waits for our own writer;
    /// it waits at most `restartReaderWaitMilliseconds` for reads that still use the WAL, and otherwise gives up until
    /// the next checkpoint. Returns whether the WAL was restarted.
    @discardableResult
    func restartWAL() async throws -> Bool {
        try await writer.with { connection in
            let database = connection.sql(queryLogLevel: .trace)
            func waitForLocks(milliseconds: Int) async throws {
                try await database.raw("PRAGMA busy_timeout=\(unsafeRaw: String(milliseconds))").run()
            }
            try await waitForLocks(milliseconds: Self.restartReaderWaitMilliseconds)
            let rows: [any SQLRow]
            do {
                rows = try await database.raw("PRAGMA wal_checkpoint(RESTART)").all()
            } catch {
                try await waitForLocks(milliseconds: Self.busyTimeoutMilliseconds)
                throw error
            }
            try await waitForLocks(milliseconds: Self.busyTimeoutMilliseconds)
            return try rows.first?.decode(column: "busy", as: Int.self) == 0
        }
    }

    func withSession<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        do {
            return try await writer.with { connection in try await body(connection.sql(queryLogLevel: .trace)) }
        } catch {
            throw SQLFlavor.translate(error)
        }
    }

    /// Runs `body` on the writer's connection itself, for the hot paths that bind `SQLiteData` directly instead of
    /// going through SQLKit's serializer and `Encodable` binds.
    func withWriterConnection<R: Sendable>(_ body: (SQLiteConnection) async throws -> R) async throws -> R {
        do {
            return try await writer.with(body)
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
        try await checkpointer?.close()
        try await reader?.close()
        try await writer.close()
    }

    /// Opens the file (creating its directory) and configures the connection: the writer switches the file to WAL with
    /// the configured durability; both wait up to 30 s for locks held by other processes.
    private static func open(path: String, readOnly: Bool, durability: SQLiteDurability, logger: Logger) async throws -> SQLiteConnection {
        if !readOnly {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        do {
            let database = connection.sql(queryLogLevel: .trace)
            try await database.raw("PRAGMA busy_timeout=\(unsafeRaw: String(Self.busyTimeoutMilliseconds))").run()
            // Reads through a memory map instead of a pread per page, a page cache of up to 32 MiB, and statement
            // journals (every multi-row write in a transaction has one) in memory rather than in a temporary file.
            try await database.raw("PRAGMA mmap_size=268435456").run()
            try await database.raw("PRAGMA cache_size=-32768").run()
            try await database.raw("PRAGMA temp_store=MEMORY").run()
            if readOnly {
                try await database.raw("PRAGMA query_only=ON").run()
            } else {
                _ = try await database.raw("PRAGMA journal_mode=WAL").all()
                // FULL: the WAL is flushed at every commit (one flush per group-commit batch), so an acknowledged
                // message survives a power loss; NORMAL flushes only at checkpoints.
                try await database.raw("PRAGMA synchronous=\(unsafeRaw: durability == .full ? "FULL" : "NORMAL")").run()
                // Checkpoints run in the background (`checkpoint()`, every `checkpointInterval`) so a commit never
                // waits for one; the writer checkpoints by itself only when they fall behind. Every message dirties
                // about ten index pages spread over the file, so checkpointing after each few commits, as SQLite's
                // default 1,000 pages does, rewrote the same pages over and over (docs/performance.md). The WAL file
                // keeps its size when it restarts (cutting it back costs the writer an ftruncate and the regrowth)
                // unless a long read made it grow past 128 MiB, well above `walRestartPages` plus what one checkpoint
                // interval adds at full speed.
                _ = try await database.raw("PRAGMA wal_autocheckpoint=\(unsafeRaw: String(Self.writerCheckpointPages))").all()
                _ = try await database.raw("PRAGMA journal_size_limit=134217728").all()
            }
            try await database.raw("PRAGMA foreign_keys=ON").run()
        } catch {
            try? await SQLiteLane.close(connection)
            throw error
        }
        return connection
    }
}
