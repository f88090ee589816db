/// What a message carries.
public struct MessageKind: Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let text = MessageKind(rawValue: "text")
    public static let file = MessageKind(rawValue: "file")

    public init(from decoder: any Decoder) throws { self.rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A 1:1 message as stored.
public struct Message: Hashable, Sendable, Codable {
    public var id: MessageID
    public var conversationID: ConversationID
    public var senderID: UserID
    public var recipientID: UserID
    public var kind: MessageKind
    /// The text; empty once the message was deleted.
    public var body: String
    /// The sender's idempotency key: a retry with the same key yields this message again.
    public var clientMessageID: String?
    public var createdAt: Timestamp
    public var editedAt: Timestamp?
    /// Set when the sender deleted the message for everyone; the row stays as a tombstone.
    public var deletedAt: Timestamp?
    public var deliveredAt: Timestamp?
    public var readAt: Timestamp?
    /// When anything about the message last changed (created, edited, deleted, delivered, read): the sync feed's order.
    public var updatedAt: Timestamp
    /// The file of a `.file` message; nil for text and once the message was deleted.
    public var file: FileAttachment?

    public init(
        id: MessageID,
        conversationID: ConversationID,
        senderID: UserID,
        recipientID: UserID,
        kind: MessageKind = .text,
        body: String,
        clientMessageID: String? = nil,
        createdAt: Timestamp,
        editedAt: Timestamp? = nil,
        deletedAt: Timestamp? = nil,
        deliveredAt: Timestamp? = nil,
        readAt: Timestamp? = nil,
        updatedAt: Timestamp? = nil,
        file: FileAttachment? = nil
    ) {
        self.id = id
        self.conversationID = conversationID
        self.senderID = senderID
        self.recipientID = recipientID
        self.kind = kind
        self.body = body
        self.clientMessageID = clientMessageID
        self.createdAt = createdAt
        self.editedAt = editedAt
        self.deletedAt = deletedAt
        self.deliveredAt = deliveredAt
        self.readAt = readAt
        self.updatedAt = updatedAt ?? createdAt
        self.file = file
    }

    /// The message's position in its conversation.
    public var cursor: MessageCursor { MessageCursor(createdAt: createdAt, id: id) }

    public func involves(_ user: UserID) -> Bool { senderID == user || recipientID == user }
}

/// A position in a conversation: messages are totally ordered by `(createdAt, id)`.
public struct MessageCursor: Hashable, Sendable, Codable, Comparable {
    public var createdAt: Timestamp
    public var id: MessageID

    public init(createdAt: Timestamp, id: MessageID) {
        self.createdAt = createdAt
        self.id = id
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.createdAt != rhs.createdAt ? lhs.createdAt < rhs.createdAt : lhs.id < rhs.id
    }
}

/// Which page of a conversation to read. Pages are always returned newest first.
public struct MessagePageRequest: Hashable, Sendable {
    public enum Anchor: Hashable, Sendable {
        /// The newest messages.
        case latest
        /// The messages just older than the cursor.
        case before(MessageCursor)
        /// The messages just newer than the cursor.
        case after(MessageCursor)
    }

    public var anchor: Anchor
    public var limit: Int

    public init(anchor: Anchor = .latest, limit: Int) {
        self.anchor = anchor
        self.limit = limit
    }
}

/// A page of messages, newest first. `hasMore` tells whether more exist beyond the page in the direction read.
public struct MessagePage: Hashable, Sendable {
    public var messages: [Message]
    public var hasMore: Bool

    public init(messages: [Message], hasMore: Bool) {
        self.messages = messages
        self.hasMore = hasMore
    }
}

/// A message to append, built by the domain before it is made durable.
public typealias MessageDraft = Message

/// The result of appending a message: the stored message, and whether this call created it (false for a retry that
/// matched an existing `(sender, clientMessageID)`).
public struct AppendOutcome: Hashable, Sendable {
    public var message: Message
    public var created: Bool

    public init(message: Message, created: Bool) {
        self.message = message
        self.created = created
    }
}

/// A conversation as listed for one participant.
public struct ConversationSummary: Hashable, Sendable {
    public var id: ConversationID
    public var peerID: UserID
    public var lastMessage: Message
    /// Messages to the caller in this conversation that the caller has not read.
    public var unreadCount: Int

    public init(id: ConversationID, peerID: UserID, lastMessage: Message, unreadCount: Int) {
        self.id = id
        self.peerID = peerID
        self.lastMessage = lastMessage
        self.unreadCount = unreadCount
    }
}

/// A keyset cursor into a user's conversation list, newest activity first.
public struct ConversationCursor: Hashable, Sendable, Codable {
    public var lastMessageAt: Timestamp
    public var conversationID: ConversationID

    public init(lastMessageAt: Timestamp, conversationID: ConversationID) {
        self.lastMessageAt = lastMessageAt
        self.conversationID = conversationID
    }
}

/// A position in a user's change feed: changes are ordered by `(updatedAt, id)`, where the id is the message id or the
/// friendship's pair key.
public struct ChangeCursor: Hashable, Sendable, Codable, Comparable {
    public var updatedAt: Timestamp
    public var id: String

    public init(updatedAt: Timestamp, id: String) {
        self.updatedAt = updatedAt
        self.id = id
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.updatedAt != rhs.updatedAt ? lhs.updatedAt < rhs.updatedAt : lhs.id < rhs.id
    }
}

extension Message {
    /// The message's position in its participants' change feeds.
    public var changeCursor: ChangeCursor { ChangeCursor(updatedAt: updatedAt, id: id.rawValue) }
}

extension Friendship {
    /// The friendship's position in its users' change feeds.
    public var changeCursor: ChangeCursor { ChangeCursor(updatedAt: updatedAt, id: pairKey.rawValue) }
}
