import ChatCore
import SQLKit

/// `FriendshipStore` on SQL: one `friends` row per pair keyed by the pair's `ConversationID`, updated with optimistic
/// concurrency on `version`; `blocks` holds one row per (blocker, blocked).
public struct SQLFriendshipStore: FriendshipStore {
    let provider: any SQLSessionProvider

    init(provider: any SQLSessionProvider) {
        self.provider = provider
    }

    public func friendship(between a: UserID, and b: UserID) async throws -> Friendship? {
        try await provider.withReader { database in
            try await database.raw(
                "SELECT \(unsafeRaw: Columns.friendship) FROM friends WHERE pair_key = \(bind: ConversationID(a, b).rawValue)"
            ).first().map(Friendship.init(row:))
        }
    }

    public func insert(_ friendship: Friendship) async throws {
        let flavor = provider.flavor
        let inserted = try await provider.withSession { database in
            try await database.raw(
                """
                \(flavor.insertSkippingConflicts) friends (pair_key, user_id, friend_id, status, created_at, updated_at, version)
                VALUES (\(bind: friendship.pairKey.rawValue), \(bind: friendship.requester.rawValue), \(bind: friendship.addressee.rawValue),
                    \(bind: friendship.status.rawValue), \(bind: friendship.createdAt.milliseconds),
                    \(bind: friendship.updatedAt.milliseconds), \(bind: Int64(friendship.version)))
                \(flavor.skipConflicts) RETURNING pair_key
                """
            ).all()
        }
        if inserted.isEmpty { throw ChatError.conflict("the pair already has a friendship") }
    }

    public func update(_ friendship: Friendship, expectedVersion: Int) async throws -> Bool {
        let flavor = provider.flavor
        let updated = try await provider.withSession { database in
            try await flavor.matchedRows(
                of: """
                    UPDATE friends SET user_id = \(bind: friendship.requester.rawValue), friend_id = \(bind: friendship.addressee.rawValue),
                        status = \(bind: friendship.status.rawValue), created_at = \(bind: friendship.createdAt.milliseconds),
                        updated_at = \(bind: friendship.updatedAt.milliseconds), version = \(bind: Int64(friendship.version))
                    WHERE pair_key = \(bind: friendship.pairKey.rawValue) AND version = \(bind: Int64(expectedVersion))
                    """,
                key: "pair_key",
                on: database
            )
        }
        return updated > 0
    }

    public func friends(of user: UserID, after cursor: FriendshipCursor?, limit: Int) async throws -> [Friendship] {
        let filter: SQLQueryString = """
            status = \(bind: FriendshipStatus.accepted.rawValue) AND (user_id = \(bind: user.rawValue) OR friend_id = \(bind: user.rawValue))
            """
        return try await page(filter, after: cursor, limit: limit)
    }

    public func pendingRequests(
        of user: UserID,
        direction: FriendRequestDirection,
        after cursor: FriendshipCursor?,
        limit: Int
    ) async throws -> [Friendship] {
        let column = direction == .incoming ? "friend_id" : "user_id"
        let filter: SQLQueryString = "status = \(bind: FriendshipStatus.pending.rawValue) AND \(ident: column) = \(bind: user.rawValue)"
        return try await page(filter, after: cursor, limit: limit)
    }

    public func changes(for user: UserID, after cursor: ChangeCursor?, limit: Int) async throws -> [Friendship] {
        let limit = Int64(max(limit, 0))
        let bound = cursor ?? ChangeCursor(updatedAt: Timestamp(milliseconds: Int64.min), id: "")
        func side(_ column: String) -> SQLQueryString {
            """
            SELECT * FROM (SELECT pair_key, \(unsafeRaw: Columns.friendship) FROM friends WHERE \(ident: column) = \(bind: user.rawValue)
                AND (updated_at, pair_key) > (\(bind: bound.updatedAt.milliseconds), \(bind: bound.id))
                ORDER BY updated_at, pair_key LIMIT \(bind: limit)) AS \(ident: column + "_side")
            """
        }
        let statement: SQLQueryString =
            "SELECT * FROM (" + side("user_id") + " UNION ALL " + side("friend_id") + ") AS feed ORDER BY updated_at, pair_key LIMIT \(bind: limit)"
        return try await provider.withReader { database in try await database.raw(statement).all().map(Friendship.init(row:)) }
    }

    public func friendships(of user: UserID, with others: [UserID]) async throws -> [UserID: Friendship] {
        guard !others.isEmpty else { return [:] }
        var peers: [String: UserID] = [:]
        for other in others { peers[ConversationID(user, other).rawValue] = other }
        let keys = Array(peers.keys)
        let rows = try await provider.withReader { database in
            try await database.raw(
                "SELECT pair_key, \(unsafeRaw: Columns.friendship) FROM friends WHERE pair_key IN (\(binds: keys))"
            ).all().map { row in (try row.required("pair_key", as: String.self), try Friendship(row: row)) }
        }
        var result: [UserID: Friendship] = [:]
        for (key, friendship) in rows {
            if let other = peers[key] { result[other] = friendship }
        }
        return result
    }

    public func insertBlock(_ block: Block) async throws -> Bool {
        let flavor = provider.flavor
        return try await provider.withSession { database in
            try await database.raw(
                """
                \(flavor.insertSkippingConflicts) blocks (blocker_id, blocked_id, created_at)
                VALUES (\(bind: block.blocker.rawValue), \(bind: block.blocked.rawValue), \(bind: block.createdAt.milliseconds))
                \(flavor.skipConflicts) RETURNING blocker_id
                """
            ).all()
        }.isEmpty == false
    }

    public func deleteBlock(blocker: UserID, blocked: UserID) async throws -> Bool {
        try await provider.withSession { database in
            try await database.raw(
                "DELETE FROM blocks WHERE blocker_id = \(bind: blocker.rawValue) AND blocked_id = \(bind: blocked.rawValue) RETURNING blocker_id"
            ).all()
        }.isEmpty == false
    }

    public func isBlocked(between a: UserID, and b: UserID) async throws -> Bool {
        try await provider.withReader { database in
            try await database.raw(
                """
                SELECT blocker_id FROM blocks
                WHERE (blocker_id = \(bind: a.rawValue) AND blocked_id = \(bind: b.rawValue))
                    OR (blocker_id = \(bind: b.rawValue) AND blocked_id = \(bind: a.rawValue))
                LIMIT 1
                """
            ).first() != nil
        }
    }

    public func canMessage(between a: UserID, and b: UserID) async throws -> Bool {
        try await provider.withReader { database in
            try await database.raw(
                """
                SELECT 1 AS allowed FROM friends
                WHERE pair_key = \(bind: ConversationID(a, b).rawValue) AND status = \(bind: FriendshipStatus.accepted.rawValue)
                    AND NOT EXISTS (
                        SELECT 1 FROM blocks
                        WHERE (blocker_id = \(bind: a.rawValue) AND blocked_id = \(bind: b.rawValue))
                            OR (blocker_id = \(bind: b.rawValue) AND blocked_id = \(bind: a.rawValue))
                    )
                """
            ).first() != nil
        }
    }

    public func allowedPairs(among pairs: [ConversationID]) async throws -> Set<ConversationID> {
        guard !pairs.isEmpty else { return [] }
        let keys = pairs.map(\.rawValue)
        let rows = try await provider.withReader { database in
            try await database.raw(
                """
                SELECT f.pair_key AS pair_key FROM friends f
                WHERE f.pair_key IN (\(binds: keys)) AND f.status = \(bind: FriendshipStatus.accepted.rawValue)
                    AND NOT EXISTS (
                        SELECT 1 FROM blocks b
                        WHERE (b.blocker_id = f.user_id AND b.blocked_id = f.friend_id)
                            OR (b.blocker_id = f.friend_id AND b.blocked_id = f.user_id)
                    )
                """
            ).all()
        }
        return Set(try rows.map { ConversationID(rawValue: try $0.required("pair_key", as: String.self)) })
    }

    public func blockedPeers(of user: UserID, among others: [UserID]) async throws -> Set<UserID> {
        guard !others.isEmpty else { return [] }
        let ids = others.map(\.rawValue)
        let rows = try await provider.withReader { database in
            try await database.raw(
                """
                SELECT blocked_id AS peer FROM blocks WHERE blocker_id = \(bind: user.rawValue) AND blocked_id IN (\(binds: ids))
                UNION
                SELECT blocker_id AS peer FROM blocks WHERE blocked_id = \(bind: user.rawValue) AND blocker_id IN (\(binds: ids))
                """
            ).all()
        }
        return Set(try rows.map { UserID(try $0.required("peer", as: String.self)) })
    }

    public func blocks(by user: UserID) async throws -> [Block] {
        try await provider.withReader { database in
            try await database.raw(
                """
                SELECT blocker_id, blocked_id, created_at FROM blocks WHERE blocker_id = \(bind: user.rawValue)
                ORDER BY created_at DESC, blocked_id DESC
                """
            ).all().map { row in
                Block(
                    blocker: UserID(try row.required("blocker_id")),
                    blocked: UserID(try row.required("blocked_id")),
                    createdAt: try row.timestamp("created_at")
                )
            }
        }
    }

    /// Rows matching `filter`, newest change first by `(updated_at, pair_key)`, strictly after `cursor`.
    private func page(_ filter: SQLQueryString, after cursor: FriendshipCursor?, limit: Int) async throws -> [Friendship] {
        var sql: SQLQueryString = "SELECT \(unsafeRaw: Columns.friendship) FROM friends WHERE " + filter
        if let cursor {
            sql += " AND (updated_at, pair_key) < (\(bind: cursor.updatedAt.milliseconds), \(bind: cursor.pairKey))"
        }
        sql += " ORDER BY updated_at DESC, pair_key DESC LIMIT \(bind: Int64(max(limit, 0)))"
        let statement = sql
        return try await provider.withReader { database in try await database.raw(statement).all().map(Friendship.init(row:)) }
    }
}
