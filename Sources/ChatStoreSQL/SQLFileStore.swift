import ChatCore
import SQLKit

/// `FileStore` on SQL: the `files` table (migrations 5 and 7), indexed by `(uploader_id, created_at)` for the quota.
public struct SQLFileStore: FileStore {
    let provider: any SQLSessionProvider

    init(provider: any SQLSessionProvider) {
        self.provider = provider
    }

    static let columns = "id, message_id, uploader_id, receiver_id, name, size, content_type, sha256, storage_key, created_at, width, height"

    public func insert(_ records: [FileRecord], within quota: UploadQuota?) async throws {
        guard !records.isEmpty else { return }
        let rows: [SQLQueryString] = records.map { record in
            let file = record.attachment
            return """
                (\(bind: file.id.rawValue), \(bind: record.messageID?.rawValue), \(bind: record.uploaderID.rawValue),
                \(bind: record.receiverID?.rawValue), \(bind: file.name), \(bind: file.size), \(bind: file.contentType), \(bind: file.sha256),
                \(bind: record.storageKey), \(bind: record.createdAt.milliseconds), \(bind: file.width.map(Int64.init)),
                \(bind: file.height.map(Int64.init)))
                """
        }
        let statement: SQLQueryString = "INSERT INTO files (\(unsafeRaw: Self.columns)) VALUES " + rows.joined(separator: ", ")
        do {
            guard let quota else {
                try await provider.withSession { database in try await database.raw(statement).run() }
                return
            }
            let adding = records.reduce(Int64(0)) { $0 + $1.attachment.size }
            let flavor = provider.flavor
            let checkAndInsert: @Sendable (any SQLDatabase) async throws -> Void = { database in
                let used = try await Self.bytesUploaded(by: quota.user, since: quota.since, flavor: flavor, on: database)
                guard used + adding <= quota.maxBytes else { throw quota.exceeded }
                try await database.raw(statement).run()
            }
            // One user's quota checks take turns until each commits, whether or not the user has a row. SQLite's
            // `BEGIN IMMEDIATE` already excludes every other writer; PostgreSQL takes a transaction-scoped advisory lock
            // on the user; MariaDB a named lock, held by the session around the transaction.
            switch flavor {
            case .sqlite:
                try await provider.withTransaction(checkAndInsert)
            case .postgres:
                try await provider.withTransaction { database in
                    try await database.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: "upload-quota:" + quota.user.rawValue)))").run()
                    try await checkAndInsert(database)
                }
            case .mariadb:
                let provider = self.provider
                try await provider.withSession { database in
                    try await Self.withNamedLock("upload-quota:" + quota.user.rawValue, on: database) {
                        try await provider.transaction(on: database, checkAndInsert)
                    }
                }
            }
        } catch  where SQLFlavor.isUniqueViolation(error) {
            throw ChatError.conflict("a file with this id already exists")
        }
    }

    /// Runs `body` holding MariaDB's named lock for `key` (hashed: lock names are at most 64 characters), waiting at
    /// most 10 seconds for it.
    private static func withNamedLock(_ key: String, on database: any SQLDatabase, _ body: () async throws -> Void) async throws {
        let name: SQLQueryString = "CONCAT('chatblizz.', SHA1(\(bind: key)))"
        let locked = try await database.raw("SELECT GET_LOCK(" + name + ", 10) AS locked").first()?.optional("locked", as: Int64.self)
        guard locked == 1 else { throw ChatError(.unavailable, "the upload quota lock is busy") }
        do {
            try await body()
        } catch {
            try? await database.raw("SELECT RELEASE_LOCK(" + name + ")").run()
            throw error
        }
        try await database.raw("SELECT RELEASE_LOCK(" + name + ")").run()
    }

    public func file(id: FileID) async throws -> FileRecord? {
        try await provider.withReader { database in
            try await database.raw("SELECT \(unsafeRaw: Self.columns) FROM files WHERE id = \(bind: id.rawValue)").first().map(FileRecord.init(row:))
        }
    }

    public func files(ofMessage id: MessageID) async throws -> [FileRecord] {
        try await provider.withReader { database in
            try await database.raw("SELECT \(unsafeRaw: Self.columns) FROM files WHERE message_id = \(bind: id.rawValue) ORDER BY id")
                .all().map(FileRecord.init(row:))
        }
    }

    public func delete(ids: [FileID]) async throws {
        guard !ids.isEmpty else { return }
        try await provider.withSession { database in
            try await database.raw("DELETE FROM files WHERE id IN (\(binds: ids.map(\.rawValue)))").run()
        }
    }

    public func bytesUploaded(by user: UserID, since time: Timestamp) async throws -> Int64 {
        let flavor = provider.flavor
        return try await provider.withReader { database in
            try await Self.bytesUploaded(by: user, since: time, flavor: flavor, on: database)
        }
    }

    private static func bytesUploaded(
        by user: UserID,
        since time: Timestamp,
        flavor: SQLFlavor,
        on database: any SQLDatabase
    ) async throws -> Int64 {
        let row = try await database.raw(
            """
            SELECT CAST(COALESCE(SUM(size), 0) AS \(unsafeRaw: flavor.integerCastType)) AS total FROM files
            WHERE uploader_id = \(bind: user.rawValue) AND created_at >= \(bind: time.milliseconds)
            """
        ).first()
        return try row?.required("total", as: Int64.self) ?? 0
    }
}

extension SQLDatabaseClient {
    /// The `FileStore` on this database.
    public var files: SQLFileStore { SQLFileStore(provider: provider) }
}

extension FileRecord {
    init(row: any SQLRow) throws {
        let width = try row.optional("width", as: Int64.self)
        let height = try row.optional("height", as: Int64.self)
        self.init(
            attachment: FileAttachment(
                id: FileID(try row.required("id")),
                name: try row.required("name"),
                size: try row.required("size"),
                contentType: try row.required("content_type"),
                sha256: try row.required("sha256"),
                width: width.flatMap { Int(exactly: $0) },
                height: height.flatMap { Int(exactly: $0) }
            ),
            messageID: try row.optional("message_id", as: String.self).map(MessageID.init),
            uploaderID: UserID(try row.required("uploader_id")),
            receiverID: try row.optional("receiver_id", as: String.self).map(UserID.init),
            storageKey: try row.required("storage_key"),
            createdAt: try row.timestamp("created_at")
        )
    }
}
