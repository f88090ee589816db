import ChatCore
import Logging
import PostgresKit
import ServiceLifecycle
import Synchronization

/// Owns the database connections for one backend and vends the four SQL stores.
///
/// Run it as a swift-service-lifecycle `Service` (put it first in the `ServiceGroup` so it shuts down after the services
/// that use it), or call `run()` in a task of your own and cancel that task to shut down. PostgreSQL sessions wait for a
/// pooled connection, which needs `run()` to be running; SQLite opens its connection on first use.
public final class SQLDatabaseClient: Service, Sendable {
    public let flavor: SQLFlavor
    public let users: SQLUserStore
    public let refreshTokens: SQLRefreshTokenStore
    public let friendships: SQLFriendshipStore
    public let messages: SQLMessageStore

    let provider: any SQLSessionProvider
    let engine: Engine
    private let schema: String?
    private let logger: Logger
    /// Set when `run()` has started the pool, so `withRunning` does not lease before the pool runs.
    private let running = Mutex(false)

    enum Engine: Sendable {
        case sqlite(SQLiteSessionProvider)
        /// The pool, and the deadlines of the sessions waiting for one of its connections.
        case postgres(PostgresClient, LeaseDeadlines)
        #if MariaDB
        case mariadb(MariaDBSessionProvider)
        #endif
    }

    /// A client for `configuration`; nothing connects until first use (SQLite) or `run()` (PostgreSQL).
    public init(configuration: SQLStoreConfiguration, logger: Logger = Logger(label: "chatblizz.sql")) {
        self.logger = logger
        switch configuration.backend {
        case .sqlite(let path):
            let sqlite = SQLiteSessionProvider(
                path: path == ":memory:" ? nil : path,
                durability: configuration.sqliteDurability,
                logger: logger
            )
            self.engine = .sqlite(sqlite)
            self.provider = sqlite
            self.schema = nil
        case .postgres(var postgresConfiguration, let schema):
            if let schema {
                postgresConfiguration.options.additionalStartupParameters.append(("search_path", schema))
            }
            let client = PostgresClient(configuration: postgresConfiguration, backgroundLogger: logger)
            let provider = PostgresSessionProvider(client: client, schema: schema, connectionWait: configuration.postgresConnectionWait)
            self.engine = .postgres(client, provider.deadlines)
            self.provider = provider
            self.schema = schema
        #if MariaDB
        case .mariadb(let mariadbConfiguration):
            let mariadb = MariaDBSessionProvider(configuration: mariadbConfiguration, logger: logger)
            self.engine = .mariadb(mariadb)
            self.provider = mariadb
            self.schema = nil
        #endif
        }
        self.flavor = provider.flavor
        self.users = SQLUserStore(provider: provider)
        self.refreshTokens = SQLRefreshTokenStore(provider: provider)
        self.friendships = SQLFriendshipStore(provider: provider)
        self.messages = SQLMessageStore(provider: provider)
    }

    /// A client for a database URL (see `SQLStoreConfiguration.init(url:)`).
    public convenience init(url: String, logger: Logger = Logger(label: "chatblizz.sql")) throws {
        self.init(configuration: try SQLStoreConfiguration(url: url), logger: logger)
    }

    /// Runs the connection pool until graceful shutdown or cancellation, then closes the connections.
    public func run() async throws {
        switch engine {
        case .postgres(let client, let deadlines):
            running.withLock { $0 = true }
            await withDiscardingTaskGroup { group in
                group.addTask { await client.run() }
                group.addTask { await cancelWhenGracefulShutdown { await deadlines.run() } }
            }
        case .sqlite(let sqlite):
            running.withLock { $0 = true }
            if sqlite.checkpoints {
                await cancelWhenGracefulShutdown { await self.checkpointPeriodically(sqlite) }
            } else {
                do {
                    try await gracefulShutdown()
                } catch is CancellationError {
                    // Cancellation is a shutdown too.
                }
            }
            try await sqlite.close()
        #if MariaDB
        case .mariadb(let mariadb):
            running.withLock { $0 = true }
            do {
                try await gracefulShutdown()
            } catch is CancellationError {
                // Cancellation is a shutdown too.
            }
            await mariadb.close()
        #endif
        }
        logger.debug("SQL database client stopped", metadata: ["sql.flavor": "\(flavor)"])
    }

    /// Checkpoints the SQLite WAL every `SQLiteSessionProvider.checkpointInterval` until cancelled.
    private func checkpointPeriodically(_ sqlite: SQLiteSessionProvider) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: SQLiteSessionProvider.checkpointInterval)
                try await sqlite.checkpoint()
            } catch is CancellationError {
                return
            } catch {
                logger.warning("SQLite checkpoint failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Runs the client for the duration of `body` (for one-shot commands such as `chatblizz migrate`, and tests): `run()`
    /// in a child task, `body`, then shutdown.
    public func withRunning<R: Sendable>(_ body: (SQLDatabaseClient) async throws -> R) async throws -> R {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.run() }
            do {
                while !running.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(1)) }
                let result = try await body(self)
                group.cancelAll()
                try await group.waitForAll()
                return result
            } catch {
                group.cancelAll()
                try? await group.waitForAll()
                throw error
            }
        }
    }

    /// Applies pending schema migrations (idempotent; safe when several processes start at once). Returns the names of
    /// the migrations this call applied.
    @discardableResult
    public func migrate() async throws -> [String] {
        let applied = try await SQLMigrator(provider: provider, schema: schema).migrate()
        if !applied.isEmpty {
            logger.info("applied database migrations", metadata: ["sql.migrations": .array(applied.map { .string($0) })])
        }
        return applied
    }

    /// The applied migrations, in version order.
    public func appliedMigrations() async throws -> [(version: Int, name: String)] {
        try await SQLMigrator(provider: provider, schema: schema).appliedMigrations()
    }

    /// Readiness: a round trip to the database within `timeout`. Throws `ChatError(.unavailable)` when it fails or
    /// takes longer.
    public func ping(timeout: Duration = .seconds(5)) async throws {
        let provider = self.provider
        do {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await provider.withSession { database in try await database.raw("SELECT 1 AS ok").run() }
                    return true
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return false
                }
                let answered = try await group.next() ?? false
                group.cancelAll()
                guard answered else { throw ChatError(.unavailable, "the database did not answer within \(timeout)") }
            }
        } catch let error as ChatError {
            throw error
        } catch {
            throw ChatError(.unavailable, "the database is not reachable: \(error)")
        }
    }
}
