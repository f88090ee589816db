import ChatCore
import Logging
import PostgresKit
import SQLKit
import Synchronization

/// PostgreSQL through postgres-nio's `PostgresClient` pool: each session leases one pooled connection.
/// The client's `run()` must be running (see `SQLDatabaseClient.run()`) for sessions to get a connection.
final class PostgresSessionProvider: SQLSessionProvider {
    let flavor = SQLFlavor.postgres
    let client: PostgresClient
    /// The schema the connections use (`search_path`), created by the migrator when set.
    let schema: String?
    /// How long a session waits for a pooled connection before it fails as `unavailable`; nil: as long as it takes.
    let connectionWait: Duration?
    /// The waits' deadlines; `SQLDatabaseClient.run()` runs them beside the pool.
    let deadlines = LeaseDeadlines()

    init(client: PostgresClient, schema: String?, connectionWait: Duration?) {
        self.client = client
        self.schema = schema
        self.connectionWait = connectionWait
    }

    func withSession<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        do {
            return try await withOpenConnection { connection in try await body(connection.sql(queryLogLevel: .trace)) }
        } catch {
            throw SQLFlavor.translate(error)
        }
    }

    /// Runs the transaction, running it again (`TransactionRetry.standard`) when PostgreSQL aborts it as a deadlock
    /// victim or a serialization failure.
    func withTransaction<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await TransactionRetry.standard.run {
            try await withOpenConnection { connection in
                try await self.transaction(on: connection.sql(queryLogLevel: .trace), body)
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
    ///
    /// A session that has no connection after `connectionWait` fails as `unavailable`, and so does one the pool refuses
    /// (its circuit breaker is open after connections kept failing, or it is shut down): the pool would otherwise keep a
    /// session waiting as long as PostgreSQL is unreachable (about a minute before its circuit breaker opens), and its
    /// own error type is not one `SQLFlavor.translate` knows, so the API answered 500.
    ///
    /// The bound runs the session in a child task, beside a task waiting for its deadline in `deadlines` (one ticking
    /// task for every session, not a timer each: a `Task.sleep` per session cost 203–206 → 215–226 µs of server CPU per
    /// message in `chatblizz-bench chat --pairs 1000 --closed-loop` over PostgreSQL). `pool_timeout=0` turns it off.
    private func withOpenConnection<R: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> R) async throws -> R {
        for attempt in 1...Self.leaseAttempts {
            let lease = LeaseProgress()
            let session: @Sendable (PostgresConnection) async throws -> R = { connection in
                guard !connection.isClosed else { throw ClosedLease() }
                lease.leased.store(true, ordering: .relaxed)
                return try await body(connection)
            }
            do {
                if let connectionWait {
                    return try await withinConnectionWait(connectionWait, lease: lease, session)
                }
                return try await client.withConnection(session)
            } catch is ClosedLease {
                if attempt < Self.leaseAttempts { await Task.yield() }
            } catch is ConnectionWaitExceeded {
                throw ChatError(.unavailable, "the PostgreSQL database is unavailable (no connection within \(connectionWait ?? .zero))")
            } catch  where !lease.leased.load(ordering: .relaxed) && !(error is CancellationError) {
                throw ChatError(.unavailable, "the PostgreSQL database is unavailable (no connection: \(error))")
            }
        }
        throw ChatError(.unavailable, "the PostgreSQL database is unavailable (its connections were closed)")
    }

    /// Runs `session` on a pooled connection, failing with `ConnectionWaitExceeded` when none is leased within `limit`.
    private func withinConnectionWait<R: Sendable>(
        _ limit: Duration,
        lease: LeaseProgress,
        _ session: @Sendable (PostgresConnection) async throws -> R
    ) async throws -> R {
        try await withoutActuallyEscaping(session) { session in
            try await withThrowingTaskGroup(of: R?.self) { group in
                group.addTask { try await self.client.withConnection(session) }
                group.addTask {
                    try await self.deadlines.wait(until: .now + limit)
                    guard lease.leased.load(ordering: .relaxed) else { throw ConnectionWaitExceeded() }
                    return nil
                }
                defer { group.cancelAll() }
                while let next = try await group.next() {
                    if let value = next { return value }
                }
                throw ConnectionWaitExceeded()  // not reached: the session's task returns a value or throws
            }
        }
    }

    private static let leaseAttempts = 3

    private struct ClosedLease: Error {}
    private struct ConnectionWaitExceeded: Error {}

    /// Whether the session got its connection, for the deadline racing the lease.
    private final class LeaseProgress: Sendable {
        let leased = Atomic<Bool>(false)
    }
}
