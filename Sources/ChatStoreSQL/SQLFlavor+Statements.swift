import SQLKit

/// The statement shapes that differ between engines, so that each store writes its SQL once.
extension SQLFlavor {
    /// The type a `CAST` turns a value into a 64-bit integer with.
    var integerCastType: String {
        self == .mariadb ? "SIGNED" : "BIGINT"
    }

    /// The start of an `INSERT` that skips rows clashing with a unique key; ends with `skipConflicts`.
    ///
    /// MariaDB's `IGNORE` also turns other errors (an over-long value) into warnings; the domain's limits keep every
    /// value within its column.
    var insertSkippingConflicts: SQLQueryString {
        self == .mariadb ? "INSERT IGNORE INTO" : "INSERT INTO"
    }

    /// The clause that ends an `insertSkippingConflicts` statement, before any `RETURNING`.
    var skipConflicts: SQLQueryString {
        self == .mariadb ? "" : "ON CONFLICT DO NOTHING"
    }

    /// Runs `update` (an `UPDATE` or `DELETE`) and returns how many rows it matched: `RETURNING key` where the engine
    /// has `UPDATE … RETURNING`; `ROW_COUNT()` on MariaDB, whose connections count matched rather than changed rows.
    func matchedRows(of update: SQLQueryString, key: String, on database: any SQLDatabase) async throws -> Int {
        guard self == .mariadb else {
            return try await database.raw(update + " RETURNING \(ident: key)").all().count
        }
        return try await Self.mariadbMatchedRows(of: update, on: database)
    }

    /// Runs `update` on MariaDB and reads how many rows it matched (`CLIENT_FOUND_ROWS`) from the same session.
    private static func mariadbMatchedRows(of update: SQLQueryString, on database: any SQLDatabase) async throws -> Int {
        try await database.raw(update).run()
        return try await database.raw("SELECT ROW_COUNT() AS matched").first().map { try $0.int("matched") } ?? 0
    }

    /// Runs `update` and returns the updated row's `columns`, nil when it matched nothing. On MariaDB, which has no
    /// `UPDATE … RETURNING`, the row is read back with `select`; call it inside a transaction so that the row read is the
    /// row written.
    func updateReturningRow(
        _ update: SQLQueryString,
        columns: String,
        select: SQLQueryString,
        on database: any SQLDatabase
    ) async throws -> (any SQLRow)? {
        guard self == .mariadb else {
            return try await database.raw(update + " RETURNING \(unsafeRaw: columns)").first()
        }
        guard try await Self.mariadbMatchedRows(of: update, on: database) > 0 else { return nil }
        return try await database.raw(select).first()
    }

    /// Runs `UPDATE table SET assignments WHERE predicate` and returns the changed rows' `columns`. MariaDB, which has no
    /// `UPDATE … RETURNING`, locks and reads the rows first and then updates them by their text `key`; call it inside a
    /// transaction there.
    func updateReturningRows(
        table: String,
        set assignments: SQLQueryString,
        where predicate: SQLQueryString,
        key: String,
        columns: String,
        on database: any SQLDatabase
    ) async throws -> [any SQLRow] {
        let update: SQLQueryString = "UPDATE \(ident: table) SET " + assignments
        guard self == .mariadb else {
            return try await database.raw(update + " WHERE " + predicate + " RETURNING \(unsafeRaw: columns)").all()
        }
        let rows = try await database.raw("SELECT \(unsafeRaw: columns) FROM \(ident: table) WHERE " + predicate + " FOR UPDATE").all()
        guard !rows.isEmpty else { return [] }
        let keys = try rows.map { try $0.required(key, as: String.self) }
        try await database.raw(update + " WHERE \(ident: key) IN (\(binds: keys))").run()
        return rows
    }

    /// `column = value` (neither NULL) that the planner tests on the rows another index found rather than with an index
    /// of its own. PostgreSQL's planner would otherwise AND a bitmap of the column's whole index range into each
    /// narrow range it reads (the receiver's messages into a conversation range: 0.2 ms a range instead of 0.05 ms);
    /// `IS NOT DISTINCT FROM` is not an indexable operator there. The others already pick the narrow range alone.
    func rowFilter(_ column: String, equals value: String) -> SQLQueryString {
        self == .postgres ? "\(ident: column) IS NOT DISTINCT FROM \(bind: value)" : "\(ident: column) = \(bind: value)"
    }

    /// The larger of two values (neither NULL).
    func greatest(_ first: SQLQueryString, _ second: SQLQueryString) -> SQLQueryString {
        (self == .sqlite ? "MAX(" : "GREATEST(") + first + ", " + second + ")"
    }

    /// The clause that ends an `INSERT INTO table …` so that, when the row's `key` exists, its `(at, id)` pair moves to
    /// the inserted values only if those are later (a NULL `at` is earliest): never backwards.
    func advanceOnConflict(table: String, key: String, at: String, id: String) -> SQLQueryString {
        switch self {
        case .sqlite, .postgres:
            return """
                ON CONFLICT (\(unsafeRaw: key)) DO UPDATE SET \(ident: id) = excluded.\(ident: id), \(ident: at) = excluded.\(ident: at)
                WHERE \(ident: table).\(ident: at) IS NULL
                    OR (\(ident: table).\(ident: at), \(ident: table).\(ident: id)) < (excluded.\(ident: at), excluded.\(ident: id))
                """
        case .mariadb:
            // MariaDB applies the assignments left to right, each seeing the ones before. `id` goes first: when only
            // the ids differ, the second test then compares the new id with itself and leaves `at`, already equal.
            return """
                ON DUPLICATE KEY UPDATE
                    \(ident: id) = IF(\(ident: at) IS NULL OR (\(ident: at), \(ident: id)) < (VALUES(\(ident: at)), VALUES(\(ident: id))),
                        VALUES(\(ident: id)), \(ident: id)),
                    \(ident: at) = IF(\(ident: at) IS NULL OR (\(ident: at), \(ident: id)) < (VALUES(\(ident: at)), VALUES(\(ident: id))),
                        VALUES(\(ident: at)), \(ident: at))
                """
        }
    }

    /// A migration statement as this engine runs it. MariaDB commits each DDL statement on its own, so a migration that
    /// stops halfway cannot roll back: its statements are made idempotent instead (`IF NOT EXISTS`), and tables default
    /// to byte-order text comparison without trailing-space padding, like the other engines.
    func migrationStatement(_ statement: String) -> String {
        guard self == .mariadb else { return statement }
        var statement = statement
        for (plain, idempotent) in [
            ("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS "), ("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS "),
            ("CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS "),
        ] where statement.hasPrefix(plain) && !statement.hasPrefix(idempotent) {
            statement = idempotent + statement.dropFirst(plain.count)
        }
        if statement.hasPrefix("ALTER TABLE "), let range = statement.range(of: " ADD COLUMN ") {
            statement.replaceSubrange(range, with: " ADD COLUMN IF NOT EXISTS ")
        }
        if statement.hasPrefix("CREATE TABLE ") {
            statement += " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin"
        }
        return statement
    }
}
