import ChatCore
import SQLKit

/// `MessageStore` on SQL: `messages` (unique `(sender_id, client_message_id)`, keyset index
/// `(conversation_id, created_at, id)`) and `conversations` (each pair's latest message, kept on append).
public struct SQLMessageStore: MessageStore {
    let provider: any SQLSessionProvider

    init(provider: any SQLSessionProvider) {
        self.provider = provider
    }

    public func message(id: MessageID) async throws -> Message? {
        try await provider.withReader { database in
            try await database.raw("SELECT \(unsafeRaw: Columns.message) FROM messages WHERE id = \(bind: id.rawValue)").first()
                .map(Message.init(row:))
        }
    }

    public func page(of conversation: ConversationID, _ request: MessagePageRequest) async throws -> MessagePage {
        let limit = max(request.limit, 0)
        var sql: SQLQueryString = "SELECT \(unsafeRaw: Columns.message) FROM messages WHERE conversation_id = \(bind: conversation.rawValue)"
        var ascending = false
        switch request.anchor {
        case .latest:
            break
        case .before(let cursor):
            sql += " AND (created_at, id) < (\(bind: cursor.createdAt.milliseconds), \(bind: cursor.id.rawValue))"
        case .after(let cursor):
            sql += " AND (created_at, id) > (\(bind: cursor.createdAt.milliseconds), \(bind: cursor.id.rawValue))"
            ascending = true
        }
        let direction = ascending ? "ASC" : "DESC"
        sql += " ORDER BY created_at \(unsafeRaw: direction), id \(unsafeRaw: direction) LIMIT \(bind: Int64(limit + 1))"
        let statement = sql
        var messages = try await provider.withReader { database in try await database.raw(statement).all().map(Message.init(row:)) }
        let hasMore = messages.count > limit
        messages = Array(messages.prefix(limit))
        if ascending { messages.reverse() }
        return MessagePage(messages: messages, hasMore: hasMore)
    }

    public func edit(id: MessageID, body: String, at time: Timestamp) async throws -> Message? {
        try await provider.withSession { database in
            try await database.raw(
                """
                UPDATE messages SET body = \(bind: body), edited_at = \(bind: time.milliseconds), \(Self.touch(time))
                WHERE id = \(bind: id.rawValue) AND deleted_at IS NULL RETURNING \(unsafeRaw: Columns.message)
                """
            ).first().map(Message.init(row:))
        }
    }

    public func delete(id: MessageID, at time: Timestamp) async throws -> Message? {
        try await provider.withTransaction { database in
            let deleted = try await database.raw(
                """
                UPDATE messages SET body = '', attachment = NULL, deleted_at = \(bind: time.milliseconds), \(Self.touch(time))
                WHERE id = \(bind: id.rawValue) AND deleted_at IS NULL RETURNING \(unsafeRaw: Columns.message)
                """
            ).first()
            if let deleted { return try Message(row: deleted) }
            return try await database.raw("SELECT \(unsafeRaw: Columns.message) FROM messages WHERE id = \(bind: id.rawValue)").first()
                .map(Message.init(row:))
        }
    }

    public func markRead(in conversation: ConversationID, reader: UserID, upTo: MessageCursor, at time: Timestamp) async throws -> Int {
        try await mark(
            "read_at = \(bind: time.milliseconds), delivered_at = COALESCE(delivered_at, \(bind: time.milliseconds)), \(Self.touch(time))",
            unset: "read_at",
            in: conversation,
            recipient: reader,
            upTo: upTo
        )
    }

    public func markDelivered(
        in conversation: ConversationID,
        recipient: UserID,
        upTo: MessageCursor,
        at time: Timestamp
    ) async throws -> Int {
        try await mark(
            "delivered_at = \(bind: time.milliseconds), \(Self.touch(time))",
            unset: "delivered_at",
            in: conversation,
            recipient: recipient,
            upTo: upTo
        )
    }

    public func unreadCounts(for user: UserID) async throws -> [UserID: Int] {
        try await provider.withReader { database in
            try await Self.unreadCounts(for: user, from: nil, on: database)
        }
    }

    /// Sets `assignments` on the recipient's messages in the conversation at or before `upTo` whose `unset` column is
    /// still null, skipping deleted ones; returns how many changed.
    private func mark(
        _ assignments: SQLQueryString,
        unset column: String,
        in conversation: ConversationID,
        recipient: UserID,
        upTo: MessageCursor
    ) async throws -> Int {
        let filter: SQLQueryString = """
             WHERE conversation_id = \(bind: conversation.rawValue) AND receiver_id = \(bind: recipient.rawValue)
                AND \(ident: column) IS NULL AND deleted_at IS NULL
                AND (created_at, id) <= (\(bind: upTo.createdAt.milliseconds), \(bind: upTo.id.rawValue))
            RETURNING id
            """
        let statement = "UPDATE messages SET " + assignments + " " + filter
        return try await provider.withSession { database in try await database.raw(statement).all().count }
    }

    /// `updated_at` moved forward to `time`, never back.
    static func touch(_ time: Timestamp) -> SQLQueryString {
        "updated_at = CASE WHEN updated_at > \(bind: time.milliseconds) THEN updated_at ELSE \(bind: time.milliseconds) END"
    }

    public func changes(for user: UserID, after cursor: ChangeCursor?, limit: Int) async throws -> [Message] {
        let limit = Int64(max(limit, 0))
        let bound = cursor ?? ChangeCursor(updatedAt: Timestamp(milliseconds: Int64.min), id: "")
        // One index range per direction (sender, receiver), merged: an OR over both columns could not use either index.
        func side(_ column: String) -> SQLQueryString {
            """
            SELECT * FROM (SELECT \(unsafeRaw: Columns.message) FROM messages WHERE \(ident: column) = \(bind: user.rawValue)
                AND (updated_at, id) > (\(bind: bound.updatedAt.milliseconds), \(bind: bound.id))
                ORDER BY updated_at, id LIMIT \(bind: limit)) AS \(ident: column + "_side")
            """
        }
        let statement: SQLQueryString =
            "SELECT * FROM (" + side("sender_id") + " UNION ALL " + side("receiver_id") + ") AS feed ORDER BY updated_at, id LIMIT \(bind: limit)"
        return try await provider.withReader { database in try await database.raw(statement).all().map(Message.init(row:)) }
    }

    /// Unread, undeleted messages to `user` by sender, optionally only from `senders`.
    static func unreadCounts(for user: UserID, from senders: [UserID]?, on database: any SQLDatabase) async throws -> [UserID: Int] {
        var sql: SQLQueryString = """
            SELECT sender_id, COUNT(*) AS unread FROM messages
            WHERE receiver_id = \(bind: user.rawValue) AND read_at IS NULL AND deleted_at IS NULL
            """
        if let senders {
            guard !senders.isEmpty else { return [:] }
            sql += " AND sender_id IN (\(binds: senders.map(\.rawValue)))"
        }
        sql += " GROUP BY sender_id"
        var counts: [UserID: Int] = [:]
        for row in try await database.raw(sql).all() {
            counts[UserID(try row.required("sender_id"))] = try row.int("unread")
        }
        return counts
    }
}
