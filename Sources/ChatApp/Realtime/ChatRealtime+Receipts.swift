import ChatCore
import SocketIO

extension ChatRealtime {
    /// The receipt events and the mark each one sets.
    static let receiptEvents: [(String, ReceiptMark.Kind)] = [("mark_delivered", .delivered), ("mark_read", .read)]

    /// `mark_delivered {peer | conversationId, upTo}` and `mark_read {…}` → `{ok, updated}`.
    ///
    /// A client marks every message it receives, and its events are handled in order, so its marks can queue up faster
    /// than they are committed, and its sends wait behind them. Marks of one conversation and kind that wait in a
    /// client's queue are therefore handled together (`onCoalesced`): one mark up to the furthest, one commit, one
    /// announcement. Each still gets its ack: the furthest counts every message changed, the others 0.
    func installReceipts() {
        for (event, kind) in Self.receiptEvents {
            let counted = metrics.event(event)
            namespace.onCoalesced(event, key: Self.receiptKey) { socket, calls in
                await self.mark(kind, counted: counted, calls, on: socket)
            }
        }
    }

    /// Marks of one conversation share a key; a payload that names none is handled alone (and refused).
    @Sendable static func receiptKey(_ arguments: [JSONValue]) -> String? {
        guard case .object(let payload)? = arguments.first else { return nil }
        if case .string(let peer)? = payload["peer"] { return "p:" + peer }
        if payload["peer"] == nil, case .string(let conversation)? = payload["conversationId"] { return "c:" + conversation }
        return nil
    }

    private func mark(_ kind: ReceiptMark.Kind, counted: EventMetrics, _ calls: [SocketIOEventCall], on socket: SocketIOSocket) async {
        func fail(_ call: SocketIOEventCall, _ error: ChatError) {
            counted.answered(error: error.code)
            call.ack.reply([RealtimePayload.failure(error)])
        }
        guard let user = sessions.user(of: socket.id) else {
            for call in calls { fail(call, .unauthenticated("not connected")) }
            return
        }
        // Every call is checked on its own; the ones that pass share the peer (they share the key).
        var peer: UserID?
        var marks: [(call: SocketIOEventCall, upTo: MessageID)] = []
        for call in calls {
            guard sessions.allowEvent(socket.id) else {
                fail(call, ChatError(.rateLimited, "too many events; slow down"))
                continue
            }
            do {
                let request = RealtimeRequest(socket: socket, user: user, arguments: call.arguments)
                let payload = try request.payload()
                peer = try self.peer(payload, user)
                marks.append((call, try messageID(payload, "upTo")))
            } catch {
                fail(call, chatError(error, event: counted.name))
            }
        }
        guard let peer, !marks.isEmpty else { return }
        do {
            let changed = try await messaging.mark(kind, user, peer: peer, upToEach: marks.map(\.upTo))
            for (mark, changed) in zip(marks, changed) {
                guard let changed else {
                    fail(mark.call, .notFound("message not found in this conversation"))
                    continue
                }
                counted.answered(error: nil)
                mark.call.ack.reply([RealtimePayload.ok(["updated": .number(Double(changed))])])
            }
        } catch {
            let failure = chatError(error, event: counted.name)
            for mark in marks { fail(mark.call, failure) }
        }
    }

    /// What the client is told of `error`: itself if it is a `ChatError`, else a logged internal error.
    private func chatError(_ error: any Error, event: String) -> ChatError {
        if let error = error as? ChatError { return error }
        logger.error("socket event failed", metadata: ["sio.event": "\(event)", "error": "\(error)"])
        return ChatError(.internalError, "internal error")
    }
}
