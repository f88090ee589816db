import SQLKit

/// Hands out database sessions to the stores: a plain session for reads and single statements, a transaction for
/// multi-statement writes. Implemented once per engine; the stores never see the engine's connection types.
protocol SQLSessionProvider: Sendable {
    var flavor: SQLFlavor { get }

    /// Runs `body` on one connection.
    func withSession<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R

    /// Runs `body`, which only reads, on one connection; it may be a different connection than writes use, but it sees
    /// every write committed before it started.
    func withReader<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R

    /// Runs `body` inside one transaction on one connection: committed if it returns, rolled back if it throws.
    func withTransaction<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R
}

extension SQLSessionProvider {
    func withReader<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await withSession(body)
    }

    /// Runs `body` inside `BEGIN ... COMMIT` on `database`, rolling back when it throws.
    func transaction<R: Sendable>(
        on database: any SQLDatabase,
        _ body: @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        try await database.raw(SQLQueryString(flavor.beginWrite)).run()
        do {
            let result = try await body(database)
            try await database.raw("COMMIT").run()
            return result
        } catch {
            try? await database.raw("ROLLBACK").run()
            throw error
        }
    }
}

/// A first-in first-out async mutex: one holder at a time, waiters resume in order.
actor AsyncSerialLock {
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func lock() async {
        if !locked {
            locked = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func unlock() {
        if waiters.isEmpty {
            locked = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
