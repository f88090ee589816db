import ChatCore
import Foundation
import SQLKit

extension SQLRow {
    /// Decodes a non-null column; a missing column, a null or a wrong type is a corrupt row.
    func required<T: Decodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        do {
            if try decodeNil(column: column) { throw ChatError.corruptRow("\(column) is null") }
            return try decode(column: column, as: T.self)
        } catch let error as ChatError {
            throw error
        } catch {
            throw ChatError.corruptRow("cannot decode \(column): \(error)")
        }
    }

    /// Decodes a nullable column.
    func optional<T: Decodable>(_ column: String, as type: T.Type = T.self) throws -> T? {
        do {
            if try decodeNil(column: column) { return nil }
            return try decode(column: column, as: T.self)
        } catch {
            throw ChatError.corruptRow("cannot decode \(column): \(error)")
        }
    }

    func timestamp(_ column: String) throws -> Timestamp {
        Timestamp(milliseconds: try required(column, as: Int64.self))
    }

    func optionalTimestamp(_ column: String) throws -> Timestamp? {
        try optional(column, as: Int64.self).map { Timestamp(milliseconds: $0) }
    }

    func int(_ column: String) throws -> Int {
        let value = try required(column, as: Int64.self)
        guard let result = Int(exactly: value) else { throw ChatError.corruptRow("\(column) out of range") }
        return result
    }
}

/// The column lists the stores select, in one place so that every decoder sees the columns it expects.
enum Columns {
    static let user = "id, username, email, display_name, avatar_url, created_at, updated_at"
    static let message =
        "id, conversation_id, sender_id, receiver_id, kind, body, client_message_id, created_at, edited_at, deleted_at, delivered_at, read_at, updated_at, attachment"
    static let friendship = "user_id, friend_id, status, created_at, updated_at, version"
    static let refreshToken = "token_hash, user_id, family_id, created_at, expires_at, consumed_at, revoked_at"

    /// `columns` with each name qualified by `table`.
    static func qualified(_ columns: String, by table: String) -> String {
        columns.split(separator: ",").map { "\(table).\($0.trimmingCharacters(in: .whitespaces))" }.joined(separator: ", ")
    }
}

extension User {
    init(row: any SQLRow) throws {
        self.init(
            id: UserID(try row.required("id")),
            username: try row.required("username"),
            email: try row.required("email"),
            displayName: try row.optional("display_name"),
            avatarURL: try row.optional("avatar_url"),
            createdAt: try row.timestamp("created_at"),
            updatedAt: try row.timestamp("updated_at")
        )
    }
}

extension Message {
    init(row: any SQLRow) throws {
        self.init(
            id: MessageID(try row.required("id")),
            conversationID: ConversationID(rawValue: try row.required("conversation_id")),
            senderID: UserID(try row.required("sender_id")),
            recipientID: UserID(try row.required("receiver_id")),
            kind: MessageKind(rawValue: try row.required("kind")),
            body: try row.required("body"),
            clientMessageID: try row.optional("client_message_id"),
            createdAt: try row.timestamp("created_at"),
            editedAt: try row.optionalTimestamp("edited_at"),
            deletedAt: try row.optionalTimestamp("deleted_at"),
            deliveredAt: try row.optionalTimestamp("delivered_at"),
            readAt: try row.optionalTimestamp("read_at"),
            updatedAt: try row.timestamp("updated_at"),
            file: try row.optional("attachment", as: String.self).map(Self.decodeAttachment)
        )
    }

    /// The `attachment` column: a `FileAttachment` as JSON, null for text messages.
    static func encodeAttachment(_ file: FileAttachment?) throws -> String? {
        guard let file else { return nil }
        return String(decoding: try attachmentEncoder.encode(file), as: UTF8.self)
    }

    static func decodeAttachment(_ json: String) throws -> FileAttachment {
        do {
            return try JSONDecoder().decode(FileAttachment.self, from: Data(json.utf8))
        } catch {
            throw ChatError.corruptRow("cannot decode attachment: \(error)")
        }
    }

    private static let attachmentEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

extension Friendship {
    init(row: any SQLRow) throws {
        self.init(
            requester: UserID(try row.required("user_id")),
            addressee: UserID(try row.required("friend_id")),
            status: FriendshipStatus(rawValue: try row.required("status")),
            createdAt: try row.timestamp("created_at"),
            updatedAt: try row.timestamp("updated_at"),
            version: try row.int("version")
        )
    }
}

extension RefreshTokenRecord {
    init(row: any SQLRow) throws {
        self.init(
            tokenHash: try row.required("token_hash"),
            userID: UserID(try row.required("user_id")),
            familyID: try row.required("family_id"),
            createdAt: try row.timestamp("created_at"),
            expiresAt: try row.timestamp("expires_at"),
            consumedAt: try row.optionalTimestamp("consumed_at"),
            revokedAt: try row.optionalTimestamp("revoked_at")
        )
    }
}
