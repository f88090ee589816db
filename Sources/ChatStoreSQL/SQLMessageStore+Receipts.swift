import ChatCore
import SQLKit

/// Read and delivered marks and unread counts, bounded by `receipt_markers` (migration 9): a mark updates only the
/// messages between the recipient's marker and the mark's cursor, and an unread count reads only the messages after the
/// read marker, so neither grows with a conversation's history.
extension SQLMessageStore {
    /// How far behind the time of a mark its marker stays: the sync settling window. A message may be stored up to this
    /// long after its `created_at` (a slow commit, another node's clock), so only what is older is settled for good.
    static let markerLagMilliseconds: Int64 = 5_000

    public func markRead(in conversation: ConversationID, reader: UserID, upTo: MessageCursor, at time: Timestamp) async throws -> Int {
        try await apply([ReceiptMark(.read, in: conversation, recipient: reader, upTo: upTo, at: time)])[0]
    }

    public func markDelivered(
        in conversation: ConversationID,
        recipient: UserID,
        upTo: MessageCursor,
        at time: Timestamp
    ) async throws -> Int {
        try await apply([ReceiptMark(.delivered, in: conversation, recipient: recipient, upTo: upTo, at: time)])[0]
    }

    /// Every mark in one transaction (one commit, one flush), in order.
    public func apply(_ marks: [ReceiptMark]) async throws -> [Int] {
        guard !marks.isEmpty else { return [] }
        let flavor = provider.flavor
        return try await provider.withTransaction { database in
            var changed: [Int] = []
            changed.reserveCapacity(marks.count)
            for mark in marks { changed.append(try await Self.apply(mark, flavor: flavor, on: database)) }
            return changed
        }
    }

    public func unreadCounts(for user: UserID) async throws -> [UserID: Int] {
        try await provider.withReader { database in
            try await Self.unreadCounts(for: user, in: nil, on: database)
        }
    }

    /// Sets the mark on the recipient's messages in the conversation after its marker and at or before `upTo` whose
    /// mark is still missing, skipping deleted ones; then moves the marker up to `upTo`, or to the settled past if `upTo`
    /// is newer. Returns how many messages changed.
    private static func apply(_ mark: ReceiptMark, flavor: SQLFlavor, on database: any SQLDatabase) async throws -> Int {
        let receipt = mark.kind
        let time = mark.time
        let assignments: SQLQueryString =
            switch receipt {
            case .read:
                "read_at = \(bind: time.milliseconds), delivered_at = COALESCE(delivered_at, \(bind: time.milliseconds)), \(Self.touch(time))"
            case .delivered:
                "delivered_at = \(bind: time.milliseconds), \(Self.touch(time))"
            }
        let (conversation, recipient, upTo) = (mark.conversation, mark.recipient, mark.upTo)
        let createdColumn = receipt.rawValue + "_created_at"
        let idColumn = receipt.rawValue + "_id"
        let settled = MessageCursor(createdAt: time.adding(milliseconds: -Self.markerLagMilliseconds), id: MessageID(""))
        let marker = min(upTo, settled)
        let row = try await database.raw(
            """
            SELECT \(ident: createdColumn) AS created_at, \(ident: idColumn) AS id FROM receipt_markers
            WHERE conversation_id = \(bind: conversation.rawValue) AND user_id = \(bind: recipient.rawValue)
            """
        ).first()
        let current = try row.flatMap { row -> MessageCursor? in
            guard let createdAt = try row.optionalTimestamp("created_at") else { return nil }
            return MessageCursor(createdAt: createdAt, id: MessageID(try row.optional("id", as: String.self) ?? ""))
        }
        let lower = current ?? MessageCursor(createdAt: Timestamp(milliseconds: Int64.min), id: MessageID(""))
        guard lower < upTo else { return 0 }
        let changed = try await flavor.matchedRows(
            of: "UPDATE messages SET " + assignments
                + """
                 WHERE conversation_id = \(bind: conversation.rawValue) AND receiver_id = \(bind: recipient.rawValue)
                    AND \(ident: receipt.rawValue + "_at") IS NULL AND deleted_at IS NULL
                    AND (created_at, id) > (\(bind: lower.createdAt.milliseconds), \(bind: lower.id.rawValue))
                    AND (created_at, id) <= (\(bind: upTo.createdAt.milliseconds), \(bind: upTo.id.rawValue))
                """,
            key: "id",
            on: database
        )
        if lower < marker {
            // Never backwards, even when two marks of the same recipient commit out of order.
            try await database.raw(
                """
                INSERT INTO receipt_markers (conversation_id, user_id, \(ident: createdColumn), \(ident: idColumn))
                VALUES (\(bind: conversation.rawValue), \(bind: recipient.rawValue), \(bind: marker.createdAt.milliseconds), \(bind: marker.id.rawValue))
                """
                    + flavor.advanceOnConflict(table: "receipt_markers", key: "conversation_id, user_id", at: createdColumn, id: idColumn)
            ).run()
        }
        return changed
    }

    /// Unread, undeleted messages to `user` by sender, in all of the user's conversations or only in `conversations`:
    /// for each conversation, the messages after the user's read marker.
    static func unreadCounts(for user: UserID, in conversations: [ConversationID]?, on database: any SQLDatabase) async throws -> [UserID: Int] {
        let scope: SQLQueryString
        if let conversations {
            guard !conversations.isEmpty else { return [:] }
            scope = "SELECT id FROM conversations WHERE id IN (\(binds: conversations.map(\.rawValue)))"
        } else {
            // One index range per side: an OR over both columns could not use either index.
            scope = """
                SELECT id FROM conversations WHERE user_low = \(bind: user.rawValue)
                UNION ALL SELECT id FROM conversations WHERE user_high = \(bind: user.rawValue)
                """
        }
        let sql: SQLQueryString =
            "SELECT m.sender_id AS sender_id, COUNT(*) AS unread FROM (" + scope + ") AS c "
                + """
                LEFT JOIN receipt_markers r ON r.conversation_id = c.id AND r.user_id = \(bind: user.rawValue)
                JOIN messages m ON m.conversation_id = c.id
                    AND (m.created_at, m.id) > (COALESCE(r.read_created_at, \(bind: Int64.min)), COALESCE(r.read_id, ''))
                WHERE m.receiver_id = \(bind: user.rawValue) AND m.read_at IS NULL AND m.deleted_at IS NULL
                GROUP BY m.sender_id
                """
        var counts: [UserID: Int] = [:]
        for row in try await database.raw(sql).all() {
            counts[UserID(try row.required("sender_id"))] = try row.int("unread")
        }
        return counts
    }
}
