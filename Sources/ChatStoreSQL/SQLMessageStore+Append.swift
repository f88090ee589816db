import ChatCore
import SQLKit
import SQLiteKit
import Synchronization

extension SQLMessageStore {
    /// Rows per multi-row `INSERT`, well under both engines' bind-parameter limits.
    static let insertChunkSize = 200
    /// On SQLite, batches up to this many rows are one `INSERT` (14 parameters a row, under SQLite's 32,766).
    static let sqliteSingleStatementRows = 1000

    /// One transaction: a multi-row `INSERT ... ON CONFLICT DO NOTHING RETURNING id`, then the stored rows of the drafts
    /// that did not insert, then the `conversations` upsert. Duplicates within the batch resolve to their first draft
    /// before anything is written. A draft whose id is already stored also resolves to the stored row, so a replayed
    /// batch is harmless.
    public func append(_ drafts: [MessageDraft]) async throws -> [AppendOutcome] {
        guard !drafts.isEmpty else { return [] }
        let plan = AppendPlan(drafts)
        let leaders = plan.leaders.map { drafts[$0] }
        let (stored, inserted) =
            if provider.flavor == .sqlite, leaders.count <= Self.sqliteSingleStatementRows {
                try await appendInOneStatement(leaders)
            } else {
                try await appendInTransaction(leaders)
            }
        var outcomes: [AppendOutcome] = []
        outcomes.reserveCapacity(drafts.count)
        for (index, draft) in drafts.enumerated() {
            let leader = drafts[plan.leaderOf[index]]
            guard let message = stored[leader.id] else { throw ChatError(.internalError, "appended message \(leader.id) not found") }
            let created = index == plan.leaderOf[index] && inserted.contains(draft.id.rawValue)
            outcomes.append(AppendOutcome(message: message, created: created))
        }
        return outcomes
    }

    /// SQLite: one `INSERT … RETURNING` in autocommit, atomic with the trigger that updates `conversations` (migration
    /// 8); the stored rows of drafts that clashed are read afterwards (they were committed before this insert).
    private func appendInOneStatement(_ leaders: [MessageDraft]) async throws -> ([MessageID: Message], Set<String>) {
        guard let sqlite = provider as? SQLiteSessionProvider else {
            throw ChatError(.internalError, "the one-statement append is SQLite's")
        }
        return try await sqlite.withWriterConnection { connection -> ([MessageID: Message], Set<String>) in
            let inserted = Set(try await Self.sqliteInsert(leaders, on: connection))
            let clashed = leaders.filter { !inserted.contains($0.id.rawValue) }
            var result = clashed.isEmpty ? [:] : try await Self.existing(for: clashed, on: connection.sql(queryLogLevel: .trace))
            for draft in leaders where inserted.contains(draft.id.rawValue) { result[draft.id] = draft }
            return (result, inserted)
        }
    }

    /// SQLite's insert of a batch, bound as `SQLiteData` straight to the statement: the statement of `insert(_:on:)`
    /// without SQLKit's serializer and its `Encodable` binds (docs/performance.md, sixth round).
    private static func sqliteInsert(_ drafts: [MessageDraft], on connection: SQLiteConnection) async throws -> [String] {
        var binds: [SQLiteData] = []
        binds.reserveCapacity(drafts.count * 14)
        func time(_ timestamp: Timestamp?) -> SQLiteData { timestamp.map { .integer(Int($0.milliseconds)) } ?? .null }
        for draft in drafts {
            binds.append(.text(draft.id.rawValue))
            binds.append(.text(draft.conversationID.rawValue))
            binds.append(.text(draft.senderID.rawValue))
            binds.append(.text(draft.recipientID.rawValue))
            binds.append(.text(draft.kind.rawValue))
            binds.append(.text(draft.body))
            binds.append(draft.clientMessageID.map { .text($0) } ?? .null)
            binds.append(time(draft.createdAt))
            binds.append(time(draft.editedAt))
            binds.append(time(draft.deletedAt))
            binds.append(time(draft.deliveredAt))
            binds.append(time(draft.readAt))
            binds.append(time(draft.updatedAt))
            binds.append(try Message.encodeAttachment(draft.file).map { .text($0) } ?? .null)
        }
        let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        var sql = "INSERT INTO messages (\(Columns.message)) VALUES "
        sql.reserveCapacity(sql.utf8.count + drafts.count * (row.utf8.count + 2) + 40)
        for index in drafts.indices {
            if index > 0 { sql += ", " }
            sql += row
        }
        sql += " ON CONFLICT DO NOTHING RETURNING id"
        let ids = InsertedIDs()
        try await connection.query(sql, binds) { row in
            if case .text(let id) = row.column("id") { ids.append(id) }
        }
        return ids.values
    }

    /// One transaction: the inserts in chunks, the stored rows of the drafts that clashed, the `conversations` upsert.
    private func appendInTransaction(_ leaders: [MessageDraft]) async throws -> ([MessageID: Message], Set<String>) {
        try await provider.withTransaction { database -> ([MessageID: Message], Set<String>) in
            var inserted = Set<String>()
            var start = 0
            while start < leaders.count {
                let chunk = leaders[start..<min(start + Self.insertChunkSize, leaders.count)]
                inserted.formUnion(try await Self.insert(chunk, flavor: self.provider.flavor, on: database))
                start += Self.insertChunkSize
            }
            let existing = try await Self.existing(for: leaders.filter { !inserted.contains($0.id.rawValue) }, on: database)
            let created = leaders.filter { inserted.contains($0.id.rawValue) }
            // SQLite's trigger (migration 8) already did this for every inserted row; doing it again changes nothing.
            if self.provider.flavor != .sqlite {
                try await Self.upsertConversations(for: created, flavor: self.provider.flavor, on: database)
            }
            var result: [MessageID: Message] = [:]
            for draft in created { result[draft.id] = draft }
            for (id, message) in existing { result[id] = message }
            return (result, inserted)
        }
    }

    /// Inserts the drafts, skipping any that clash with a stored row; returns the ids inserted.
    private static func insert(_ drafts: ArraySlice<MessageDraft>, flavor: SQLFlavor, on database: any SQLDatabase) async throws -> [String] {
        let rows: [SQLQueryString] = try drafts.map { draft in
            """
            (\(bind: draft.id.rawValue), \(bind: draft.conversationID.rawValue), \(bind: draft.senderID.rawValue),
            \(bind: draft.recipientID.rawValue), \(bind: draft.kind.rawValue), \(bind: draft.body), \(bind: draft.clientMessageID),
            \(bind: draft.createdAt.milliseconds), \(bind: draft.editedAt?.milliseconds), \(bind: draft.deletedAt?.milliseconds),
            \(bind: draft.deliveredAt?.milliseconds), \(bind: draft.readAt?.milliseconds), \(bind: draft.updatedAt.milliseconds),
            \(bind: try Message.encodeAttachment(draft.file)))
            """
        }
        let statement: SQLQueryString =
            "\(flavor.insertSkippingConflicts) messages (\(unsafeRaw: Columns.message)) VALUES " + rows.joined(separator: ", ")
            + " \(flavor.skipConflicts) RETURNING id"
        return try await database.raw(statement).all().map { try $0.required("id", as: String.self) }
    }

    /// The stored rows the drafts clashed with, by draft id: the row with the same `(sender, clientMessageID)`, or else
    /// the row with the same id.
    private static func existing(for drafts: [MessageDraft], on database: any SQLDatabase) async throws -> [MessageID: Message] {
        guard !drafts.isEmpty else { return [:] }
        var predicates: [SQLQueryString] = ["id IN (\(binds: drafts.map(\.id.rawValue)))"]
        for draft in drafts {
            if let key = draft.clientMessageID {
                predicates.append("(sender_id = \(bind: draft.senderID.rawValue) AND client_message_id = \(bind: key))")
            }
        }
        let statement: SQLQueryString = "SELECT \(unsafeRaw: Columns.message) FROM messages WHERE " + predicates.joined(separator: " OR ")
        let rows = try await database.raw(statement).all().map(Message.init(row:))
        var byID: [MessageID: Message] = [:]
        var byKey: [String: Message] = [:]
        for row in rows {
            byID[row.id] = row
            if let key = row.clientMessageID { byKey["\(row.senderID.rawValue)\u{0}\(key)"] = row }
        }
        var result: [MessageID: Message] = [:]
        for draft in drafts {
            let match = draft.clientMessageID.flatMap { byKey["\(draft.senderID.rawValue)\u{0}\($0)"] } ?? byID[draft.id]
            guard let match else { throw ChatError(.internalError, "message \(draft.id) neither inserted nor found") }
            result[draft.id] = match
        }
        return result
    }

    /// Points each conversation at its newest message by `(created_at, id)`, never moving it backwards.
    private static func upsertConversations(for messages: [Message], flavor: SQLFlavor, on database: any SQLDatabase) async throws {
        var latest: [ConversationID: Message] = [:]
        for message in messages where latest[message.conversationID].map({ $0.cursor < message.cursor }) ?? true {
            latest[message.conversationID] = message
        }
        guard !latest.isEmpty else { return }
        // Sorted, so concurrent batches lock conversation rows in the same order.
        let rows: [SQLQueryString] = latest.values.sorted { $0.conversationID.rawValue < $1.conversationID.rawValue }.map { message in
            let (low, high) =
                message.senderID < message.recipientID ? (message.senderID, message.recipientID) : (message.recipientID, message.senderID)
            return """
                (\(bind: message.conversationID.rawValue), \(bind: low.rawValue), \(bind: high.rawValue), \(bind: message.id.rawValue),
                \(bind: message.createdAt.milliseconds))
                """
        }
        let statement: SQLQueryString =
            "INSERT INTO conversations (id, user_low, user_high, last_message_id, last_message_at) VALUES "
            + rows.joined(separator: ", ") + " "
            + flavor.advanceOnConflict(table: "conversations", key: "id", at: "last_message_at", id: "last_message_id")
        try await database.raw(statement).run()
    }
}

/// The ids a `RETURNING id` handed back, collected from SQLite's thread.
private final class InsertedIDs: Sendable {
    private let ids = Mutex<[String]>([])

    func append(_ id: String) { ids.withLock { $0.append(id) } }
    var values: [String] { ids.withLock { $0 } }
}

/// Which draft of a batch each draft resolves to: the first with the same `(sender, clientMessageID)` or the same id.
struct AppendPlan {
    /// For each draft, the index of the draft it resolves to (itself when it leads).
    var leaderOf: [Int] = []
    /// The indices of the drafts that lead, in order.
    var leaders: [Int] = []

    init(_ drafts: [MessageDraft]) {
        var byKey: [String: Int] = [:]
        var byID: [MessageID: Int] = [:]
        for (index, draft) in drafts.enumerated() {
            let key = draft.clientMessageID.map { "\(draft.senderID.rawValue)\u{0}\($0)" }
            if let leader = key.flatMap({ byKey[$0] }) ?? byID[draft.id] {
                leaderOf.append(leader)
                continue
            }
            leaderOf.append(index)
            leaders.append(index)
            if let key { byKey[key] = index }
            byID[draft.id] = index
        }
    }
}
