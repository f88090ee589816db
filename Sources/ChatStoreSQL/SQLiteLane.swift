import ChatCore
import SQLiteKit
import Synchronization

/// One SQLite connection used by one task at a time (FIFO), opened on first use and closed once.
final class SQLiteLane: Sendable {
    private enum State {
        case idle
        case open(SQLiteConnection)
        case closed
    }

    private let lock = AsyncSerialLock()
    private let state = Mutex(State.idle)
    private let open: @Sendable () async throws -> SQLiteConnection

    init(open: @escaping @Sendable () async throws -> SQLiteConnection) {
        self.open = open
    }

    /// Runs `body` with the connection while holding the lane.
    func with<R: Sendable>(_ body: (SQLiteConnection) async throws -> R) async throws -> R {
        await lock.lock()
        do {
            let result = try await body(try await connection())
            await lock.unlock()
            return result
        } catch {
            await lock.unlock()
            throw error
        }
    }

    /// Closes the connection once the current holder is done; later uses fail with `.unavailable`.
    func close() async throws {
        await lock.lock()
        let current = state.withLock { state -> SQLiteConnection? in
            defer { state = .closed }
            if case .open(let connection) = state { return connection }
            return nil
        }
        do {
            if let current { try await Self.close(current) }
        } catch {
            await lock.unlock()
            throw error
        }
        await lock.unlock()
    }

    /// Closes `connection` even when the calling task is cancelled (the thread pool refuses work for cancelled tasks,
    /// and an unclosed connection must not be released).
    static func close(_ connection: SQLiteConnection) async throws {
        try await Task { try await connection.close() }.value
    }

    /// The open connection, opened on first use. Called only while holding `lock`.
    private func connection() async throws -> SQLiteConnection {
        let current = state.withLock { state -> Result<SQLiteConnection?, ChatError> in
            switch state {
            case .idle: .success(nil)
            case .open(let connection): .success(connection)
            case .closed: .failure(ChatError(.unavailable, "the SQLite database is closed"))
            }
        }
        if let connection = try current.get() { return connection }
        let connection = try await open()
        state.withLock { $0 = .open(connection) }
        return connection
    }
}
