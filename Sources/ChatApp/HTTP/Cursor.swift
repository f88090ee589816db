import ChatCore
import Foundation

/// Opaque pagination cursors: base64url of a short versioned text, so clients cannot depend on their contents and a
/// tampered cursor is a clean 400.
enum Cursor {
    static func encode(_ parts: [String]) -> String {
        // `c1␟part␟part…` in one buffer: every message payload carries a cursor.
        var text: [UInt8] = []
        text.reserveCapacity(parts.reduce(2) { $0 + 1 + $1.utf8.count })
        text.append(contentsOf: "c1".utf8)
        for part in parts {
            text.append(0x1F)
            text.append(contentsOf: part.utf8)
        }
        return Base64URL.encode(text)
    }

    /// The parts of a cursor made by `encode`, or nil when it is not one.
    static func decode(_ cursor: String, parts count: Int) -> [String]? {
        guard cursor.utf8.count <= 1024 else { return nil }
        guard let bytes = Base64URL.decode(cursor), let text = String(validating: bytes, as: UTF8.self) else { return nil }
        let parts = text.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == count + 1, parts[0] == "c1" else { return nil }
        return Array(parts.dropFirst())
    }

    static func invalid(_ field: String) -> ChatError { ChatError.invalidRequest("'\(field)' is not a valid cursor", field: field) }

    // MARK: typed cursors

    static func encode(_ cursor: MessageCursor) -> String { encode(["m", String(cursor.createdAt.milliseconds), cursor.id.rawValue]) }

    static func messageCursor(_ text: String) -> MessageCursor? {
        guard let parts = decode(text, parts: 3), parts[0] == "m", let millis = Int64(parts[1]), !parts[2].isEmpty else { return nil }
        return MessageCursor(createdAt: Timestamp(milliseconds: millis), id: MessageID(parts[2]))
    }

    static func encode(_ cursor: UserSearchCursor) -> String { encode(["u", String(cursor.rank), cursor.usernameKey, cursor.id.rawValue]) }

    static func userSearchCursor(_ text: String, field: String = "cursor") throws -> UserSearchCursor {
        guard let parts = decode(text, parts: 4), parts[0] == "u", let rank = Int(parts[1]), (0...1).contains(rank) else { throw invalid(field) }
        return UserSearchCursor(rank: rank, usernameKey: parts[2], id: UserID(parts[3]))
    }

    static func encode(_ cursor: FriendshipCursor) -> String { encode(["f", String(cursor.updatedAt.milliseconds), cursor.pairKey]) }

    static func friendshipCursor(_ text: String, field: String = "cursor") throws -> FriendshipCursor {
        guard let parts = decode(text, parts: 3), parts[0] == "f", let millis = Int64(parts[1]) else { throw invalid(field) }
        return FriendshipCursor(updatedAt: Timestamp(milliseconds: millis), pairKey: parts[2])
    }

    static func encode(_ cursor: ConversationCursor) -> String {
        encode(["c", String(cursor.lastMessageAt.milliseconds), cursor.conversationID.rawValue])
    }

    static func conversationCursor(_ text: String, field: String = "cursor") throws -> ConversationCursor {
        guard let parts = decode(text, parts: 3), parts[0] == "c", let millis = Int64(parts[1]) else { throw invalid(field) }
        return ConversationCursor(lastMessageAt: Timestamp(milliseconds: millis), conversationID: ConversationID(rawValue: parts[2]))
    }
}
