import ChatCore

/// A message on the v2 wire.
struct MessageDTO: Encodable {
    var id: String
    var conversationId: String
    var senderId: String
    var recipientId: String
    var kind: String
    var text: String
    var clientMessageId: String?
    var createdAt: String
    var editedAt: String?
    var deleted: Bool
    var deletedAt: String?
    var deliveredAt: String?
    var readAt: String?
    /// The message's position, usable as `before`/`after` when paging.
    var cursor: String
    /// The file of a `file` message.
    var file: FileDTO?

    init(_ message: Message) {
        id = message.id.rawValue
        conversationId = message.conversationID.rawValue
        senderId = message.senderID.rawValue
        recipientId = message.recipientID.rawValue
        kind = message.kind.rawValue
        text = message.body
        clientMessageId = message.clientMessageID
        createdAt = message.createdAt.iso8601
        editedAt = message.editedAt?.iso8601
        deleted = message.deletedAt != nil
        deletedAt = message.deletedAt?.iso8601
        deliveredAt = message.deliveredAt?.iso8601
        readAt = message.readAt?.iso8601
        cursor = Cursor.encode(message.cursor)
        file = message.file.map(FileDTO.init)
    }
}

struct MessageEnvelope: Encodable {
    var message: MessageDTO
}

struct MessagePageDTO: Encodable {
    var messages: [MessageDTO]
    var nextCursor: String?
    var hasMore: Bool
}

struct SendMessageDTO: Decodable {
    var text: String
    var clientMessageId: String?
}

struct EditMessageDTO: Decodable {
    var text: String
}

struct MarkReadDTO: Decodable {
    var upTo: String
}

struct MarkReadResultDTO: Encodable {
    var updated: Int
}

struct ConversationDTO: Encodable {
    var id: String
    var peer: UserDTO?
    var peerId: String
    var lastMessage: MessageDTO
    var unreadCount: Int
}

struct ConversationPageDTO: Encodable {
    var conversations: [ConversationDTO]
    var nextCursor: String?
}
