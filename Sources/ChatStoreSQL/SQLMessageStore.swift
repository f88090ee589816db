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
        let flavor = provider.flavor
        return try await provider.withTransaction { database in
            try await flavor.updateReturningRow(
                """
                UPDATE messages SET body = \(bind: body), edited_at = \(bind: time.milliseconds), \(Self.touch(time))
                WHERE id = \(bind: id.rawValue) AND deleted_at IS NULL
                """,
                columns: Columns.message,
                select: Self.select(id),
                on: database
            ).map(Message.init(row:))
        }
    }

    public func delete(id: MessageID, at time: Timestamp) async throws -> Message? {
        let flavor = provider.flavor
        return try await provider.withTransaction { database in
            let deleted = try await flavor.updateReturningRow(
                """
                UPDATE messages SET body = '', attachment = NULL, deleted_at = \(bind: time.milliseconds), \(Self.touch(time))
                WHERE id = \(bind: id.rawValue) AND deleted_at IS NULL
                """,
                columns: Columns.message,
                select: Self.select(id),
                on: database
            )
            if let deleted { return try Message(row: deleted) }
            return try await database.raw(Self.select(id)).first().map(Message.init(row:))
        }
    }

    public func messages(sentWith keys: [ClientMessageKey]) async throws -> [Message] {
        let keys = Array(Set(keys))
        guard !keys.isEmpty else { return [] }
        let pairs: [SQLQueryString] = keys.map { "(\(bind: $0.sender.rawValue), \(bind: $0.clientMessageID))" }
        let statement: SQLQueryString =
            "SELECT \(unsafeRaw: Columns.message) FROM messages WHERE (sender_id, client_message_id) IN (" + pairs.joined(separator: ", ") + ")"
        return try await provider.withReader { database in try await database.raw(statement).all().map(Message.init(row:)) }
    }

    public func messages(ids: [MessageID]) async throws -> [Message] {
        let ids = Array(Set(ids))
        guard !ids.isEmpty else { return [] }
        return try await provider.withReader { database in
            var messages: [Message] = []
            messages.reserveCapacity(ids.count)
            // At most 500 binds a statement, far under every engine's limit.
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = ids[start..<min(start + 500, ids.count)].map(\.rawValue)
                let statement: SQLQueryString = "SELECT \(unsafeRaw: Columns.message) FROM messages WHERE id IN (\(binds: chunk))"
                messages += try await database.raw(statement).all().map(Message.init(row:))
            }
            return messages
        }
    }

    /// The message with `id`, deleted or not.
    static func select(_ id: MessageID) -> SQLQueryString {
        "SELECT \(unsafeRaw: Columns.message) FROM messages WHERE id = \(bind: id.rawValue)"
    }

    /// `updated_at` moved forward to `time`, never back.
    static func touch(_ time: Timestamp) -> SQLQueryString {
        "updated_at = CASE WHEN updated_at > \(bind: time.milliseconds) THEN updated_at ELSE \(bind: time.milliseconds) END"
    }
}
