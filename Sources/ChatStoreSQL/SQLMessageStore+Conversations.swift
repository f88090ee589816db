import ChatCore
import SQLKit

extension SQLMessageStore {
    public func conversations(of user: UserID, after cursor: ConversationCursor?, limit: Int) async throws -> [ConversationSummary] {
        var sql: SQLQueryString = """
            SELECT \(unsafeRaw: Columns.qualified(Columns.message, by: "m"))
            FROM conversations c JOIN messages m ON m.id = c.last_message_id
            WHERE (c.user_low = \(bind: user.rawValue) OR c.user_high = \(bind: user.rawValue))
            """
        if let cursor {
            sql += " AND (c.last_message_at, c.id) < (\(bind: cursor.lastMessageAt.milliseconds), \(bind: cursor.conversationID.rawValue))"
        }
        sql += " ORDER BY c.last_message_at DESC, c.id DESC LIMIT \(bind: Int64(max(limit, 0)))"
        let statement = sql
        return try await provider.withReader { database in
            let lastMessages = try await database.raw(statement).all().map(Message.init(row:))
            let peers = lastMessages.map { $0.senderID == user ? $0.recipientID : $0.senderID }
            let unread = try await Self.unreadCounts(for: user, in: lastMessages.map(\.conversationID), on: database)
            return zip(lastMessages, peers).map { message, peer in
                ConversationSummary(id: message.conversationID, peerID: peer, lastMessage: message, unreadCount: unread[peer] ?? 0)
            }
        }
    }
}
