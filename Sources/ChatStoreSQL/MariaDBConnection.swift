#if MariaDB
import CMariaDB

/// One MariaDB Connector/C connection (text protocol, one statement per call: multi-statements stay off).
///
/// Not thread-safe: `MariaDBConnectionPool` lends it to one session at a time, and each call blocks the thread it runs
/// on, which is always one of the pool's threads.
final class MariaDBConnection: @unchecked Sendable {
    private let handle: UnsafeMutablePointer<MYSQL>
    /// Set when the connection can no longer be trusted (lost, or its state is unknown); the pool closes it.
    private(set) var isBroken = false

    /// Per-session settings: byte-order text comparison without trailing-space padding (the order of SQLite's `BINARY`
    /// and PostgreSQL's `COLLATE "C"`), standard string literals (a backslash is an ordinary character, as in
    /// `LIKE … ESCAPE '\'`), errors instead of silent truncation, and PostgreSQL's default isolation level.
    static let sessionSettings = [
        "SET NAMES utf8mb4 COLLATE utf8mb4_nopad_bin",
        "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_BACKSLASH_ESCAPES,NO_ENGINE_SUBSTITUTION,NO_ZERO_DATE'",
        "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
    ]

    /// `mysql_library_init` is not thread-safe, so it runs once, before the first connection.
    private static let libraryInitialized: Bool = mysql_server_init(0, nil, nil) == 0

    private init(handle: UnsafeMutablePointer<MYSQL>) {
        self.handle = handle
    }

    deinit {
        mysql_close(handle)
    }

    /// Opens and authenticates a connection, then applies `sessionSettings`. Blocks.
    static func connect(_ configuration: MariaDBConfiguration) throws -> MariaDBConnection {
        guard libraryInitialized, let handle = mysql_init(nil) else {
            throw MariaDBError(code: 2008, sqlState: "HY000", message: "MariaDB Connector/C could not initialize")
        }
        let connection = MariaDBConnection(handle: handle)
        var connectTimeout: UInt32 = 10
        var ioTimeout: UInt32 = 60
        mysql_options(handle, MYSQL_OPT_CONNECT_TIMEOUT, &connectTimeout)
        mysql_options(handle, MYSQL_OPT_READ_TIMEOUT, &ioTimeout)
        mysql_options(handle, MYSQL_OPT_WRITE_TIMEOUT, &ioTimeout)
        mysql_options(handle, MYSQL_SET_CHARSET_NAME, "utf8mb4")
        if configuration.tls != .disable {
            var on: my_bool = 1
            mysql_options(handle, MYSQL_OPT_SSL_ENFORCE, &on)
            var verify: my_bool = configuration.tls == .verifyFull ? 1 : 0
            mysql_options(handle, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify)
        }
        let connected = mysql_real_connect(
            handle,
            configuration.host,
            configuration.username,
            configuration.password,
            configuration.database,
            UInt32(clamping: configuration.port),
            nil,
            // `UPDATE` reports the rows it matched, not only those it changed (see `SQLFlavor.matchedRows`).
            UInt(CLIENT_FOUND_ROWS)
        )
        guard connected != nil else { throw connection.lastError() }
        // Connector/C 3.3 falls back to plain TCP when the server offers no TLS, unless it also verifies the certificate.
        if configuration.tls != .disable, mysql_get_ssl_cipher(handle) == nil {
            throw MariaDBError(code: 2026, sqlState: "HY000", message: "TLS is required, but the server does not offer it")
        }
        for statement in sessionSettings {
            try connection.query(statement) { _ in }
        }
        return connection
    }

    /// Runs one statement; `onRow` sees each row of its result set, if it has one. Blocks.
    func query(_ sql: String, _ onRow: (MariaDBRow) throws -> Void) throws {
        var sql = sql
        let status = sql.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { mysql_real_query(handle, $0.baseAddress, UInt($0.count)) }
        }
        guard status == 0 else { throw failure() }
        guard let result = mysql_store_result(handle) else {
            // No result set is normal for statements without one; for a query that has one, it is an error.
            if mysql_field_count(handle) != 0 { throw failure() }
            return
        }
        defer { mysql_free_result(result) }
        let count = Int(mysql_num_fields(result))
        guard let fields = mysql_fetch_fields(result) else { throw failure() }
        let columns = MariaDBColumns(names: (0..<count).map { String(cString: fields[$0].name) })
        while let row = mysql_fetch_row(result) {
            guard let lengths = mysql_fetch_lengths(result) else { throw failure() }
            var values: [String?] = []
            values.reserveCapacity(count)
            for index in 0..<count {
                if let field = row[index] {
                    values.append(String(decoding: UnsafeRawBufferPointer(start: field, count: Int(lengths[index])), as: UTF8.self))
                } else {
                    values.append(nil)
                }
            }
            try onRow(MariaDBRow(columns: columns, values: values))
        }
        // mysql_fetch_row also returns nil when the transfer failed.
        if mysql_errno(handle) != 0 { throw failure() }
    }

    /// Appends `text` as a quoted string literal, escaped by Connector/C for this connection's character set and
    /// `sql_mode`.
    func appendLiteral(_ text: String, to sql: inout String) throws {
        var text = text
        let escaped: String? = text.withUTF8 { source in
            let capacity = source.count * 2 + 1
            return withUnsafeTemporaryAllocation(of: CChar.self, capacity: capacity) { buffer -> String? in
                let length = source.withMemoryRebound(to: CChar.self) { source in
                    mysql_real_escape_string(handle, buffer.baseAddress, source.baseAddress, UInt(source.count))
                }
                guard length != UInt.max else { return nil }
                return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: Int(length)), as: UTF8.self)
            }
        }
        guard let escaped else {
            throw MariaDBError(code: 0, sqlState: "HY000", message: "a string bind could not be escaped")
        }
        sql.append("'")
        sql.append(escaped)
        sql.append("'")
    }

    /// The error of the last call; a client-side error (lost connection, timeout) marks the connection broken.
    private func failure() -> MariaDBError {
        let error = lastError()
        if error.isConnectionError { isBroken = true }
        return error
    }

    private func lastError() -> MariaDBError {
        MariaDBError(
            code: mysql_errno(handle),
            sqlState: String(cString: mysql_sqlstate(handle)),
            message: String(cString: mysql_error(handle))
        )
    }

    /// Whether the server still answers on this connection (`mysql_ping`, no reconnect). Blocks.
    func isAlive() -> Bool {
        mysql_ping(handle) == 0
    }

    /// Marks the connection as not reusable (for example after a failed `ROLLBACK`).
    func markBroken() {
        isBroken = true
    }
}

/// The column names of one result set, shared by its rows.
final class MariaDBColumns: Sendable {
    let names: [String]
    private let indexes: [String: Int]

    init(names: [String]) {
        self.names = names
        var indexes: [String: Int] = [:]
        for (index, name) in names.enumerated() where indexes[name] == nil { indexes[name] = index }
        self.indexes = indexes
    }

    func index(of name: String) -> Int? { indexes[name] }
}
#endif
