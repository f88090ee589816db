/// An in-memory `MessageStore`.
public actor MemoryMessageStore: MessageStore {
    private var byID: [MessageID: Message] = [:]
    /// Each conversation's message ids in `(createdAt, id)` order.
    private var ordered: [ConversationID: [MessageID]] = [:]
    private var byClientKey: [String: MessageID] = [:]

    public init() {}

    public func append(_ drafts: [MessageDraft]) -> [AppendOutcome] {
        drafts.map { draft in
            let key = draft.clientMessageID.map { "\(draft.senderID.rawValue)\u{0}\($0)" }
            if let key, let existing = byClientKey[key], let message = byID[existing] {
                return AppendOutcome(message: message, created: false)
            }
            if let existing = byID[draft.id] { return AppendOutcome(message: existing, created: false) }
            byID[draft.id] = draft
            if let key { byClientKey[key] = draft.id }
            // Insert in place: copying the conversation's array out and back costs O(n) per message.
            let index = insertionIndex(of: draft.cursor, in: ordered[draft.conversationID] ?? [])
            ordered[draft.conversationID, default: []].insert(draft.id, at: index)
            return AppendOutcome(message: draft, created: true)
        }
    }

    public func message(id: MessageID) -> Message? { byID[id] }

    public func messages(sentWith keys: [ClientMessageKey]) -> [Message] {
        Set(keys).compactMap { key in byClientKey["\(key.sender.rawValue)\u{0}\(key.clientMessageID)"].flatMap { byID[$0] } }
    }

    public func messages(ids: [MessageID]) -> [Message] {
        Set(ids).compactMap { byID[$0] }
    }

    public func page(of conversation: ConversationID, _ request: MessagePageRequest) -> MessagePage {
        let ids = ordered[conversation] ?? []
        let limit = max(request.limit, 0)
        switch request.anchor {
        case .latest:
            let slice = ids.suffix(limit)
            return MessagePage(messages: slice.reversed().compactMap { byID[$0] }, hasMore: ids.count > slice.count)
        case .before(let cursor):
            let end = insertionIndex(of: cursor, in: ids)
            let start = max(0, end - limit)
            return MessagePage(messages: ids[start..<end].reversed().compactMap { byID[$0] }, hasMore: start > 0)
        case .after(let cursor):
            var start = insertionIndex(of: cursor, in: ids)
            if start < ids.count, ids[start] == cursor.id { start += 1 }
            let end = min(ids.count, start + limit)
            return MessagePage(messages: ids[start..<end].reversed().compactMap { byID[$0] }, hasMore: end < ids.count)
        }
    }

    public func edit(id: MessageID, body: String, at time: Timestamp) -> Message? {
        guard var message = byID[id], message.deletedAt == nil else { return nil }
        message.body = body
        message.editedAt = time
        message.updatedAt = max(message.updatedAt, time)
        byID[id] = message
        return message
    }

    public func delete(id: MessageID, at time: Timestamp) -> Message? {
        guard var message = byID[id] else { return nil }
        if message.deletedAt == nil {
            message.deletedAt = time
            message.updatedAt = max(message.updatedAt, time)
            message.body = ""
            message.file = nil
            byID[id] = message
        }
        return message
    }

    public func markRead(in conversation: ConversationID, reader: UserID, upTo: MessageCursor, at time: Timestamp) -> Int {
        mark(in: conversation, recipient: reader, upTo: upTo) { message in
            guard message.readAt == nil else { return false }
            message.readAt = time
            if message.deliveredAt == nil { message.deliveredAt = time }
            message.updatedAt = max(message.updatedAt, time)
            return true
        }
    }

    public func markDelivered(in conversation: ConversationID, recipient: UserID, upTo: MessageCursor, at time: Timestamp) -> Int {
        mark(in: conversation, recipient: recipient, upTo: upTo) { message in
            guard message.deliveredAt == nil else { return false }
            message.deliveredAt = time
            message.updatedAt = max(message.updatedAt, time)
            return true
        }
    }

    public func unreadCounts(for user: UserID) -> [UserID: Int] {
        var counts: [UserID: Int] = [:]
        for message in byID.values where message.recipientID == user && message.readAt == nil && message.deletedAt == nil {
            counts[message.senderID, default: 0] += 1
        }
        return counts
    }

    public func changes(for user: UserID, after cursor: ChangeCursor?, limit: Int) -> [Message] {
        byID.values
            .filter { $0.involves(user) && cursor.map($0.changeCursor.isAfter) ?? true }
            .sorted { $0.changeCursor < $1.changeCursor }
            .prefix(max(limit, 0))
            .map { $0 }
    }

    public func conversations(of user: UserID, after cursor: ConversationCursor?, limit: Int) -> [ConversationSummary] {
        let unread = unreadCounts(for: user)
        let summaries = ordered.compactMap { conversation, ids -> ConversationSummary? in
            guard let lastID = ids.last, let last = byID[lastID], last.involves(user) else { return nil }
            let peer = last.senderID == user ? last.recipientID : last.senderID
            return ConversationSummary(id: conversation, peerID: peer, lastMessage: last, unreadCount: unread[peer] ?? 0)
        }
        func key(_ summary: ConversationSummary) -> (Int64, String) { (summary.lastMessage.createdAt.milliseconds, summary.id.rawValue) }
        let bound = cursor.map { ($0.lastMessageAt.milliseconds, $0.conversationID.rawValue) }
        return summaries.filter { summary in bound.map { key(summary) < $0 } ?? true }.sorted { key($0) > key($1) }.prefix(limit).map { $0 }
    }

    private func mark(in conversation: ConversationID, recipient: UserID, upTo: MessageCursor, _ change: (inout Message) -> Bool) -> Int {
        var changed = 0
        for id in ordered[conversation] ?? [] {
            guard var message = byID[id], message.cursor <= upTo else { break }
            guard message.recipientID == recipient, message.deletedAt == nil, change(&message) else { continue }
            byID[id] = message
            changed += 1
        }
        return changed
    }

    /// The index of the first message at or after `cursor`.
    private func insertionIndex(of cursor: MessageCursor, in ids: [MessageID]) -> Int {
        var low = 0
        var high = ids.count
        while low < high {
            let mid = (low + high) / 2
            if let message = byID[ids[mid]], message.cursor < cursor { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

extension ChangeCursor {
    func isAfter(_ other: ChangeCursor) -> Bool { other < self }
}
