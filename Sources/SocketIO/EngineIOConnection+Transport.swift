import NIOCore

extension EngineIOConnection {
    /// Handles a polling GET: answers at once or holds the request until there is something to send.
    func pollingGet() async -> EngineIOHTTPResponse {
        let now = ContinuousClock.now
        let result = self.update { $0.pollingGet(now: now) }
        switch result {
        case .respond(let packets): return .payload(packets)
        case .error(let error): return EngineIOHTTPResponse(error: error)
        case .wait: break
        }
        let packets = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[EngineIOPacket]?, Never>) in
                // A request cancelled before its waiter is stored found no waiter to resume in `onCancel`, so the check
                // of `Task.isCancelled` under the same lock ends it here instead of leaving it parked.
                let cancelled = self.state.withLock { state in
                    if let stashed = state.stashedPollResponse {
                        state.stashedPollResponse = nil
                        continuation.resume(returning: stashed)
                    } else if state.session.isClosed {
                        continuation.resume(returning: [EngineIOPacket(.close)])
                    } else if Task.isCancelled {
                        continuation.resume(returning: nil)
                        return true
                    } else {
                        state.pollWaiter = continuation
                    }
                    return false
                }
                if cancelled { self.apply { $0.pollingGetAborted() } }
            }
        } onCancel: {
            let waiter = self.state.withLock { state in
                let waiter = state.pollWaiter
                state.pollWaiter = nil
                return waiter
            }
            if let waiter {
                waiter.resume(returning: nil)
                self.apply { $0.pollingGetAborted() }
            }
        }
        guard let packets else { return EngineIOHTTPResponse(error: .emptyBadRequest) }
        return .payload(packets)
    }

    /// Handles a polling POST; `readBody` collects at most `limit` bytes and returns `nil` when the body is larger.
    func pollingPost(
        isBinaryContentType: Bool,
        maxPayload: Int,
        readBody: () async throws -> ByteBuffer?
    ) async -> EngineIOHTTPResponse {
        if let error = self.update({ $0.pollingPostBegan() }) {
            return EngineIOHTTPResponse(error: error)
        }
        let body: ByteBuffer?
        do {
            body = try await readBody()
        } catch {
            body = nil
        }
        let now = ContinuousClock.now
        if let error = self.update({ $0.pollingPost(body: body, isBinaryContentType: isBinaryContentType, now: now) }) {
            return EngineIOHTTPResponse(error: error)
        }
        return EngineIOHTTPResponse(status: 200, contentType: "text/html", body: "ok")
    }

    /// Attaches the WebSocket of a new WebSocket-only session and queues its `open` packet.
    func attachInitialWebSocket() -> EngineIOWebSocketOutbox {
        let outbox = EngineIOWebSocketOutbox(capacity: self.capacity)
        self.state.withLock { $0.active = outbox }
        self.apply { $0.start() }
        return outbox
    }

    /// Attaches a WebSocket that wants to upgrade this session; `nil` if it must be closed at once.
    func attachProbeWebSocket() -> EngineIOWebSocketOutbox? {
        let now = ContinuousClock.now
        let outbox = EngineIOWebSocketOutbox(capacity: self.capacity)
        let accepted = self.state.withLock { state in
            guard state.session.upgradeWebSocketOpened(now: now) else { return false }
            state.probe = outbox
            return true
        }
        return accepted ? outbox : nil
    }

    /// A message arrived on the WebSocket that owns `outbox`.
    public func webSocketReceived(_ message: EngineIOData, on outbox: EngineIOWebSocketOutbox) {
        let now = ContinuousClock.now
        let packet: EngineIOPacket
        switch message {
        case .binary(let buffer):
            packet = EngineIOPacket(binary: buffer)
        case .text(let text):
            guard let decoded = try? EngineIOPacket(decodingText: text) else {
                self.apply { $0.transportClosed(reason: .parseError) }
                return
            }
            packet = decoded
        }
        let role = self.role(of: outbox)
        switch role {
        case .active: self.apply { $0.webSocketReceived(packet, now: now) }
        case .probe: self.apply { $0.probeReceived(packet, now: now) }
        case .none: outbox.finish()
        }
    }

    /// The WebSocket that owns `outbox` closed or failed.
    public func webSocketClosed(_ outbox: EngineIOWebSocketOutbox, reason: EngineIOCloseReason = .transportClose) {
        switch self.role(of: outbox) {
        case .active: self.apply { $0.transportClosed(reason: reason) }
        case .probe:
            self.state.withLock { state in
                state.session.probeClosed()
                state.probe = nil
            }
        case .none: break
        }
        outbox.cancel()
    }

    private enum Role { case active, probe, none }

    private func role(of outbox: EngineIOWebSocketOutbox) -> Role {
        self.state.withLock { state in
            if state.active === outbox { return .active }
            if state.probe === outbox { return .probe }
            return .none
        }
    }
}
