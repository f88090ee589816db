import ChatCore
import PostgresNIO
import SQLKit
import SQLiteNIO

/// The SQL engines ChatStoreSQL supports. Every dialect difference the stores and migrations need lives here.
public enum SQLFlavor: String, Sendable, Hashable {
    case sqlite
    case postgres
    /// MariaDB 10.5 or newer (`INSERT … RETURNING`), through the package's `MariaDB` trait. MySQL is not supported: it
    /// has no `RETURNING`.
    case mariadb

    /// The column type for text that is compared, ordered or used in keyset cursors. PostgreSQL must compare bytes
    /// (`COLLATE "C"`) so that its order matches Swift's `String` order and SQLite's `BINARY` collation.
    var keyText: String {
        switch self {
        case .sqlite: "TEXT"
        case .postgres: "TEXT COLLATE \"C\""
        // Bytes, compared as bytes; long enough for a conversation id (two 128-byte user ids), short enough that every
        // composite index stays under InnoDB's 3,072-byte key limit.
        case .mariadb: "VARBINARY(512)"
        }
    }

    /// The statement that opens a write transaction. SQLite takes the write lock up front so that two writers never
    /// deadlock upgrading a read lock.
    var beginWrite: String {
        switch self {
        case .sqlite: "BEGIN IMMEDIATE"
        case .postgres: "BEGIN"
        case .mariadb: "START TRANSACTION"
        }
    }

    /// The statements that start a migration transaction: on PostgreSQL a transaction-scoped advisory lock (so two
    /// processes migrating at once take turns) and the schema; SQLite's `BEGIN IMMEDIATE` already excludes other writers.
    func migrationPreamble(schema: String?, lockKey: Int64) -> [SQLQueryString] {
        switch self {
        case .sqlite, .mariadb:
            return []
        case .postgres:
            var statements: [SQLQueryString] = ["SELECT pg_advisory_xact_lock(\(bind: lockKey))"]
            if let schema { statements.append("CREATE SCHEMA IF NOT EXISTS \(ident: schema)") }
            return statements
        }
    }

    /// Whether a transaction that failed with this error may simply be run again (a PostgreSQL deadlock or
    /// serialization failure, a MariaDB deadlock).
    static func isRetryable(_ error: any Error) -> Bool {
        if let error = error as? MariaDBError { return error.isRetryable }
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40P01" || state == "40001"
    }

    /// The driver error as `ChatError(.unavailable)` when it means the database cannot be reached or is overloaded right
    /// now (connection lost, pool closed, server shutting down, SQLite busy), so the edge can answer 503; other errors
    /// pass through unchanged.
    static func translate(_ error: any Error) -> any Error {
        if let error = error as? SQLiteError {
            switch error.reason {
            case .busy, .busyTimeout, .busyInRecovery, .busyInSnapshot, .locked, .cantOpen, .full, .readOnly:
                return ChatError(.unavailable, "the SQLite database is unavailable: \(error.message)")
            default:
                return error
            }
        }
        if let error = error as? MariaDBError, error.isUnavailable {
            return ChatError(.unavailable, "the MariaDB database is unavailable (error \(error.code))")
        }
        if let error = error as? PSQLError {
            switch error.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .uncleanShutdown, .sslUnsupported:
                return ChatError(.unavailable, "the PostgreSQL database is unavailable (\(error.code))")
            case .server:
                let state = error.serverInfo?[.sqlState] ?? ""
                if state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300" {
                    return ChatError(.unavailable, "the PostgreSQL database is unavailable (SQLSTATE \(state))")
                }
                return error
            default:
                return error
            }
        }
        return error
    }

    /// Whether an error raised by the driver is a unique-constraint violation.
    static func isUniqueViolation(_ error: any Error) -> Bool {
        if let error = error as? SQLiteError {
            switch error.reason {
            case .constraint, .constraintUniqueFailed, .constraintPrimaryKeyFailed: return true
            default: return false
            }
        }
        if let error = error as? PSQLError {
            return error.serverInfo?[.sqlState] == "23505"
        }
        if let error = error as? MariaDBError { return error.isUniqueViolation }
        return false
    }
}

extension ChatError {
    /// A row read from the database does not have the expected shape.
    static func corruptRow(_ detail: String) -> ChatError {
        ChatError(.internalError, "corrupt database row: \(detail)")
    }
}
