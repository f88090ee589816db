#if MariaDB
import ChatCore
import Logging
import NIOPosix
import SQLKit

/// MariaDB through `MariaDBConnectionPool`: each session leases one connection.
final class MariaDBSessionProvider: SQLSessionProvider {
    let flavor = SQLFlavor.mariadb
    let pool: MariaDBConnectionPool
    private let logger: Logger

    init(configuration: MariaDBConfiguration, logger: Logger) {
        self.pool = MariaDBConnectionPool(configuration: configuration)
        self.logger = logger
    }

    func withSession<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await withConnection { _, database in try await body(database) }
    }

    /// Runs `body` between `START TRANSACTION` and `COMMIT` (or `ROLLBACK` when it throws), again
    /// (`TransactionRetry.standard`) when MariaDB aborts it as a deadlock victim.
    func withTransaction<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await TransactionRetry.standard.run {
            try await inTransaction(startedBy: ["START TRANSACTION"], body)
        }
    }

    /// Runs `body` in a read-only transaction whose statements all read one snapshot (`REPEATABLE READ`, where the
    /// sessions' default `READ COMMITTED` gives each statement its own).
    func withReadOnlySnapshot<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await inTransaction(startedBy: ["SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", "START TRANSACTION READ ONLY"], body)
    }

    /// Runs `statements`, then `body`, then `COMMIT` (or `ROLLBACK` when it throws). A connection whose `ROLLBACK`
    /// failed is closed rather than reused inside an unknown transaction.
    private func inTransaction<R: Sendable>(
        startedBy statements: [SQLQueryString],
        _ body: @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        try await withConnection { connection, database in
            for statement in statements { try await database.raw(statement).run() }
            do {
                let result = try await body(database)
                try await database.raw("COMMIT").run()
                return result
            } catch {
                do {
                    try await database.raw("ROLLBACK").run()
                } catch {
                    connection.markBroken()
                }
                throw error
            }
        }
    }

    private func withConnection<R: Sendable>(
        _ body: @Sendable (MariaDBConnection, MariaDBSession) async throws -> R
    ) async throws -> R {
        let connection: MariaDBConnection
        do {
            connection = try await pool.lease()
        } catch {
            throw Self.translate(error)
        }
        do {
            let result = try await body(connection, MariaDBSession(connection: connection, threadPool: pool.threadPool, logger: logger))
            await pool.release(connection)
            return result
        } catch {
            await pool.release(connection)
            throw Self.translate(error)
        }
    }

    func close() async {
        await pool.close()
    }

    /// Driver errors as `SQLFlavor.translate` sees them; a stopped thread pool means the client is shutting down.
    private static func translate(_ error: any Error) -> any Error {
        if error is NIOThreadPoolError.ThreadPoolInactive {
            return ChatError(.unavailable, "the MariaDB client is shut down")
        }
        return SQLFlavor.translate(error)
    }
}
#endif
