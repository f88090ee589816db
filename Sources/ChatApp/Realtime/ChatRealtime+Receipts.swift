import ChatCore
import SocketIO

extension ChatRealtime {
    /// `mark_delivered {peer | conversationId, upTo}` and `mark_read {…}` → `{ok, updated}`.
    ///
    /// A client marks every message it receives, and its events are handled in order, so its marks can queue up faster
    /// than they are committed, and its sends wait behind them. Marks of one conversation and kind that wait in a
    /// client's queue are therefore handled together (`onCoalesced`): one mark up to the furthest, one commit, one
    /// announcement. Each still gets its ack: the furthest counts every message changed, the others 0.
    func installReceipts() {
        for (event, kind) in [("mark_delivered", ReceiptMark.Kind.delivered), ("mark_read", .read)] {
            namespace.onCoalesced(event, key: Self.receiptKey) { socket, calls in
                await self.mark(kind, calls, on: socket)
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

    private func mark(_ kind: ReceiptMark.Kind, _ calls: [SocketIOEventCall], on socket: SocketIOSocket) async {
        guard let user = sessions.user(of: socket.id) else {
            for call in calls { call.ack.reply([RealtimePayload.failure(.unauthenticated("not connected"))]) }
            return
        }
        // Every call is checked on its own; the ones that pass share the peer (they share the key).
        var peer: UserID?
        var marks: [(call: SocketIOEventCall, upTo: MessageID)] = []
        for call in calls {
            guard sessions.allowEvent(socket.id) else {
                call.ack.reply([RealtimePayload.failure(ChatError(.rateLimited, "too many events; slow down"))])
                continue
            }
            do {
                let request = RealtimeRequest(socket: socket, user: user, arguments: call.arguments)
                let payload = try request.payload()
                peer = try self.peer(payload, user)
                marks.append((call, try messageID(payload, "upTo")))
            } catch {
                call.ack.reply([reply(to: error, event: kind)])
            }
        }
        guard let peer, !marks.isEmpty else { return }
        do {
            let changed = try await messaging.mark(kind, user, peer: peer, upToEach: marks.map(\.upTo))
            for (mark, changed) in zip(marks, changed) {
                guard let changed else {
                    mark.call.ack.reply([RealtimePayload.failure(.notFound("message not found in this conversation"))])
                    continue
                }
                mark.call.ack.reply([RealtimePayload.ok(["updated": .number(Double(changed))])])
            }
        } catch {
            let failure = reply(to: error, event: kind)
            for mark in marks { mark.call.ack.reply([failure]) }
        }
    }

    private func reply(to error: any Error, event kind: ReceiptMark.Kind) -> JSONValue {
        if let error = error as? ChatError { return RealtimePayload.failure(error) }
        logger.error("socket event failed", metadata: ["sio.event": "mark_\(kind.rawValue)", "error": "\(error)"])
        return RealtimePayload.failure(ChatError(.internalError, "internal error"))
    }
}
