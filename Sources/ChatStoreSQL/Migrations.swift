import ChatCore
import SQLKit

/// One versioned step of the schema: plain DDL statements, rendered for the engine.
protocol SQLMigration: Sendable {
    /// Strictly increasing; recorded in `schema_migrations` once applied.
    var version: Int { get }
    var name: String { get }
    func statements(for flavor: SQLFlavor) -> [String]
}

/// Brings the schema up to date. Idempotent: applied versions are recorded in `schema_migrations` and skipped. All
/// pending migrations run in one transaction; on PostgreSQL it first takes a transaction-scoped advisory lock so two
/// processes starting at once apply them only once (DDL is transactional there). On SQLite the write transaction
/// (`BEGIN IMMEDIATE`) is the lock.
struct SQLMigrator: Sendable {
    let provider: any SQLSessionProvider
    /// The PostgreSQL schema to create and migrate, nil for the connection's default.
    let schema: String?
    var migrations: [any SQLMigration] = SQLMigrations.all

    /// Applies the pending migrations; returns the names of those applied by this call.
    @discardableResult
    func migrate() async throws -> [String] {
        let flavor = provider.flavor
        let schema = self.schema
        guard flavor != .mariadb else {
            // MariaDB commits DDL as it goes, so no transaction holds the migrations together: a named lock makes
            // concurrent migrators of one database take turns, and each migration is recorded as soon as its
            // (idempotent) statements ran. Named locks are server-wide, so the name carries the database's: the
            // migrators of other databases on the same server neither wait for it nor time out on it.
            return try await provider.withSession { database in
                let locked = try await database.raw("SELECT GET_LOCK(\(unsafeRaw: Self.mariaDBLockName), 60) AS locked").first()?
                    .optional("locked", as: Int64.self)
                guard locked == 1 else { throw ChatError(.unavailable, "another process holds the migration lock") }
                do {
                    let names = try await apply(on: database)
                    try await database.raw("SELECT RELEASE_LOCK(\(unsafeRaw: Self.mariaDBLockName))").run()
                    return names
                } catch {
                    try? await database.raw("SELECT RELEASE_LOCK(\(unsafeRaw: Self.mariaDBLockName))").run()
                    throw error
                }
            }
        }
        return try await provider.withTransaction { database in
            for statement in flavor.migrationPreamble(schema: schema, lockKey: Self.lockKey(schema: schema)) {
                try await database.raw(statement).run()
            }
            return try await apply(on: database)
        }
    }

    /// The MariaDB named lock of the session's database: a digest, because lock names are limited to 64 characters
    /// and database names may be as long.
    static let mariaDBLockName = "CONCAT('chatblizz.migrations.', MD5(COALESCE(DATABASE(), '')))"

    /// Creates `schema_migrations` if needed and applies the migrations it does not list.
    private func apply(on database: any SQLDatabase) async throws -> [String] {
        let flavor = provider.flavor
        let migrations = self.migrations.sorted { $0.version < $1.version }
        try await database.raw(
            SQLQueryString(
                flavor.migrationStatement(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)
                    """
                )
            )
        ).run()
        let applied = Set(try await database.raw("SELECT version FROM schema_migrations").all(decodingColumn: "version", as: Int64.self))
        var names: [String] = []
        for migration in migrations where !applied.contains(Int64(migration.version)) {
            for statement in migration.statements(for: flavor) {
                try await database.raw(SQLQueryString(flavor.migrationStatement(statement))).run()
            }
            try await database.raw(
                """
                INSERT INTO schema_migrations (version, name, applied_at)
                VALUES (\(bind: Int64(migration.version)), \(bind: migration.name), \(bind: Timestamp.now().milliseconds))
                """
            ).run()
            names.append(migration.name)
        }
        return names
    }

    /// The applied migrations as `(version, name)`, in version order.
    func appliedMigrations() async throws -> [(version: Int, name: String)] {
        try await provider.withReader { database in
            try await database.raw("SELECT version, name FROM schema_migrations ORDER BY version").all().map { row in
                (Int(try row.decode(column: "version", as: Int64.self)), try row.decode(column: "name", as: String.self))
            }
        }
    }

    /// A stable advisory-lock key per schema (FNV-1a of the schema name), so separate schemas migrate independently.
    static func lockKey(schema: String?) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "chatblizz.migrations.\(schema ?? "")".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }
}
