/// A message's idempotency key: its sender and the id the sending client gave it.
public struct ClientMessageKey: Hashable, Sendable {
    public var sender: UserID
    public var clientMessageID: String

    public init(sender: UserID, clientMessageID: String) {
        self.sender = sender
        self.clientMessageID = clientMessageID
    }
}

/// Messages of 1:1 conversations.
///
/// Appends are idempotent on `(senderID, clientMessageID)`: appending a draft whose key already exists returns the stored
/// message with `created == false` and changes nothing, so a retried send can never duplicate. Within a conversation
/// messages are totally ordered by `(createdAt, id)`.
public protocol MessageStore: Sendable {
    /// Appends a batch in one transaction; outcomes are in the order of `drafts`. A batch may hold several drafts with
    /// the same idempotency key: the first creates, the rest resolve to it. A draft whose id is already stored resolves to
    /// the stored message, so replaying a batch is harmless.
    func append(_ drafts: [MessageDraft]) async throws -> [AppendOutcome]
    func message(id: MessageID) async throws -> Message?
    /// The stored messages sent with these `(sender, clientMessageID)` keys, in any order, one per key found: what
    /// retried sends resolve to. One query on SQL, so concurrent sends can share it.
    func messages(sentWith keys: [ClientMessageKey]) async throws -> [Message]
    /// The stored messages with these ids, deleted or not, in any order, one per id found. One query on SQL, so
    /// concurrent look-ups (the messages that read and delivered marks name) can share it.
    func messages(ids: [MessageID]) async throws -> [Message]
    func page(of conversation: ConversationID, _ request: MessagePageRequest) async throws -> MessagePage
    /// Replaces the body and sets `editedAt`; returns the updated message, nil if unknown or deleted.
    func edit(id: MessageID, body: String, at time: Timestamp) async throws -> Message?
    /// Marks the message deleted for everyone and clears its body; returns it, nil if unknown. Deleting twice keeps the
    /// first deletion time.
    func delete(id: MessageID, at time: Timestamp) async throws -> Message?
    /// Sets `readAt` (and `deliveredAt` when missing) on every unread message to `reader` in the conversation at or
    /// before `upTo`; returns how many changed.
    func markRead(in conversation: ConversationID, reader: UserID, upTo: MessageCursor, at time: Timestamp) async throws -> Int
    /// Sets `deliveredAt` on every undelivered message to `recipient` in the conversation at or before `upTo`.
    func markDelivered(
        in conversation: ConversationID,
        recipient: UserID,
        upTo: MessageCursor,
        at time: Timestamp
    ) async throws -> Int
    /// Applies read and delivered marks in order, in one transaction where the store has them; returns how many
    /// messages each changed. The same as calling ``markRead(in:reader:upTo:at:)`` and
    /// ``markDelivered(in:recipient:upTo:at:)`` for each.
    func apply(_ marks: [ReceiptMark]) async throws -> [Int]
    /// Unread messages to the user (not deleted), by sender.
    func unreadCounts(for user: UserID) async throws -> [UserID: Int]
    /// Messages sent by or to the user whose `updatedAt` is after `cursor` (every message when nil), in `(updatedAt, id)`
    /// order: what a device that was away has missed. Edits, deletions and receipts set `updatedAt` to their time.
    func changes(for user: UserID, after cursor: ChangeCursor?, limit: Int) async throws -> [Message]
    /// The user's conversations with their last message and unread count, most recent activity first.
    func conversations(of user: UserID, after cursor: ConversationCursor?, limit: Int) async throws -> [ConversationSummary]
}

/// A read or delivered mark: every message to `recipient` in the conversation up to `upTo` is read (or delivered).
public struct ReceiptMark: Sendable, Hashable {
    /// The raw value names the columns of the mark (`read_at`, `delivered_at`, and their markers).
    public enum Kind: String, Sendable, Hashable {
        case read
        case delivered
    }

    public var kind: Kind
    public var conversation: ConversationID
    public var recipient: UserID
    public var upTo: MessageCursor
    public var time: Timestamp

    public init(_ kind: Kind, in conversation: ConversationID, recipient: UserID, upTo: MessageCursor, at time: Timestamp) {
        self.kind = kind
        self.conversation = conversation
        self.recipient = recipient
        self.upTo = upTo
        self.time = time
    }
}

extension MessageStore {
    /// One mark after the other: for stores without transactions.
    public func apply(_ marks: [ReceiptMark]) async throws -> [Int] {
        var changed: [Int] = []
        changed.reserveCapacity(marks.count)
        for mark in marks {
            switch mark.kind {
            case .read:
                changed.append(try await markRead(in: mark.conversation, reader: mark.recipient, upTo: mark.upTo, at: mark.time))
            case .delivered:
                changed.append(try await markDelivered(in: mark.conversation, recipient: mark.recipient, upTo: mark.upTo, at: mark.time))
            }
        }
        return changed
    }
}
