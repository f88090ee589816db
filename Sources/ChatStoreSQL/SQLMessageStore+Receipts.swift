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

    /// Every mark in one transaction (one commit, one flush), with the same result as applying them in order: one
    /// statement reads the markers, one `UPDATE` per kind of mark sets the marks (see ``ReceiptBatchPlan``), one upsert
    /// per kind moves the markers.
    public func apply(_ marks: [ReceiptMark]) async throws -> [Int] {
        guard !marks.isEmpty else { return [] }
        let flavor = provider.flavor
        return try await provider.withTransaction { database in
            try await Self.apply(marks, flavor: flavor, on: database)
        }
    }

    public func unreadCounts(for user: UserID) async throws -> [UserID: Int] {
        try await provider.withReader { database in
            try await Self.unreadCounts(for: user, in: nil, on: database)
        }
    }

    private static func apply(_ marks: [ReceiptMark], flavor: SQLFlavor, on database: any SQLDatabase) async throws -> [Int] {
        let markers = try await Self.markers(in: Set(marks.map(\.conversation)), on: database)
        let plan = ReceiptBatchPlan(marks, markers: markers, lagMilliseconds: Self.markerLagMilliseconds)
        var counts = [Int](repeating: 0, count: marks.count)
        for phase in plan.phases {
            for kind in [ReceiptMark.Kind.delivered, .read] {
                let ranges = phase.ranges(kind)
                guard !ranges.isEmpty else { continue }
                let rows = try await Self.mark(kind, ranges, flavor: flavor, on: database)
                ReceiptBatchPlan.attribute(rows, to: ranges, counts: &counts)
            }
        }
        for kind in [ReceiptMark.Kind.delivered, .read] {
            guard let moves = plan.markerMoves[kind], !moves.isEmpty else { continue }
            try await Self.moveMarkers(kind, moves, flavor: flavor, on: database)
        }
        return counts
    }

    /// The stored markers of every recipient in the conversations.
    private static func markers(
        in conversations: Set<ConversationID>,
        on database: any SQLDatabase
    ) async throws -> [ReceiptBatchPlan.Key: ReceiptBatchPlan.Markers] {
        func cursor(_ row: any SQLRow, _ kind: ReceiptMark.Kind) throws -> MessageCursor? {
            guard let createdAt = try row.optionalTimestamp(kind.rawValue + "_created_at") else { return nil }
            return MessageCursor(createdAt: createdAt, id: MessageID(try row.optional(kind.rawValue + "_id", as: String.self) ?? ""))
        }
        let rows = try await database.raw(
            """
            SELECT conversation_id, user_id, read_created_at, read_id, delivered_created_at, delivered_id FROM receipt_markers
            WHERE conversation_id IN (\(binds: conversations.map(\.rawValue)))
            """
        ).all()
        var markers: [ReceiptBatchPlan.Key: ReceiptBatchPlan.Markers] = [:]
        for row in rows {
            let key = ReceiptBatchPlan.Key(
                conversation: ConversationID(rawValue: try row.required("conversation_id")),
                recipient: UserID(try row.required("user_id"))
            )
            markers[key] = ReceiptBatchPlan.Markers(read: try cursor(row, .read), delivered: try cursor(row, .delivered))
        }
        return markers
    }

    /// Sets the mark on the recipients' messages in the ranges whose mark is still missing, skipping deleted ones, in
    /// one statement; returns the changed rows.
    private static func mark(
        _ kind: ReceiptMark.Kind,
        _ ranges: [ReceiptBatchPlan.Range],
        flavor: SQLFlavor,
        on database: any SQLDatabase
    ) async throws -> [(key: ReceiptBatchPlan.Key, cursor: MessageCursor)] {
        // Each row takes the time of its range's mark: the first range of its recipient and conversation that reaches
        // it (a key's ranges are in ascending order).
        let time: SQLQueryString
        if ranges.allSatisfy({ $0.time == ranges[0].time }) {
            time = "\(bind: ranges[0].time.milliseconds)"
        } else {
            let cases = ranges.map { range -> SQLQueryString in
                """
                WHEN conversation_id = \(bind: range.key.conversation.rawValue) AND receiver_id = \(bind: range.key.recipient.rawValue)
                    AND (created_at, id) <= (\(bind: range.upper.createdAt.milliseconds), \(bind: range.upper.id.rawValue))
                    THEN \(bind: range.time.milliseconds)
                """
            }
            time = "CASE " + cases.joined(separator: " ") + " END"
        }
        let assignments: SQLQueryString =
            switch kind {
            case .read: "read_at = " + time + ", delivered_at = COALESCE(delivered_at, " + time + "), "
            case .delivered: "delivered_at = " + time + ", "
            }
        let inRanges = ranges.map { range -> SQLQueryString in
            """
            (conversation_id = \(bind: range.key.conversation.rawValue) AND \(flavor.rowFilter("receiver_id", equals: range.key.recipient.rawValue))
                AND (created_at, id) > (\(bind: range.lower.createdAt.milliseconds), \(bind: range.lower.id.rawValue))
                AND (created_at, id) <= (\(bind: range.upper.createdAt.milliseconds), \(bind: range.upper.id.rawValue)))
            """
        }
        let rows = try await flavor.updateReturningRows(
            table: "messages",
            set: assignments + "updated_at = " + flavor.greatest("updated_at", time),
            where: "\(ident: kind.rawValue + "_at") IS NULL AND deleted_at IS NULL AND (" + inRanges.joined(separator: " OR ") + ")",
            key: "id",
            columns: "conversation_id, receiver_id, created_at, id",
            on: database
        )
        return try rows.map { row in
            (
                key: ReceiptBatchPlan.Key(
                    conversation: ConversationID(rawValue: try row.required("conversation_id")),
                    recipient: UserID(try row.required("receiver_id"))
                ),
                cursor: MessageCursor(createdAt: try row.timestamp("created_at"), id: MessageID(try row.required("id")))
            )
        }
    }

    /// Moves each marker forward to its new place, never backwards even when two batches commit out of order.
    private static func moveMarkers(
        _ kind: ReceiptMark.Kind,
        _ moves: [ReceiptBatchPlan.Key: MessageCursor],
        flavor: SQLFlavor,
        on database: any SQLDatabase
    ) async throws {
        let createdColumn = kind.rawValue + "_created_at"
        let idColumn = kind.rawValue + "_id"
        // In key order, so that two batches lock the rows in the same order.
        let rows = moves.sorted {
            ($0.key.conversation.rawValue, $0.key.recipient.rawValue) < ($1.key.conversation.rawValue, $1.key.recipient.rawValue)
        }
        .map { key, marker -> SQLQueryString in
            """
            (\(bind: key.conversation.rawValue), \(bind: key.recipient.rawValue), \(bind: marker.createdAt.milliseconds), \(bind: marker.id.rawValue))
            """
        }
        try await database.raw(
            "INSERT INTO receipt_markers (conversation_id, user_id, \(ident: createdColumn), \(ident: idColumn)) VALUES "
                + rows.joined(separator: ", ") + " "
                + flavor.advanceOnConflict(table: "receipt_markers", key: "conversation_id, user_id", at: createdColumn, id: idColumn)
        ).run()
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
