import ChatCore
import Foundation
import NIOSSL
import PostgresNIO

/// Which SQL engine the stores run on, and how to reach it.
public enum SQLBackend: Sendable {
    /// An SQLite database file (its directory is created when missing), or `":memory:"` for a private in-memory
    /// database that lives as long as the client.
    case sqlite(path: String)
    /// A PostgreSQL server through a `PostgresClient` pool; `schema`, when set, is created if missing and used as the
    /// connections' `search_path`.
    case postgres(PostgresClient.Configuration, schema: String?)
    #if MariaDB
    /// A MariaDB server (10.5 or newer) through a pool of Connector/C connections; needs the package's `MariaDB` trait.
    case mariadb(MariaDBConfiguration)
    #endif
}

/// How an SQLite commit is made durable before it returns (`PRAGMA synchronous` of the writer connection).
public enum SQLiteDurability: String, Sendable, CaseIterable {
    /// The WAL is flushed to the disk (`fsync`) at every commit: a message the server acknowledged survives a power
    /// loss or an OS crash. The default. Group commit makes it one flush per batch of messages.
    case full
    /// The WAL reaches the OS at every commit and the disk only at checkpoints: a crash of ChatBlizz loses nothing, but
    /// a power loss or OS crash can lose the last commits, acknowledged messages included.
    case normal
}

/// The SQL store configuration, usually parsed from one URL.
public struct SQLStoreConfiguration: Sendable {
    public var backend: SQLBackend
    /// SQLite only: when a commit is on the disk.
    public var sqliteDurability: SQLiteDurability
    /// PostgreSQL only: how long a session waits for a pooled connection before it fails as `unavailable` (the URL's
    /// `pool_timeout`, in seconds; nil, or `pool_timeout=0`: no limit). Without a limit, a session waits while the pool
    /// keeps failing to connect, about a minute before postgres-nio's circuit breaker fails it.
    public var postgresConnectionWait: Duration?

    public init(backend: SQLBackend, sqliteDurability: SQLiteDurability = .full, postgresConnectionWait: Duration? = .seconds(10)) {
        self.backend = backend
        self.sqliteDurability = sqliteDurability
        self.postgresConnectionWait = postgresConnectionWait
    }

    /// Parses a database URL:
    /// - `sqlite:./data/chatblizz.sqlite`, `sqlite:///var/lib/chatblizz.sqlite`, `sqlite::memory:`, with an optional
    ///   `?synchronous=full` (default) or `?synchronous=normal` (see ``SQLiteDurability``); a `?` starts the options
    /// - `postgres://user:pass@host:5432/db` (also `postgresql://`), with optional query items `sslmode`
    ///   (`disable`, `prefer` (default), `require`), `schema` (a plain identifier), `pool_size` (default 20) and
    ///   `pool_timeout` (seconds a session waits for a connection, 0 (no limit) to 600, default 10).
    /// - `mariadb://user:pass@host:3306/db` (builds with the `MariaDB` trait), with optional query items `sslmode`
    ///   (`disable` (default), `require`, `verify-full`) and `pool_size` (default 10).
    public init(url: String) throws {
        if url.hasPrefix("sqlite:") {
            var rest = url.dropFirst("sqlite:".count)
            if rest.hasPrefix("//") { rest.removeFirst(2) }
            let parts = rest.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            let path = String(parts[0])
            guard !path.isEmpty else { throw Self.invalid("the SQLite URL has no path") }
            var durability = SQLiteDurability.full
            for option in parts.count > 1 ? parts[1].split(separator: "&") : [] {
                let pair = option.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard pair.count == 2, pair[0] == "synchronous", let value = SQLiteDurability(rawValue: pair[1].lowercased()) else {
                    throw Self.invalid("the only SQLite URL option is synchronous=full or synchronous=normal")
                }
                durability = value
            }
            self.init(backend: .sqlite(path: path), sqliteDurability: durability)
            return
        }
        if url.hasPrefix("mariadb://") {
            #if MariaDB
            self.init(backend: .mariadb(try Self.mariadb(url: url)))
            return
            #else
            throw Self.invalid("this build has no MariaDB support: build with `--traits MariaDB` (needs libmariadb-dev)")
            #endif
        }
        guard let components = URLComponents(string: url), components.scheme == "postgres" || components.scheme == "postgresql" else {
            throw Self.invalid("the database URL must start with sqlite:, postgres:// or mariadb://")
        }
        guard let host = components.host, !host.isEmpty else { throw Self.invalid("the PostgreSQL URL has no host") }
        let items = components.queryItems ?? []
        func item(_ name: String) -> String? { items.last { $0.name.lowercased() == name }?.value }
        let tls: PostgresClient.Configuration.TLS
        switch item("sslmode") ?? item("tlsmode") ?? "prefer" {
        case "disable", "false": tls = .disable
        case "prefer", "allow", "true": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw Self.invalid("unknown sslmode in the PostgreSQL URL")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        var configuration = PostgresClient.Configuration(
            host: host,
            port: components.port ?? 5432,
            username: components.user ?? "postgres",
            password: components.password,
            database: database.isEmpty ? nil : database,
            tls: tls
        )
        if let size = item("pool_size") {
            guard let value = Int(size), value > 0 else { throw Self.invalid("pool_size must be a positive integer") }
            configuration.options.maximumConnections = value
        }
        // postgres-nio's pool replaces a closed connection only to keep this minimum; sessions already waiting for a
        // connection when the server ends every connection (a restart, a failover) would otherwise wait until another
        // session asks for one. With one kept, its replacement serves them and the pool grows again from there.
        configuration.options.minimumConnections = 1
        var connectionWait: Duration? = .seconds(10)
        if let timeout = item("pool_timeout") {
            guard let seconds = Int(timeout), (0...600).contains(seconds) else { throw Self.invalid("pool_timeout must be 0 to 600 seconds") }
            connectionWait = seconds == 0 ? nil : .seconds(seconds)
        }
        let schema = item("schema")
        if let schema, !Self.isPlainIdentifier(schema) { throw Self.invalid("schema must be a plain identifier") }
        self.init(backend: .postgres(configuration, schema: schema), postgresConnectionWait: connectionWait)
    }

    /// Parses a `mariadb://` URL.
    static func mariadb(url: String) throws -> MariaDBConfiguration {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            throw Self.invalid("the MariaDB URL has no host")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !database.isEmpty, !database.contains("/") else { throw Self.invalid("the MariaDB URL must name a database") }
        guard let username = components.user, !username.isEmpty else { throw Self.invalid("the MariaDB URL has no user") }
        var configuration = MariaDBConfiguration(
            host: host,
            port: components.port ?? 3306,
            username: username,
            password: components.password,
            database: database
        )
        for item in components.queryItems ?? [] {
            switch (item.name.lowercased(), item.value) {
            case ("sslmode", let value?):
                guard let mode = MariaDBConfiguration.TLSMode(rawValue: value.lowercased()) else {
                    throw Self.invalid("sslmode in the MariaDB URL must be disable, require or verify-full")
                }
                configuration.tls = mode
            case ("pool_size", let value?):
                guard let size = Int(value), (1...1000).contains(size) else { throw Self.invalid("pool_size must be 1 to 1000") }
                configuration.poolSize = size
            default:
                throw Self.invalid("unknown MariaDB URL option \(item.name) (known: sslmode, pool_size)")
            }
        }
        return configuration
    }

    /// Letters, digits and `_`, not starting with a digit, at most 63 characters.
    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 63, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }
    }

    private static func invalid(_ message: String) -> ChatError {
        ChatError.invalidRequest(message, field: "databaseURL")
    }
}
