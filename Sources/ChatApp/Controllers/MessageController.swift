import ChatCore
import Hummingbird

/// Conversations and messages under `/api/v2`.
struct MessageController {
    let dependencies: APIDependencies

    func register(on routes: RouteBuilder) {
        let deps = dependencies
        routes.on(.get, "conversations") { request, context in
            let me = try context.requireUserID()
            let cursor = try request.uri.queryParameters.get("cursor").map { try Cursor.conversationCursor($0) }
            let limit = try deps.pageSize(request)
            let summaries = try await deps.messaging.conversations(me, after: cursor, limit: limit)
            let users = try await deps.usersByID(summaries.map(\.peerID))
            let dtos = summaries.map { summary in
                ConversationDTO(
                    id: summary.id.rawValue,
                    peer: users[summary.peerID].map { UserDTO($0) },
                    peerId: summary.peerID.rawValue,
                    lastMessage: MessageDTO(summary.lastMessage),
                    unreadCount: summary.unreadCount
                )
            }
            let next =
                summaries.count == limit
                ? summaries.last.map { Cursor.encode(ConversationCursor(lastMessageAt: $0.lastMessage.createdAt, conversationID: $0.id)) } : nil
            return JSONResponse.make(ConversationPageDTO(conversations: dtos, nextCursor: next))
        }
        routes.on(.get, "conversations/{userId}/messages") { request, context in
            let me = try context.requireUserID()
            let peer = try context.pathUserID()
            let query = request.uri.queryParameters
            let limit = try deps.pageSize(request)
            let anchor: MessagePageRequest.Anchor
            switch (query.get("before"), query.get("after")) {
            case (nil, nil): anchor = .latest
            case (let before?, nil): anchor = .before(try await cursor(before, field: "before", me: me, peer: peer))
            case (nil, let after?): anchor = .after(try await cursor(after, field: "after", me: me, peer: peer))
            default: throw ChatError.invalidRequest("use either before or after, not both", field: "before")
            }
            let page = try await deps.messaging.history(me, with: peer, MessagePageRequest(anchor: anchor, limit: limit))
            let edge: Message?
            if case .after = anchor { edge = page.messages.first } else { edge = page.messages.last }
            let dto = MessagePageDTO(
                messages: page.messages.map(MessageDTO.init),
                nextCursor: page.hasMore ? edge.map { Cursor.encode($0.cursor) } : nil,
                hasMore: page.hasMore
            )
            return JSONResponse.make(dto)
        }
        routes.on(.post, "conversations/{userId}/messages") { request, context in
            let me = try context.requireUserID()
            let peer = try context.pathUserID()
            let body = try await deps.decode(SendMessageDTO.self, from: request)
            let outcome = try await deps.messaging.send(from: me, to: peer, text: body.text, clientMessageID: body.clientMessageId)
            return JSONResponse.make(MessageEnvelope(message: MessageDTO(outcome.message)), status: outcome.created ? .created : .ok)
        }
        routes.on(.post, "conversations/{userId}/read") { request, context in
            let me = try context.requireUserID()
            let peer = try context.pathUserID()
            let body = try await deps.decode(MarkReadDTO.self, from: request)
            let updated = try await deps.messaging.markRead(me, peer: peer, upTo: try messageID(body.upTo, field: "upTo"))
            return JSONResponse.make(MarkReadResultDTO(updated: updated))
        }
        routes.on(.patch, "messages/{messageId}") { request, context in
            let me = try context.requireUserID()
            let id = try messageID(context.parameters.get("messageId") ?? "", field: "messageId", notFound: true)
            let body = try await deps.decode(EditMessageDTO.self, from: request)
            return JSONResponse.make(MessageEnvelope(message: MessageDTO(try await deps.messaging.edit(me, messageID: id, text: body.text))))
        }
        routes.on(.delete, "messages/{messageId}") { _, context in
            let me = try context.requireUserID()
            let id = try messageID(context.parameters.get("messageId") ?? "", field: "messageId", notFound: true)
            return JSONResponse.make(MessageEnvelope(message: MessageDTO(try await deps.messaging.delete(me, messageID: id))))
        }

        /// A paging anchor: an opaque cursor from an earlier page, or the id of a message in this conversation.
        @Sendable func cursor(_ text: String, field: String, me: UserID, peer: UserID) async throws -> MessageCursor {
            if let cursor = Cursor.messageCursor(text) { return cursor }
            let id = try messageID(text, field: field)
            guard let message = try await deps.messaging.message(me, id), message.conversationID == ConversationID(me, peer) else {
                throw Cursor.invalid(field)
            }
            return message.cursor
        }

        @Sendable func messageID(_ text: String, field: String, notFound: Bool = false) throws -> MessageID {
            guard !text.isEmpty, text.utf8.count <= 64, text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 }) else {
                throw notFound ? ChatError.notFound("message not found") : ChatError.invalidRequest("\(field) is not a message id", field: field)
            }
            return MessageID(text)
        }
    }
}
