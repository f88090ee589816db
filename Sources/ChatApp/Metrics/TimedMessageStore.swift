import ChatCore

/// A `MessageStore` that times every call of the store it wraps (`StoreMetrics`) and changes nothing else.
struct TimedMessageStore: MessageStore {
    let base: any MessageStore
    let metrics: StoreMetrics

    func append(_ drafts: [MessageDraft]) async throws -> [AppendOutcome] {
        metrics.appendBatchSize.record(Double(drafts.count))
        return try await metrics.append.time { try await base.append(drafts) }
    }

    func message(id: MessageID) async throws -> Message? {
        try await metrics.message.time { try await base.message(id: id) }
    }

    func messages(sentWith keys: [ClientMessageKey]) async throws -> [Message] {
        try await metrics.messagesSentWith.time { try await base.messages(sentWith: keys) }
    }

    func messages(ids: [MessageID]) async throws -> [Message] {
        try await metrics.messagesByID.time { try await base.messages(ids: ids) }
    }

    func page(of conversation: ConversationID, _ request: MessagePageRequest) async throws -> MessagePage {
        try await metrics.page.time { try await base.page(of: conversation, request) }
    }

    func edit(id: MessageID, body: String, at time: Timestamp) async throws -> Message? {
        try await metrics.edit.time { try await base.edit(id: id, body: body, at: time) }
    }

    func delete(id: MessageID, at time: Timestamp) async throws -> Message? {
        try await metrics.delete.time { try await base.delete(id: id, at: time) }
    }

    func markRead(in conversation: ConversationID, reader: UserID, upTo: MessageCursor, at time: Timestamp) async throws -> Int {
        try await metrics.markRead.time { try await base.markRead(in: conversation, reader: reader, upTo: upTo, at: time) }
    }

    func markDelivered(in conversation: ConversationID, recipient: UserID, upTo: MessageCursor, at time: Timestamp) async throws -> Int {
        try await metrics.markDelivered.time {
            try await base.markDelivered(in: conversation, recipient: recipient, upTo: upTo, at: time)
        }
    }

    func apply(_ marks: [ReceiptMark]) async throws -> [Int] {
        try await metrics.applyMarks.time { try await base.apply(marks) }
    }

    func unreadCounts(for user: UserID) async throws -> [UserID: Int] {
        try await metrics.unreadCounts.time { try await base.unreadCounts(for: user) }
    }

    func changes(for user: UserID, after cursor: ChangeCursor?, limit: Int) async throws -> [Message] {
        try await metrics.changes.time { try await base.changes(for: user, after: cursor, limit: limit) }
    }

    func conversations(of user: UserID, after cursor: ConversationCursor?, limit: Int) async throws -> [ConversationSummary] {
        try await metrics.conversations.time { try await base.conversations(of: user, after: cursor, limit: limit) }
    }
}
