/// Sending, editing, deleting and reading 1:1 messages.
public struct MessagingService: Sendable {
    let messages: any MessageStore
    let pipeline: any MessagePipeline
    let friendships: FriendshipService
    let users: any UserStore
    let events: any EventBus
    let ids: IdentifierGenerator
    let clock: ChatClock
    let limits: ChatLimits
    /// Read and delivered marks, looked up and committed in batches.
    let receipts: GroupCommit<ReceiptRequest, [ReceiptOutcome?]>

    public init(
        messages: any MessageStore,
        pipeline: any MessagePipeline,
        friendships: FriendshipService,
        users: any UserStore,
        events: any EventBus,
        ids: IdentifierGenerator,
        clock: ChatClock = .system,
        limits: ChatLimits = .init()
    ) {
        self.messages = messages
        self.pipeline = pipeline
        self.friendships = friendships
        self.users = users
        self.events = events
        self.ids = ids
        self.clock = clock
        self.limits = limits
        // Concurrent marks share a look-up and a transaction: a client marks every message it receives as delivered, so
        // a query and a commit per mark would cost the store as much as the messages themselves.
        self.receipts = GroupCommit(maxBatchSize: 64) { [messages, clock] requests in
            try await Self.commit(requests, at: clock.now(), in: messages)
        }
    }

    /// Sends a text message. Returns once the message is durable; `created` is false when `clientMessageID` matched an
    /// earlier send, in which case nothing is delivered again.
    public func send(
        from sender: UserID,
        to recipient: UserID,
        text: String,
        clientMessageID: String?,
        origin: String? = nil
    ) async throws -> AppendOutcome {
        try validateBody(text)
        if let clientMessageID {
            guard !clientMessageID.isEmpty, clientMessageID.count <= limits.maxClientMessageIDLength,
                !clientMessageID.unicodeScalars.contains(where: { $0.value < 0x20 })
            else {
                throw ChatError.validation(
                    "clientMessageId must be 1 to \(limits.maxClientMessageIDLength) printable characters",
                    field: "clientMessageId"
                )
            }
        }
        try await checkCanMessage(sender, recipient)
        let (id, createdAt) = ids.nextMessageID(at: clock.now())
        let draft = Message(
            id: id,
            conversationID: ConversationID(sender, recipient),
            senderID: sender,
            recipientID: recipient,
            kind: .text,
            body: text,
            clientMessageID: clientMessageID,
            createdAt: createdAt
        )
        return try await submit(draft, origin: origin)
    }

    /// A draft of a file message from `sender` to `recipient` (the caller checked `checkCanMessage`). Its body is the
    /// file's name, so conversation previews and notifications have something to show.
    public func fileDraft(from sender: UserID, to recipient: UserID, file: FileAttachment) -> MessageDraft {
        let (id, createdAt) = ids.nextMessageID(at: clock.now())
        return Message(
            id: id,
            conversationID: ConversationID(sender, recipient),
            senderID: sender,
            recipientID: recipient,
            kind: .file,
            body: file.name,
            createdAt: createdAt,
            file: file
        )
    }

    /// Makes a draft durable through the pipeline and announces it when it is new: the one path every message takes.
    public func submit(_ draft: MessageDraft, origin: String? = nil) async throws -> AppendOutcome {
        let outcome = try await pipeline.submit(draft, origin: origin)
        guard outcome.message.conversationID == draft.conversationID else {
            throw ChatError.conflict("clientMessageId was already used for a message to someone else", field: "clientMessageId")
        }
        if outcome.created, !pipeline.announcesCreatedMessages {
            await events.announce(.messageCreated(outcome.message, origin: origin))
        }
        return outcome
    }

    /// Edits a message the caller sent.
    public func edit(_ caller: UserID, messageID: MessageID, text: String) async throws -> Message {
        try validateBody(text)
        let message = try await ownMessage(caller, messageID)
        guard message.deletedAt == nil else { throw ChatError.conflict("the message was deleted") }
        guard message.file == nil else { throw ChatError.conflict("a file message cannot be edited") }
        guard let edited = try await messages.edit(id: messageID, body: text, at: clock.now()) else {
            throw ChatError.conflict("the message was deleted")
        }
        await events.announce(.messageUpdated(edited))
        return edited
    }

    /// Deletes a message the caller sent, for both participants.
    public func delete(_ caller: UserID, messageID: MessageID) async throws -> Message {
        let message = try await ownMessage(caller, messageID)
        if message.deletedAt != nil { return message }
        guard let deleted = try await messages.delete(id: messageID, at: clock.now()) else { throw ChatError.notFound("message not found") }
        await events.announce(.messageDeleted(deleted))
        return deleted
    }

    /// A page of the caller's conversation with `peer`, newest first.
    public func history(_ caller: UserID, with peer: UserID, _ request: MessagePageRequest) async throws -> MessagePage {
        if caller != peer, try await users.user(id: peer) == nil { throw ChatError.notFound("user not found") }
        return try await messages.page(of: ConversationID(caller, peer), request)
    }

    /// The message if the caller takes part in its conversation.
    public func message(_ caller: UserID, _ id: MessageID) async throws -> Message? {
        guard let message = try await messages.message(id: id), message.involves(caller) else { return nil }
        return message
    }

    /// Marks every message from `peer` to the caller up to and including `upTo` as read.
    @discardableResult
    public func markRead(_ caller: UserID, peer: UserID, upTo messageID: MessageID) async throws -> Int {
        try await mark(.read, caller, peer: peer, upTo: messageID)
    }

    /// Marks every message from `peer` to the caller up to and including `upTo` as delivered.
    @discardableResult
    public func markDelivered(_ caller: UserID, peer: UserID, upTo messageID: MessageID) async throws -> Int {
        try await mark(.delivered, caller, peer: peer, upTo: messageID)
    }

    private func mark(_ kind: ReceiptMark.Kind, _ caller: UserID, peer: UserID, upTo messageID: MessageID) async throws -> Int {
        guard let changed = try await mark(kind, caller, peer: peer, upToEach: [messageID]).first, let changed else {
            throw ChatError.notFound("message not found in this conversation")
        }
        return changed
    }

    /// Marks the messages from `peer` to the caller up to each of `messageIDs` as read or delivered: a client's marks of
    /// one conversation that arrived together. One result per id: how many messages it changed, or nil when it names no
    /// message of the conversation. They are committed (in a batch with concurrent marks) as one mark up to the furthest
    /// of them, whose result counts every message changed, and announced once; the others changed nothing after it.
    public func mark(_ kind: ReceiptMark.Kind, _ caller: UserID, peer: UserID, upToEach messageIDs: [MessageID]) async throws -> [Int?] {
        guard !messageIDs.isEmpty else { return [] }
        let conversation = ConversationID(caller, peer)
        let outcomes = try await receipts.submit(ReceiptRequest(kind: kind, conversation: conversation, recipient: caller, upTo: messageIDs))
        if let furthest = outcomes.lazy.compactMap({ $0 }).first(where: { $0.changed > 0 }) {
            switch kind {
            case .read:
                await events.announce(
                    .messagesRead(conversation: conversation, reader: caller, sender: peer, upTo: furthest.upTo, at: furthest.time)
                )
            case .delivered:
                await events.announce(
                    .messagesDelivered(conversation: conversation, recipient: caller, sender: peer, upTo: furthest.upTo, at: furthest.time)
                )
            }
        }
        return outcomes.map { $0?.changed }
    }

    /// Looks up the messages a batch of requests names in one query, then applies one mark per request, up to the
    /// furthest of its messages that is in its conversation, in one store call, all at `time`. Per message named: the
    /// furthest's outcome, a change of nothing for the others of its conversation, nil for the rest. One time for the
    /// whole batch (taken as the batch starts, at or after each request's arrival) lets a SQL store set every mark with
    /// one value.
    static func commit(_ requests: [ReceiptRequest], at time: Timestamp, in messages: any MessageStore) async throws -> [[ReceiptOutcome?]] {
        var found: [MessageID: Message] = [:]
        for message in try await messages.messages(ids: requests.flatMap(\.upTo)) { found[message.id] = message }
        var marks: [ReceiptMark] = []
        marks.reserveCapacity(requests.count)
        // Per request: its messages in its conversation (nil for the others), and the index of the furthest.
        let named = requests.map { request -> (messages: [Message?], furthest: Int?) in
            let messages = request.upTo.map { id -> Message? in
                guard let message = found[id], message.conversationID == request.conversation else { return nil }
                return message
            }
            var furthest: (index: Int, cursor: MessageCursor)?
            for (index, message) in messages.enumerated() {
                guard let message, furthest.map({ $0.cursor < message.cursor }) ?? true else { continue }
                furthest = (index, message.cursor)
            }
            if let furthest {
                marks.append(ReceiptMark(request.kind, in: request.conversation, recipient: request.recipient, upTo: furthest.cursor, at: time))
            }
            return (messages, furthest?.index)
        }
        let changed = try await marks.isEmpty ? [] : messages.apply(marks)
        guard changed.count == marks.count else {
            throw ChatError(.internalError, "the message store returned \(changed.count) results for \(marks.count) marks")
        }
        var markIndex = 0
        return named.map { request in
            guard let furthest = request.furthest else { return request.messages.map { _ in nil } }
            defer { markIndex += 1 }
            return request.messages.enumerated().map { index, message in
                message.map { ReceiptOutcome(changed: index == furthest ? changed[markIndex] : 0, upTo: $0.cursor, time: time) }
            }
        }
    }

    public func conversations(_ caller: UserID, after cursor: ConversationCursor?, limit: Int) async throws -> [ConversationSummary] {
        try await messages.conversations(of: caller, after: cursor, limit: limit)
    }

    public func unreadCounts(_ caller: UserID) async throws -> [UserID: Int] {
        try await messages.unreadCounts(for: caller)
    }

    /// Throws unless `sender` may write to `recipient`.
    public func checkCanMessage(_ sender: UserID, _ recipient: UserID) async throws {
        guard sender != recipient else { throw ChatError.validation("you cannot message yourself") }
        // One query on the hot path: an accepted friendship implies both users exist (users are never deleted), so the
        // user lookup only decides which error a refusal gets.
        if try await friendships.canMessage(sender, recipient) { return }
        guard try await users.user(id: recipient) != nil else { throw ChatError.notFound("user not found") }
        throw ChatError.forbidden("you can only message friends who have not blocked you")
    }

    private func validateBody(_ text: String) throws {
        guard !text.trimmingSpaces().isEmpty else { throw ChatError.validation("text must not be empty", field: "text") }
        guard text.utf8.count <= limits.maxMessageBytes else {
            throw ChatError(.payloadTooLarge, "text must be at most \(limits.maxMessageBytes) bytes", field: "text")
        }
    }

    private func ownMessage(_ caller: UserID, _ id: MessageID) async throws -> Message {
        guard let message = try await messages.message(id: id), message.involves(caller) else {
            throw ChatError.notFound("message not found")
        }
        guard message.senderID == caller else { throw ChatError.forbidden("only the sender can change a message") }
        return message
    }
}

/// A read or delivered mark as a client asks for it: up to a message named by id.
/// Marks of one recipient, conversation and kind that arrived together, committed as one up to the furthest.
struct ReceiptRequest: Sendable {
    var kind: ReceiptMark.Kind
    var conversation: ConversationID
    var recipient: UserID
    var upTo: [MessageID]
}

/// What a committed mark did.
struct ReceiptOutcome: Sendable, Hashable {
    /// How many messages it changed.
    var changed: Int
    /// The position of the message it reached.
    var upTo: MessageCursor
    /// The time it set.
    var time: Timestamp
}
