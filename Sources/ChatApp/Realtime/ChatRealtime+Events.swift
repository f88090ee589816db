import ChatCore
import SocketIO

extension ChatRealtime {
    typealias EventHandler = @Sendable (ChatRealtime) -> @Sendable (RealtimeRequest) async throws -> JSONValue

    /// Every client → server event, each answered with `{ok: true, …}` or `{ok: false, error: {code, message}}`.
    static let eventHandlers: [(String, EventHandler)] =
        [
            ("send_message", { $0.sendMessage }),
            ("edit_message", { $0.editMessage }),
            ("delete_message", { $0.deleteMessage }),
            ("typing", { $0.typing }),
            ("sync", { $0.syncChanges }),
            ("register", { _ in { _ in RealtimePayload.ok() } }),
        ]

    /// `send_message {to, text, clientMessageId}` → `{ok, message}` once the message is durable.
    func sendMessage(_ request: RealtimeRequest) async throws -> JSONValue {
        let payload = try request.payload()
        let to = try userID(payload, "to")
        let outcome = try await messaging.send(
            from: request.user,
            to: to,
            text: try payload.requiredString("text", maxBytes: 1024 * 1024),
            clientMessageID: try payload.string("clientMessageId", required: false, maxBytes: 1024),
            origin: request.socket.id
        )
        // The reply of every message sent: one object, with `ok` in it from the start.
        return ["message": RealtimePayload.message(outcome.message, links: fileLinks), "created": .bool(outcome.created), "ok": .bool(true)]
    }

    /// `edit_message {id, text}` → `{ok, message}`.
    func editMessage(_ request: RealtimeRequest) async throws -> JSONValue {
        let payload = try request.payload()
        let edited = try await messaging.edit(
            request.user,
            messageID: try messageID(payload, "id"),
            text: try payload.requiredString("text", maxBytes: 1024 * 1024)
        )
        return RealtimePayload.ok(["message": RealtimePayload.message(edited, links: fileLinks)])
    }

    /// `delete_message {id}` → `{ok, message}` (the tombstone).
    func deleteMessage(_ request: RealtimeRequest) async throws -> JSONValue {
        let deleted = try await messaging.delete(request.user, messageID: try messageID(try request.payload(), "id"))
        return RealtimePayload.ok(["message": RealtimePayload.message(deleted, links: fileLinks)])
    }

    /// `typing {to, isTyping}`: relayed to the other user's devices as `typing {userId, isTyping}`; friends only.
    func typing(_ request: RealtimeRequest) async throws -> JSONValue {
        let payload = try request.payload()
        let to = try userID(payload, "to")
        let isTyping = payload["isTyping"]?.boolValue ?? true
        guard try await friends.canMessage(request.user, to) else { throw ChatError.forbidden("you can only message friends") }
        await events.announce(.typing(from: request.user, to: to, isTyping: isTyping))
        return RealtimePayload.ok()
    }

    /// `sync {since?, limit?}` → `{ok, messages, friendships, cursor, hasMore}`.
    func syncChanges(_ request: RealtimeRequest) async throws -> JSONValue {
        let payload = request.arguments.first?.objectValue ?? [:]
        var cursor = SyncCursor()
        if let since = try payload.string("since", required: false, maxBytes: 1024) {
            guard let parsed = RealtimePayload.syncCursor(from: since) else { throw Cursor.invalid("since") }
            cursor = parsed
        }
        let limit = payload["limit"]?.intValue ?? limits.syncPageSize
        guard (1...1000).contains(limit) else { throw ChatError.validation("limit must be between 1 and 1000", field: "limit") }
        let page = try await sync.sync(request.user, after: cursor, limit: limit)
        return RealtimePayload.ok([
            "messages": .array(page.messages.map { RealtimePayload.message($0, links: fileLinks) }),
            "friendships": .array(page.friendships.map { RealtimePayload.friendship($0, for: request.user) }),
            "cursor": .string(RealtimePayload.syncCursor(page.cursor)),
            "hasMore": .bool(page.hasMore),
        ])
    }

    private func userID(_ payload: JSONObject, _ key: String) throws -> UserID {
        let value = try payload.requiredString(key, maxBytes: 128)
        guard !value.isEmpty, !value.unicodeScalars.contains(where: { $0.value < 0x21 || $0 == ":" }) else {
            throw ChatError.validation("'\(key)' is not a user id", field: key)
        }
        return UserID(value)
    }

    /// The other participant: `peer`, or the other side of a `conversationId`.
    func peer(_ payload: JSONObject, _ me: UserID) throws -> UserID {
        if payload["peer"] != nil { return try userID(payload, "peer") }
        let conversation = try payload.requiredString("conversationId", maxBytes: 300)
        let parts = conversation.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.contains(where: { $0 == me.rawValue }) else {
            throw ChatError.notFound("conversation not found")
        }
        return UserID(String(parts[0] == me.rawValue ? parts[1] : parts[0]))
    }

    func messageID(_ payload: JSONObject, _ key: String) throws -> MessageID {
        let value = try payload.requiredString(key, maxBytes: 64)
        guard !value.isEmpty, value.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 }) else {
            throw ChatError.invalidRequest("'\(key)' is not a message id", field: key)
        }
        return MessageID(value)
    }
}
