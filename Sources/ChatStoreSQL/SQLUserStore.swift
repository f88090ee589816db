import ChatCore
import SQLKit

/// `UserStore` on SQL (`users` table). Case-insensitive uniqueness uses `username_key` (the lower-cased username) and
/// `email` (stored as given; the domain lower-cases it); search matches on `username_key` and `display_name_key`.
public struct SQLUserStore: UserStore {
    let provider: any SQLSessionProvider

    init(provider: any SQLSessionProvider) {
        self.provider = provider
    }

    public func insert(_ user: User, passwordHash: String?) async throws {
        let flavor = provider.flavor
        let inserted = try await provider.withSession { database in
            try await database.raw(
                """
                \(flavor.insertSkippingConflicts) users (id, username, username_key, email, display_name, display_name_key, avatar_url, password_hash,
                    created_at, updated_at)
                VALUES (\(bind: user.id.rawValue), \(bind: user.username), \(bind: user.usernameKey), \(bind: user.email),
                    \(bind: user.displayName), \(bind: user.displayName?.lowercased()), \(bind: user.avatarURL), \(bind: passwordHash),
                    \(bind: user.createdAt.milliseconds), \(bind: user.updatedAt.milliseconds))
                \(flavor.skipConflicts) RETURNING id
                """
            ).all()
        }
        guard inserted.isEmpty else { return }
        let clash = try await provider.withReader { database in try await Self.clash(with: user, on: database) }
        throw clash ?? ChatError.conflict("the user clashes with an existing one")
    }

    public func user(id: UserID) async throws -> User? {
        try await provider.withReader { database in
            try await database.raw("SELECT \(unsafeRaw: Columns.user) FROM users WHERE id = \(bind: id.rawValue)").first().map(User.init(row:))
        }
    }

    public func users(ids: [UserID]) async throws -> [User] {
        guard !ids.isEmpty else { return [] }
        return try await provider.withReader { database in
            try await database.raw("SELECT \(unsafeRaw: Columns.user) FROM users WHERE id IN (\(binds: ids.map(\.rawValue)))").all()
                .map(User.init(row:))
        }
    }

    public func user(login: String) async throws -> User? {
        let key = login.lowercased()
        return try await provider.withReader { database in
            try await database.raw(
                """
                SELECT \(unsafeRaw: Columns.user) FROM users WHERE username_key = \(bind: key) OR email = \(bind: key)
                ORDER BY CASE WHEN username_key = \(bind: key) THEN 0 ELSE 1 END LIMIT 1
                """
            ).first().map(User.init(row:))
        }
    }

    public func passwordHash(for id: UserID) async throws -> String? {
        try await provider.withReader { database in
            try await database.raw("SELECT password_hash FROM users WHERE id = \(bind: id.rawValue)").first()?.optional(
                "password_hash",
                as: String.self
            )
        }
    }

    public func update(_ user: User) async throws {
        do {
            try await provider.withTransaction { database in
                let exists = try await database.raw("SELECT id FROM users WHERE id = \(bind: user.id.rawValue)").first() != nil
                guard exists else { throw ChatError.notFound("user not found") }
                if let clash = try await Self.clash(with: user, on: database, sameID: false) { throw clash }
                try await database.raw(
                    """
                    UPDATE users SET username = \(bind: user.username), username_key = \(bind: user.usernameKey),
                        email = \(bind: user.email), display_name = \(bind: user.displayName),
                        display_name_key = \(bind: user.displayName?.lowercased()), avatar_url = \(bind: user.avatarURL),
                        created_at = \(bind: user.createdAt.milliseconds), updated_at = \(bind: user.updatedAt.milliseconds)
                    WHERE id = \(bind: user.id.rawValue)
                    """
                ).run()
            }
        } catch  where SQLFlavor.isUniqueViolation(error) {
            throw ChatError.conflict("username or email is taken", field: "username")
        }
    }

    public func search(_ query: String, excluding: UserID, after cursor: UserSearchCursor?, limit: Int) async throws -> [UserSearchHit] {
        let key = query.lowercased()
        let escaped = Self.escapeLike(key)
        var sql: SQLQueryString = """
            SELECT \(unsafeRaw: Columns.user), username_key, rank FROM (
                SELECT \(unsafeRaw: Columns.user), username_key,
                    CASE WHEN username_key LIKE \(bind: escaped + "%") ESCAPE '\\' THEN 0 ELSE 1 END AS rank
                FROM users
                WHERE id <> \(bind: excluding.rawValue) AND (username_key LIKE \(bind: "%" + escaped + "%") ESCAPE '\\'
                    OR display_name_key LIKE \(bind: "%" + escaped + "%") ESCAPE '\\' OR email = \(bind: key))
            ) AS hits
            """
        if let cursor {
            sql += " WHERE (rank, username_key, id) > (\(bind: Int64(cursor.rank)), \(bind: cursor.usernameKey), \(bind: cursor.id.rawValue))"
        }
        sql += " ORDER BY rank, username_key, id LIMIT \(bind: Int64(max(limit, 0)))"
        let statement = sql
        return try await provider.withReader { database in
            try await database.raw(statement).all().map { row in UserSearchHit(user: try User(row: row), rank: try row.int("rank")) }
        }
    }

    /// The `ChatError` for the first uniqueness clash of `user` with stored users, checked in the order the memory store
    /// checks them: id (when `sameID`), then username, then email.
    private static func clash(with user: User, on database: any SQLDatabase, sameID: Bool = true) async throws -> ChatError? {
        let rows = try await database.raw(
            """
            SELECT id, username_key, email FROM users
            WHERE id = \(bind: user.id.rawValue) OR username_key = \(bind: user.usernameKey) OR email = \(bind: user.email)
            """
        ).all()
        var ids: [String] = []
        var keys: [String] = []
        var emails: [String] = []
        for row in rows {
            let id: String = try row.required("id")
            if id == user.id.rawValue {
                ids.append(id)
                continue
            }
            keys.append(try row.required("username_key"))
            emails.append(try row.required("email"))
        }
        if sameID, !ids.isEmpty { return ChatError.conflict("user id already exists", field: "id") }
        if keys.contains(user.usernameKey) { return ChatError.conflict("username is taken", field: "username") }
        if emails.contains(user.email) { return ChatError.conflict("email is already registered", field: "email") }
        return nil
    }

    /// Escapes `\`, `%` and `_` for `LIKE ... ESCAPE '\'`.
    static func escapeLike(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "\\" || character == "%" || character == "_" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
