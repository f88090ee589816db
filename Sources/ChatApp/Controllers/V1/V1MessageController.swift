import ChatCore
import Foundation
import Hummingbird

/// R7–R12 of the original API: conversation pages, unread counts, friend requests and sending.
struct V1MessageController {
    /// The original's fixed conversation page size.
    static let pageSize = 15

    let dependencies: V1Dependencies

    func register(on routes: RouteBuilder) {
        let deps = dependencies
        // R7: 15 messages newest first, keyset-paged on (created_at, id) by `timestamp` + `messageId`.
        routes.on(.get, "showConversation") { request, context in
            let me = try context.requireUserID()
            let query = request.uri.queryParameters
            guard let first = V1Input.nonBlank(query.get("userId1")), let second = V1Input.nonBlank(query.get("userId2")) else {
                throw V1Error(.badRequest, "Both userId1 and userId2 are required")
            }
            try V1Input.requireCaller(first, is: me, field: "userId1")
            let peer = try V1Input.userID(second, field: "userId2")
            var anchor = MessagePageRequest.Anchor.latest
            if let messageID = V1Input.nonBlank(query.get("messageId")) {
                anchor = .before(try await cursor(deps, me: me, messageID: messageID, timestamp: query.get("timestamp")))
            }
            let page = try await deps.api.messaging.history(me, with: peer, MessagePageRequest(anchor: anchor, limit: Self.pageSize))
            let response = JSONResponse.make(page.messages.map { V1MessageRowDTO($0, links: deps.api.fileLinks) })
            // The original's side effect: opening the chat marks the peer's messages to the caller as read (and delivered).
            if anchor == .latest, me != peer, let newest = page.messages.first(where: { $0.recipientID == me && $0.readAt == nil }) {
                try await deps.api.messaging.markRead(me, peer: peer, upTo: newest.id)
            }
            return response
        }
        // R8: unread counts by sender.
        routes.on(.get, "getUnreadMessages") { request, context in
            let me = try context.requireUserID()
            guard let userID = V1Input.nonBlank(request.uri.queryParameters.get("userId")) else {
                throw V1Error(.badRequest, "userId is required to fetch messages")
            }
            try V1Input.requireCaller(userID, is: me, field: "userId")
            let counts = try await deps.api.messaging.unreadCounts(me)
            let rows = counts.filter { $0.value > 0 }.sorted { $0.key < $1.key }
            return JSONResponse.make(rows.map { V1UnreadRowDTO(senderID: $0.key.rawValue, unreadCount: $0.value) })
        }
        // R9: the caller (`user_id`) asks `friend_id`.
        routes.on(.post, "sendFriendRequest") { request, context in
            let me = try context.requireUserID()
            let (_, friend) = try await friendBody(deps, request, me: me)
            do {
                try await deps.api.friends.sendRequest(from: me, to: friend)
            } catch let error as ChatError where error.code == .conflict {
                throw V1Error(.badRequest, "Friendship already exists")
            }
            return JSONResponse.make(V1MessageDTO(message: "Friend request sent successfully"))
        }
        // R10: the caller (`user_id`) accepts the request of `friend_id`.
        routes.on(.post, "acceptFriendRequest") { request, context in
            let me = try context.requireUserID()
            let (_, requester) = try await friendBody(deps, request, me: me)
            do {
                try await deps.api.friends.accept(me, requestFrom: requester)
            } catch let error as ChatError where [ChatError.Code.conflict, .notFound, .validationFailed, .invalidRequest].contains(error.code) {
                throw V1Error(.badRequest, "No pending friend request to accept")
            }
            return JSONResponse.make(V1MessageDTO(message: "Friend request accepted"))
        }
        // R11: a text message, durable before the 200 (the original answered before saving).
        routes.on(.post, "saveMessage") { request, context in
            let me = try context.requireUserID()
            let body = try await deps.decode(V1SaveMessageBody.self, from: request)
            guard let sender = V1Input.nonBlank(body.senderID), let receiver = V1Input.nonBlank(body.receiverID),
                let content = body.content, V1Input.nonBlank(content) != nil
            else {
                throw V1Error(
                    .badRequest,
                    "sender_id or receiver_id or content is missing --- sender_id: \(body.senderID ?? "undefined"), "
                        + "receiver_id: \(body.receiverID ?? "undefined"), content: \(body.content ?? "undefined")"
                )
            }
            try V1Input.requireCaller(sender, is: me, field: "sender_id")
            let recipient = try V1Input.userID(receiver, field: "receiver_id")
            let outcome = try await deps.api.messaging.send(from: me, to: recipient, text: content, clientMessageID: nil)
            return JSONResponse.make(V1MessagePayloadDTO(message: outcome.message))
        }
        // R12: the same streamed upload as v2; `sender_id` must be the caller, `receiver_id` a friend. The files are
        // stored while the body streams, so the fields are checked once it ended and the files are removed on a refusal.
        routes.on(.post, "fileUpload") { request, context in
            let me = try context.requireUserID()
            let files = deps.api.files
            let upload: (files: [StagedFile], fields: [String: String])
            do {
                upload = try await FileUpload(files: files).receive(request, uploader: me)
            } catch let error as ChatError where error.code == .unsupportedMediaType {
                throw V1Error(.badRequest, "Unsupported or unknown file type")
            }
            let messages: [Message]
            do {
                guard let sender = V1Input.nonBlank(upload.fields["sender_id"]), let receiver = V1Input.nonBlank(upload.fields["receiver_id"]) else {
                    throw V1Error(.badRequest, "Missing file or sender_id or receiver_id")
                }
                try V1Input.requireCaller(sender, is: me, field: "sender_id")
                let recipient = try V1Input.userID(receiver, field: "receiver_id")
                guard !upload.files.isEmpty else { return JSONResponse.make(V1FileMessagesDTO(messages: [])) }
                messages = try await files.send(from: me, to: recipient, upload.files)
            } catch let error as V1Error {
                await files.discard(upload.files)
                throw error
            }
            return JSONResponse.make(V1FileMessagesDTO(messages: messages.map { V1FilePayloadDTO($0, links: deps.api.fileLinks) }))
        }
    }
}

/// R9/R10's body: `user_id` must be the caller, `friend_id` the other user.
private func friendBody(_ deps: V1Dependencies, _ request: Request, me: UserID) async throws -> (UserID, UserID) {
    let body = try await deps.decode(V1FriendBody.self, from: request)
    guard let userID = V1Input.nonBlank(body.userID) else { throw V1Error(.badRequest, "Empty user_id") }
    guard let friendID = V1Input.nonBlank(body.friendID) else { throw V1Error(.badRequest, "Empty friend_id") }
    try V1Input.requireCaller(userID, is: me, field: "user_id")
    return (me, try V1Input.userID(friendID, field: "friend_id"))
}

/// The keyset cursor of R7's `timestamp` + `messageId`. Without a valid `timestamp` the message's own `created_at`
/// is used, found only among the caller's messages.
private func cursor(_ deps: V1Dependencies, me: UserID, messageID: String, timestamp: String?) async throws -> MessageCursor {
    let id = MessageID(messageID)
    if let timestamp = V1Input.nonBlank(timestamp), let time = Timestamp(iso8601: timestamp) {
        return MessageCursor(createdAt: time, id: id)
    }
    guard let message = try await deps.api.messaging.message(me, id) else { throw V1Error(.badRequest, "Invalid timestamp or messageId") }
    return message.cursor
}
