import ChatAuth
import ChatCore
import SocketIO

/// The JSON of every server → client event, built directly as `JSONValue` so a payload is made once per event and
/// shared by every socket it goes to.
///
/// Message payloads carry the v2 fields (camelCase) and, for clients of the original app, its field names too
/// (`sender_id`, `receiver_id`, `message`, `message_type`, `fileName`, `delivered`, `created_at`).
enum RealtimePayload {
    static func message(_ message: Message, links: FileLinkSigner) -> JSONValue {
        let createdAt = JSONValue.string(message.createdAt.iso8601)
        // Sized for every member, so that none of the optional ones below grows the storage.
        var object = JSONObject()
        object.reserveCapacity(28)
        object["id"] = .string(message.id.rawValue)
        object["conversationId"] = .string(message.conversationID.rawValue)
        object["senderId"] = .string(message.senderID.rawValue)
        object["recipientId"] = .string(message.recipientID.rawValue)
        object["kind"] = .string(message.kind.rawValue)
        object["text"] = .string(message.body)
        object["createdAt"] = createdAt
        object["updatedAt"] = message.updatedAt == message.createdAt ? createdAt : .string(message.updatedAt.iso8601)
        object["deleted"] = .bool(message.deletedAt != nil)
        object["cursor"] = .string(Cursor.encode(message.cursor))
        object["sender_id"] = .string(message.senderID.rawValue)
        object["receiver_id"] = .string(message.recipientID.rawValue)
        object["message"] = .string(message.body)
        object["message_type"] = .string(message.kind.rawValue)
        object["fileName"] = .null
        object["delivered"] = .bool(message.deliveredAt != nil)
        object["created_at"] = createdAt
        if let clientMessageID = message.clientMessageID { object["clientMessageId"] = .string(clientMessageID) }
        if let editedAt = message.editedAt { object["editedAt"] = .string(editedAt.iso8601) }
        if let deletedAt = message.deletedAt { object["deletedAt"] = .string(deletedAt.iso8601) }
        if let deliveredAt = message.deliveredAt { object["deliveredAt"] = .string(deliveredAt.iso8601) }
        if let readAt = message.readAt { object["readAt"] = .string(readAt.iso8601) }
        if let file = message.file {
            // The original app's file payload: `message` and `fileUrl` are the download URL (a signed link, which a
            // plain `<img src>` can load), `fileName` the name; `file.url` is the v2 route, which needs the token.
            let url = JSONValue.string(FileDTO.v1Link(file.id, links: links))
            object["file"] = Self.file(file)
            object["message"] = url
            object["fileUrl"] = url
            object["fileId"] = .string(file.id.rawValue)
            object["fileName"] = .string(file.name)
            object["originalname"] = .string(file.name)
        }
        return .object(object)
    }

    static func file(_ file: FileAttachment) -> JSONValue {
        var object: JSONObject = [
            "id": .string(file.id.rawValue),
            "name": .string(file.name),
            "size": .number(Double(file.size)),
            "contentType": .string(file.contentType),
            "sha256": .string(file.sha256),
            "url": .string(FileDTO.downloadPath(file.id)),
        ]
        if let width = file.width { object["width"] = .number(Double(width)) }
        if let height = file.height { object["height"] = .number(Double(height)) }
        return .object(object)
    }

    /// `receive_notification`: the original's `{sender_id, id, message, fileName, created_at}` plus v2 names.
    static func notification(_ message: Message, links: FileLinkSigner) -> JSONValue {
        let createdAt = JSONValue.string(message.createdAt.iso8601)
        return [
            "id": .string(message.id.rawValue),
            "sender_id": .string(message.senderID.rawValue),
            "message": .string(message.file.map { FileDTO.v1Link($0.id, links: links) } ?? message.body),
            "fileName": message.file.map { .string($0.name) } ?? .null,
            "created_at": createdAt,
            "senderId": .string(message.senderID.rawValue),
            "conversationId": .string(message.conversationID.rawValue),
            "text": .string(message.body),
            "createdAt": createdAt,
        ]
    }

    static func friendship(_ friendship: Friendship, for user: UserID) -> JSONValue {
        [
            "userId": .string(friendship.peer(of: user).rawValue),
            "status": .string(friendship.status.rawValue),
            "direction": .string(friendship.requester == user ? "outgoing" : "incoming"),
            "createdAt": .string(friendship.createdAt.iso8601),
            "updatedAt": .string(friendship.updatedAt.iso8601),
        ]
    }

    static func presence(_ presence: Presence) -> JSONValue {
        [
            "userId": .string(presence.userID.rawValue),
            "online": .bool(presence.online),
            "lastSeen": presence.lastSeen.map { .string($0.iso8601) } ?? .null,
        ]
    }

    static func receipt(conversation: ConversationID, by user: UserID, upTo: MessageCursor, at time: Timestamp) -> JSONValue {
        [
            "conversationId": .string(conversation.rawValue),
            "userId": .string(user.rawValue),
            "upTo": .string(upTo.id.rawValue),
            "at": .string(time.iso8601),
        ]
    }

    static func ok(_ fields: JSONObject = [:]) -> JSONValue {
        var object = fields
        object["ok"] = .bool(true)
        return .object(object)
    }

    static func failure(_ error: ChatError) -> JSONValue {
        var detail: JSONObject = ["code": .string(error.code.rawValue), "message": .string(error.message)]
        if let field = error.field { detail["field"] = .string(field) }
        return ["ok": .bool(false), "error": .object(detail)]
    }

    static func syncCursor(_ cursor: SyncCursor) -> String {
        Cursor.encode([
            "s", String(cursor.messages?.updatedAt.milliseconds ?? Int64.min), cursor.messages?.id ?? "",
            String(cursor.friendships?.updatedAt.milliseconds ?? Int64.min), cursor.friendships?.id ?? "",
        ])
    }

    static func syncCursor(from text: String) -> SyncCursor? {
        guard let parts = Cursor.decode(text, parts: 5), parts[0] == "s", let messages = Int64(parts[1]), let friends = Int64(parts[3]) else {
            return nil
        }
        return SyncCursor(
            messages: messages == Int64.min ? nil : ChangeCursor(updatedAt: Timestamp(milliseconds: messages), id: parts[2]),
            friendships: friends == Int64.min ? nil : ChangeCursor(updatedAt: Timestamp(milliseconds: friends), id: parts[4])
        )
    }
}
