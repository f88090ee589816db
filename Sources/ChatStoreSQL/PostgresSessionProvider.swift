import ChatCore
import Logging
import PostgresKit
import SQLKit

/// PostgreSQL through postgres-nio's `PostgresClient` pool: each session leases one pooled connection.
/// The client's `run()` must be running (see `SQLDatabaseClient.run()`) for sessions to get a connection.
final class PostgresSessionProvider: SQLSessionProvider {
    let flavor = SQLFlavor.postgres
    let client: PostgresClient
    /// The schema the connections use (`search_path`), created by the migrator when set.
    let schema: String?

    init(client: PostgresClient, schema: String?) {
        self.client = client
        self.schema = schema
    }

    func withSession<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        do {
            return try await withOpenConnection { connection in try await body(connection.sql(queryLogLevel: .trace)) }
        } catch {
            throw SQLFlavor.translate(error)
        }
    }

    /// Runs the transaction, running it again (up to three attempts) when PostgreSQL aborts it as a deadlock victim or
    /// a serialization failure.
    func withTransaction<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        var attempt = 1
        while true {
            do {
                return try await withOpenConnection { connection in
                    try await self.transaction(on: connection.sql(queryLogLevel: .trace), body)
                }
            } catch  where attempt < 3 && SQLFlavor.isRetryable(error) {
                attempt += 1
            }
        }
    }

    /// Leases a pooled connection whose channel is still open.
    ///
    /// The pool can hand out a connection whose channel has just closed (the server ended it) before it has heard of the
    /// close. postgres-nio writes a query to the channel without a promise, so on a closed channel the query never
    /// reaches the connection's handler and its result never comes: the session would wait forever. Such a lease goes
    /// back unused and another is taken; the pool drops the closed connection once it hears of the close.
    ///
    /// The check narrows the window to a close between it and the query's write reaching the event loop; it does not
    /// shut it. `PostgresConnectionLossTests` lost 7 to 15 of the 300 sessions of its first round without the check
    /// (three runs), and 1 or 2 in up to twelve rounds with it (four runs).
    private func withOpenConnection<R: Sendable>(_ body: (PostgresConnection) async throws -> R) async throws -> R {
        for attempt in 1...Self.leaseAttempts {
            do {
                return try await client.withConnection { connection in
                    guard !connection.isClosed else { throw ClosedLease() }
                    return try await body(connection)
                }
            } catch is ClosedLease {
                if attempt < Self.leaseAttempts { await Task.yield() }
            }
        }
        throw ChatError(.unavailable, "the PostgreSQL database is unavailable (its connections were closed)")
    }

    private static let leaseAttempts = 3

    private struct ClosedLease: Error {}
}
