import ChatCore
import SQLKit

/// The change feed behind sync, read per conversation (migration 10).
///
/// `messages` has no per-user index: each one dirtied a B-tree page per stored message. A user's feed is the merge of
/// two per-conversation feeds:
/// - **changed** messages (`updated_at <> created_at`: edited, deleted, marked, or stored late by the Kafka
///   persister), in `(updated_at, id)` order from the partial index `messages_changed`;
/// - **unchanged** messages (`updated_at = created_at`), in `(created_at, id)` order, which is the same order, from the
///   history index `messages_conversation`, only in conversations whose last message is not older than the cursor.
///
/// The two never overlap and together hold every message. Each conversation gives at most `limit` of each kind, so a
/// page reads at most `limit` rows per conversation however much changed after the cursor. When the changed messages
/// fill a page, unchanged ones past its last item cannot be in it, so the second read stops there.
///
/// MariaDB has no partial indexes, so its `messages_changed` holds every message in `(updated_at, id)` order: one read
/// per conversation gives the feed without the split (see `mariaDBChanges`).
extension SQLMessageStore {
    public func changes(for user: UserID, after cursor: ChangeCursor?, limit: Int) async throws -> [Message] {
        guard limit > 0 else { return [] }
        let bound = cursor ?? ChangeCursor(updatedAt: Timestamp(milliseconds: Int64.min), id: "")
        let flavor = provider.flavor
        #if MariaDB
        if let mariadb = provider as? MariaDBSessionProvider { return try await mariaDBChanges(for: user, after: bound, limit: limit, on: mariadb) }
        #endif
        let changedStatement = Self.feed(
            of: user,
            flavor: flavor,
            where: """
                updated_at <> created_at AND (updated_at, id) > (\(bind: bound.updatedAt.milliseconds), \(bind: bound.id))
                """,
            orderedBy: "updated_at, id",
            limit: limit
        )
        return try await provider.withReader { database in
            let changed = try await database.raw(changedStatement).all().map(Message.init(row:))
            var unchangedCondition: SQLQueryString = "(created_at, id) > (\(bind: bound.updatedAt.milliseconds), \(bind: bound.id))"
            if changed.count == limit, let horizon = changed.last?.changeCursor {
                unchangedCondition += " AND (created_at, id) <= (\(bind: horizon.updatedAt.milliseconds), \(bind: horizon.id))"
            }
            let unchangedStatement = Self.feed(
                of: user,
                flavor: flavor,
                where: unchangedCondition + " AND updated_at = created_at",
                orderedBy: "created_at, id",
                limit: limit,
                lastMessageNotBefore: bound.updatedAt
            )
            let unchanged = try await database.raw(unchangedStatement).all().map(Message.init(row:))
            return Array((changed + unchanged).sorted { $0.changeCursor < $1.changeCursor }.prefix(limit))
        }
    }

    /// The first `limit` messages in `(updated_at, id)` order among those of `user`'s conversations that match
    /// `condition` (unqualified columns of `messages`). On SQLite and PostgreSQL each conversation contributes at most its
    /// first `limit` in `order`, which must be `(updated_at, id)` order for the rows that match.
    static func feed(
        of user: UserID,
        flavor: SQLFlavor,
        where condition: SQLQueryString,
        orderedBy order: String,
        limit: Int,
        lastMessageNotBefore time: Timestamp? = nil
    ) -> SQLQueryString {
        let limit = Int64(limit)
        // One index range per side: an OR over both columns could not use either index.
        func side(_ column: String) -> SQLQueryString {
            var conversations: SQLQueryString = "\(ident: column) = \(bind: user.rawValue)"
            if let time { conversations += " AND last_message_at >= \(bind: time.milliseconds)" }
            switch flavor {
            case .sqlite:
                return """
                    SELECT m.* FROM conversations c JOIN messages m ON m.rowid IN (SELECT rowid FROM messages
                        WHERE conversation_id = c.id AND \(condition) ORDER BY \(unsafeRaw: order) LIMIT \(bind: limit))
                    WHERE c.\(conversations)
                    """
            case .postgres:
                return """
                    SELECT m.* FROM conversations c CROSS JOIN LATERAL (SELECT \(unsafeRaw: Columns.message) FROM messages
                        WHERE conversation_id = c.id AND \(condition) ORDER BY \(unsafeRaw: order) LIMIT \(bind: limit)) AS m
                    WHERE c.\(conversations)
                    """
            case .mariadb:
                // Not reached: `changes` reads MariaDB's feed with `mariaDBChanges`.
                return """
                    SELECT \(unsafeRaw: Columns.message) FROM messages
                    WHERE conversation_id IN (SELECT id FROM conversations WHERE \(conversations)) AND \(condition)
                    """
            }
        }
        return "SELECT * FROM (" + side("user_low") + " UNION ALL " + side("user_high")
            + ") AS feed ORDER BY updated_at, id LIMIT \(bind: limit)"
    }

    #if MariaDB
    /// How many conversations one MariaDB statement reads (one `UNION ALL` member each).
    static let mariaDBConversationsPerRead = 100

    /// The feed on MariaDB: for each of the user's conversations, its first `limit` messages after the cursor in
    /// `(updated_at, id)` order, a range of `messages_changed` that stops after `limit` rows; then the first `limit` of
    /// all of them.
    ///
    /// MariaDB has neither `LATERAL` nor `LIMIT` in an `IN` subquery, and it does not use a row comparison such as
    /// `(updated_at, id) > (?, ?)` as a range: one statement over `conversation_id IN (…)` read every message of the
    /// user for each page (`Handler_read_next` 20,050 for a user with 20,000 messages in 50 conversations, whatever
    /// the cursor). Here it reads at most `limit` rows per conversation, and only those after the cursor.
    /// The statements share one snapshot (`REPEATABLE READ`, read only), so a message stored meanwhile is in all of
    /// them or in none.
    func mariaDBChanges(for user: UserID, after bound: ChangeCursor, limit: Int, on mariadb: MariaDBSessionProvider) async throws -> [Message] {
        let time = bound.updatedAt.milliseconds
        let count = Int64(limit)
        return try await mariadb.withReadOnlySnapshot { database in
            let conversations = try await database.raw(
                """
                SELECT id FROM conversations WHERE user_low = \(bind: user.rawValue)
                UNION ALL SELECT id FROM conversations WHERE user_high = \(bind: user.rawValue)
                """
            ).all(decodingColumn: "id", as: String.self)
            var feed: [Message] = []
            for start in stride(from: 0, to: conversations.count, by: Self.mariaDBConversationsPerRead) {
                let members = conversations[start..<min(start + Self.mariaDBConversationsPerRead, conversations.count)].map {
                    conversation -> SQLQueryString in
                    """
                    (SELECT \(unsafeRaw: Columns.message) FROM messages WHERE conversation_id = \(bind: conversation)
                        AND (updated_at > \(bind: time) OR (updated_at = \(bind: time) AND id > \(bind: bound.id)))
                        ORDER BY updated_at, id LIMIT \(bind: count))
                    """
                }
                let statement: SQLQueryString =
                    "SELECT * FROM (" + members.joined(separator: " UNION ALL ") + ") AS feed ORDER BY updated_at, id LIMIT \(bind: count)"
                let page = try await database.raw(statement).all().map(Message.init(row:))
                feed = Array((feed + page).sorted { $0.changeCursor < $1.changeCursor }.prefix(limit))
            }
            return feed
        }
    }
    #endif
}
