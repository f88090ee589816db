import ChatCore

/// A `MessageStore` for tests of what sits on top of one: a `MemoryMessageStore` whose `append` records each call, can
/// be slowed, and can be made to fail (once, or until told otherwise) with `ChatError(.unavailable)`, and which records
/// the marks of each `apply`.
public actor ObservedMessageStore: MessageStore {
    public let inner = MemoryMessageStore()
    /// The number of drafts of each `append` call, in order.
    public private(set) var appendCalls: [Int] = []
    /// When each `append` began.
    public private(set) var appendStarts: [ContinuousClock.Instant] = []
    /// The marks of each `apply` call, in order.
    public private(set) var applied: [[ReceiptMark]] = []
    private var appendDelay: Duration = .zero
    private var failuresLeft = 0

    public init(appendDelay: Duration = .zero) {
        self.appendDelay = appendDelay
    }

    /// The next `count` appends fail (`Int.max`: until ``failAppends(_:)`` is called again).
    public func failAppends(_ count: Int) { failuresLeft = count }

    public func append(_ drafts: [MessageDraft]) async throws -> [AppendOutcome] {
        appendCalls.append(drafts.count)
        appendStarts.append(.now)
        if appendDelay > .zero { try await Task.sleep(for: appendDelay) }
        if failuresLeft > 0 {
            failuresLeft -= 1
            throw ChatError(.unavailable, "the test store is down")
        }
        return await inner.append(drafts)
    }

    public func message(id: MessageID) async throws -> Message? { await inner.message(id: id) }
    public func messages(sentWith keys: [ClientMessageKey]) async throws -> [Message] { await inner.messages(sentWith: keys) }
    public func messages(ids: [MessageID]) async throws -> [Message] { await inner.messages(ids: ids) }
    public func page(of conversation: ConversationID, _ request: MessagePageRequest) async throws -> MessagePage {
        await inner.page(of: conversation, request)
    }
    public func edit(id: MessageID, body: String, at time: Timestamp) async throws -> Message? {
        await inner.edit(id: id, body: body, at: time)
    }
    public func delete(id: MessageID, at time: Timestamp) async throws -> Message? { await inner.delete(id: id, at: time) }
    public func markRead(in conversation: ConversationID, reader: UserID, upTo: MessageCursor, at time: Timestamp) async throws -> Int {
        await inner.markRead(in: conversation, reader: reader, upTo: upTo, at: time)
    }
    public func markDelivered(in conversation: ConversationID, recipient: UserID, upTo: MessageCursor, at time: Timestamp) async throws -> Int {
        await inner.markDelivered(in: conversation, recipient: recipient, upTo: upTo, at: time)
    }
    public func apply(_ marks: [ReceiptMark]) async throws -> [Int] {
        applied.append(marks)
        return try await inner.apply(marks)
    }
    public func unreadCounts(for user: UserID) async throws -> [UserID: Int] { await inner.unreadCounts(for: user) }
    public func changes(for user: UserID, after cursor: ChangeCursor?, limit: Int) async throws -> [Message] {
        await inner.changes(for: user, after: cursor, limit: limit)
    }
    public func conversations(of user: UserID, after cursor: ConversationCursor?, limit: Int) async throws -> [ConversationSummary] {
        await inner.conversations(of: user, after: cursor, limit: limit)
    }
}
