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
            return try await client.withConnection { connection in
                try await body(connection.sql(queryLogLevel: .trace))
            }
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
                return try await client.withConnection { connection in
                    try await self.transaction(on: connection.sql(queryLogLevel: .trace), body)
                }
            } catch  where attempt < 3 && SQLFlavor.isRetryable(error) {
                attempt += 1
            }
        }
    }
}
