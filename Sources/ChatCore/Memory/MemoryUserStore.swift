/// An in-memory `UserStore` for tests and single-process experiments.
public actor MemoryUserStore: UserStore {
    private var byID: [UserID: User] = [:]
    private var passwordHashes: [UserID: String] = [:]

    public init() {}

    public func insert(_ user: User, passwordHash: String?) throws {
        if byID[user.id] != nil { throw ChatError.conflict("user id already exists", field: "id") }
        try checkUnique(user)
        byID[user.id] = user
        if let passwordHash { passwordHashes[user.id] = passwordHash }
    }

    public func user(id: UserID) -> User? { byID[id] }

    public func users(ids: [UserID]) -> [User] { ids.compactMap { byID[$0] } }

    public func user(login: String) -> User? {
        let key = login.lowercased()
        return byID.values.first { $0.usernameKey == key || $0.email == key }
    }

    public func passwordHash(for id: UserID) -> String? { passwordHashes[id] }

    public func update(_ user: User) throws {
        guard byID[user.id] != nil else { throw ChatError.notFound("user not found") }
        try checkUnique(user)
        byID[user.id] = user
    }

    public func search(_ query: String, excluding: UserID, after cursor: UserSearchCursor?, limit: Int) -> [UserSearchHit] {
        let key = query.lowercased()
        let hits = byID.values.compactMap { user -> UserSearchHit? in
            guard user.id != excluding else { return nil }
            if user.usernameKey.hasPrefix(key) { return UserSearchHit(user: user, rank: 0) }
            if user.usernameKey.contains(key) || (user.displayName?.lowercased().contains(key) ?? false) || user.email == key {
                return UserSearchHit(user: user, rank: 1)
            }
            return nil
        }
        return
            hits
            .filter { hit in cursor.map { Self.isAfter(hit.cursor, $0) } ?? true }
            .sorted { Self.isAfter($1.cursor, $0.cursor) }
            .prefix(max(limit, 0))
            .map { $0 }
    }

    private static func isAfter(_ a: UserSearchCursor, _ b: UserSearchCursor) -> Bool {
        (a.rank, a.usernameKey, a.id.rawValue) > (b.rank, b.usernameKey, b.id.rawValue)
    }

    private func checkUnique(_ user: User) throws {
        for other in byID.values where other.id != user.id {
            if other.usernameKey == user.usernameKey { throw ChatError.conflict("username is taken", field: "username") }
            if other.email == user.email { throw ChatError.conflict("email is already registered", field: "email") }
        }
    }
}

/// An in-memory `RefreshTokenStore`.
public actor MemoryRefreshTokenStore: RefreshTokenStore {
    private var records: [String: RefreshTokenRecord] = [:]

    public init() {}

    public func insert(_ record: RefreshTokenRecord) throws {
        guard records[record.tokenHash] == nil else { throw ChatError.conflict("refresh token exists") }
        records[record.tokenHash] = record
    }

    public func consume(tokenHash: String, at now: Timestamp) -> RefreshTokenConsumption {
        guard var record = records[tokenHash], record.revokedAt == nil, record.expiresAt > now else { return .invalid }
        if record.consumedAt != nil {
            revokeFamily(record.familyID, at: now)
            return .reused(record)
        }
        record.consumedAt = now
        records[tokenHash] = record
        return .consumed(record)
    }

    public func revokeFamily(_ familyID: String, at now: Timestamp) {
        for (hash, record) in records where record.familyID == familyID && record.revokedAt == nil {
            records[hash]?.revokedAt = now
        }
    }
}
