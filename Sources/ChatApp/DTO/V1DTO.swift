import ChatAuth
import ChatCore
import Foundation

/// `{"message": ...}`: every v1 error and most v1 acknowledgements.
struct V1MessageDTO: Codable, Sendable {
    var message: String
}

/// R1's success body: `{"message":"User registered successfully","userId":0}` (the original's `insertId`, always 0).
struct V1RegisteredDTO: Encodable, Sendable {
    var message = "User registered successfully"
    var userId = 0
}

/// R1's request body. Every field is optional so a missing one is a 400 naming it, not a decoding failure.
struct V1RegisterBody: Decodable, Sendable {
    var username: String?
    var email: String?
    var fireBaseID: String?
    var avatar: String?
}

/// R9 and R10's request body.
struct V1FriendBody: Decodable, Sendable {
    var userID: String?
    var friendID: String?

    enum CodingKeys: String, CodingKey {
        case userID = "user_id"
        case friendID = "friend_id"
    }
}

/// R11's request body.
struct V1SaveMessageBody: Decodable, Sendable {
    var senderID: String?
    var receiverID: String?
    var content: String?

    enum CodingKeys: String, CodingKey {
        case senderID = "sender_id"
        case receiverID = "receiver_id"
        case content
    }
}

/// A friend in R2: `{"id","username","email"}`.
struct V1UserRowDTO: Encodable, Sendable {
    var id: String
    var username: String
    var email: String

    init(_ user: User) {
        id = user.id.rawValue
        username = user.username
        email = user.email
    }
}

/// A search hit in R3/R4: `{"id","username","email","status"}`.
struct V1SearchRowDTO: Encodable, Sendable {
    var id: String
    var username: String
    var email: String
    var status: String
}

/// R5: `{"id","username","email","avatar","created_at","friendStatus"}`; `avatar` is null when unset.
struct V1UserDetailDTO: Encodable, Sendable {
    var id: String
    var username: String
    var email: String
    var avatar: String?
    var createdAt: String
    var friendStatus: String

    enum CodingKeys: String, CodingKey {
        case id, username, email, avatar, friendStatus
        case createdAt = "created_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(username, forKey: .username)
        try container.encode(email, forKey: .email)
        try container.encode(avatar, forKey: .avatar)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(friendStatus, forKey: .friendStatus)
    }
}

/// A pending request in R6: `{"user_id","status","created_at","username","email"}`; `user_id` is the requester.
struct V1FriendRequestRowDTO: Encodable, Sendable {
    var userID: String
    var status: String
    var createdAt: String
    var username: String
    var email: String

    enum CodingKeys: String, CodingKey {
        case userID = "user_id"
        case status
        case createdAt = "created_at"
        case username, email
    }
}

/// A message row in R7, shaped like the original's `SELECT *`: `delivered`/`is_read` are `0`/`1` numbers and every
/// nullable column is present as null.
struct V1MessageRowDTO: Encodable, Sendable {
    var message: Message
    /// The file's download link (signed, usable without a token), for a file message.
    var fileLink: String?

    init(_ message: Message, links: FileLinkSigner) {
        self.message = message
        self.fileLink = message.file.map { FileDTO.v1Link($0.id, links: links) }
    }

    enum CodingKeys: String, CodingKey {
        case id, message, fileName
        case senderID = "sender_id"
        case receiverID = "receiver_id"
        case groupID = "group_id"
        case fileID = "file_id"
        case messageType = "message_type"
        case isRead = "is_read"
        case createdAt = "created_at"
        case delivered
        case deliveredAt = "delivered_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(message.id.rawValue, forKey: .id)
        try container.encode(message.senderID.rawValue, forKey: .senderID)
        try container.encode(message.recipientID.rawValue, forKey: .receiverID)
        try container.encode(String?.none, forKey: .groupID)
        try container.encode(fileLink ?? message.body, forKey: .message)
        try container.encode(message.file?.id.rawValue, forKey: .fileID)
        try container.encode(message.kind.rawValue, forKey: .messageType)
        try container.encode(message.readAt == nil ? 0 : 1, forKey: .isRead)
        try container.encode(message.createdAt.iso8601, forKey: .createdAt)
        try container.encode(message.deliveredAt == nil ? 0 : 1, forKey: .delivered)
        try container.encode(message.deliveredAt?.iso8601, forKey: .deliveredAt)
        try container.encode(message.file?.name, forKey: .fileName)
    }
}

/// An R8 row: `{"sender_id","unread_count"}` with a number count.
struct V1UnreadRowDTO: Encodable, Sendable {
    var senderID: String
    var unreadCount: Int

    enum CodingKeys: String, CodingKey {
        case senderID = "sender_id"
        case unreadCount = "unread_count"
    }
}

/// R11's answer, the original's publish payload: `delivered` is the boolean `false`, `fileName` null.
struct V1MessagePayloadDTO: Encodable, Sendable {
    var message: Message

    enum CodingKeys: String, CodingKey {
        case id, message, fileName, delivered
        case senderID = "sender_id"
        case receiverID = "receiver_id"
        case messageType = "message_type"
        case createdAt = "created_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(message.id.rawValue, forKey: .id)
        try container.encode(message.senderID.rawValue, forKey: .senderID)
        try container.encode(message.recipientID.rawValue, forKey: .receiverID)
        try container.encode(message.body, forKey: .message)
        try container.encode("text", forKey: .messageType)
        try container.encode(String?.none, forKey: .fileName)
        try container.encode(false, forKey: .delivered)
        try container.encode(message.createdAt.iso8601, forKey: .createdAt)
    }
}

/// An R12 message: the original's file payload, `message` and `fileUrl` being the (signed) download link.
struct V1FilePayloadDTO: Encodable, Sendable {
    var id: String
    var senderID: String
    var receiverID: String
    var message: String
    var fileName: String
    var messageType = "file"
    var fileId: String
    var fileUrl: String
    var originalname: String
    var createdAt: String
    var delivered = false

    enum CodingKeys: String, CodingKey {
        case id, message, fileName, fileId, fileUrl, originalname, delivered
        case senderID = "sender_id"
        case receiverID = "receiver_id"
        case messageType = "message_type"
        case createdAt = "created_at"
    }

    init(_ message: Message, links: FileLinkSigner) {
        let url = message.file.map { FileDTO.v1Link($0.id, links: links) } ?? ""
        id = message.id.rawValue
        senderID = message.senderID.rawValue
        receiverID = message.recipientID.rawValue
        self.message = url
        fileName = message.file?.name ?? message.body
        fileId = message.file?.id.rawValue ?? ""
        fileUrl = url
        originalname = fileName
        createdAt = message.createdAt.iso8601
    }
}

/// R12's answer: `{"messages":[...]}`.
struct V1FileMessagesDTO: Encodable, Sendable {
    var messages: [V1FilePayloadDTO]
}
