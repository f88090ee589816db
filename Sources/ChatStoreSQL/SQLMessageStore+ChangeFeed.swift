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
extension SQLMessageStore {
    /// Conversations read by one statement: one subquery each, far under SQLite's 500 terms of a compound `SELECT`.
    static let changeFeedConversationsPerStatement = 100

    public func changes(for user: UserID, after cursor: ChangeCursor?, limit: Int) async throws -> [Message] {
        guard limit > 0 else { return [] }
        let bound = cursor ?? ChangeCursor(updatedAt: Timestamp(milliseconds: Int64.min), id: "")
        return try await provider.withReader { database in
            let conversations = try await Self.conversationActivity(of: user, on: database)
            guard !conversations.isEmpty else { return [] }
            let changed = try await Self.feed(of: conversations.map(\.id), limit: limit, on: database) { conversation in
                """
                SELECT \(unsafeRaw: Columns.message) FROM messages WHERE conversation_id = \(bind: conversation.rawValue)
                    AND updated_at <> created_at
                    AND (updated_at, id) > (\(bind: bound.updatedAt.milliseconds), \(bind: bound.id))
                    ORDER BY updated_at, id LIMIT \(bind: Int64(limit))
                """
            }
            let horizon = changed.count == limit ? changed.last?.changeCursor : nil
            let active = conversations.filter { $0.lastMessageAt >= bound.updatedAt }.map(\.id)
            let unchanged = try await Self.feed(of: active, limit: limit, on: database) { conversation in
                var sql: SQLQueryString = """
                    SELECT \(unsafeRaw: Columns.message) FROM messages WHERE conversation_id = \(bind: conversation.rawValue)
                        AND (created_at, id) > (\(bind: bound.updatedAt.milliseconds), \(bind: bound.id))
                    """
                if let horizon {
                    sql += " AND (created_at, id) <= (\(bind: horizon.updatedAt.milliseconds), \(bind: horizon.id))"
                }
                sql += " AND updated_at = created_at ORDER BY created_at, id LIMIT \(bind: Int64(limit))"
                return sql
            }
            return Self.firstChanges(changed + unchanged, limit: limit)
        }
    }

    /// The user's conversations with the time of their newest message.
    static func conversationActivity(
        of user: UserID,
        on database: any SQLDatabase
    ) async throws -> [(id: ConversationID, lastMessageAt: Timestamp)] {
        // One index range per side: an OR over both columns could not use either index.
        let rows = try await database.raw(
            """
            SELECT id, last_message_at FROM conversations WHERE user_low = \(bind: user.rawValue)
            UNION ALL SELECT id, last_message_at FROM conversations WHERE user_high = \(bind: user.rawValue)
            """
        ).all()
        var seen = Set<ConversationID>()
        var activity: [(id: ConversationID, lastMessageAt: Timestamp)] = []
        activity.reserveCapacity(rows.count)
        for row in rows {
            let id = ConversationID(rawValue: try row.required("id", as: String.self))
            // A conversation with oneself would be listed by both sides.
            if seen.insert(id).inserted { activity.append((id, try row.timestamp("last_message_at"))) }
        }
        return activity
    }

    /// The first `limit` rows, in `(updated_at, id)` order, of `select` over every conversation: one `UNION ALL` of the
    /// per-conversation selects per statement, each statement's page merged with the others'.
    static func feed(
        of conversations: [ConversationID],
        limit: Int,
        on database: any SQLDatabase,
        _ select: (ConversationID) -> SQLQueryString
    ) async throws -> [Message] {
        var messages: [Message] = []
        let step = changeFeedConversationsPerStatement
        for start in stride(from: 0, to: conversations.count, by: step) {
            let chunk = conversations[start..<min(start + step, conversations.count)]
            let members = chunk.enumerated().map { index, conversation -> SQLQueryString in
                "SELECT * FROM (" + select(conversation) + ") AS \(ident: "c\(index)")"
            }
            let statement: SQLQueryString =
                "SELECT * FROM (" + members.joined(separator: " UNION ALL ")
                + ") AS feed ORDER BY updated_at, id LIMIT \(bind: Int64(limit))"
            messages += try await database.raw(statement).all().map(Message.init(row:))
        }
        return conversations.count > step ? firstChanges(messages, limit: limit) : messages
    }

    /// The first `limit` messages in change order.
    static func firstChanges(_ messages: [Message], limit: Int) -> [Message] {
        Array(messages.sorted { $0.changeCursor < $1.changeCursor }.prefix(limit))
    }
}
