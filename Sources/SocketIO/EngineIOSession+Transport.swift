import NIOCore

extension EngineIOSession {
    /// A polling GET arrived.
    public mutating func pollingGet(now: ContinuousClock.Instant) -> (EngineIOPollResult, EngineIOSessionActions) {
        var actions = EngineIOSessionActions()
        guard !self.isClosed else { return (.error(.unknownSID), actions) }
        guard self.transport == .polling else { return (.error(.badRequest), actions) }
        if self.getPending {
            self.close(reason: .transportError, pollPacket: EngineIOPacket(.close), into: &actions)
            return (.error(.emptyBadRequest), actions)
        }
        if !self.outbound.isEmpty {
            let packets = Array(self.outbound)
            self.outbound.removeAll()
            return (.respond(packets), actions)
        }
        if case .probing(_, true) = self.upgrade {
            return (.respond([EngineIOPacket(.noop)]), actions)
        }
        self.getPending = true
        return (.wait, actions)
    }

    /// The held GET went away without being answered (client aborted): the session closes.
    public mutating func pollingGetAborted() -> EngineIOSessionActions {
        var actions = EngineIOSessionActions()
        guard self.getPending, !self.isClosed else { return actions }
        self.getPending = false
        self.close(reason: .transportClose, pollPacket: nil, into: &actions)
        return actions
    }

    /// A polling POST started; returns an error if one is already in flight (the session then closes).
    public mutating func pollingPostBegan() -> (EngineIOHTTPError?, EngineIOSessionActions) {
        var actions = EngineIOSessionActions()
        guard !self.isClosed else { return (.unknownSID, actions) }
        guard self.transport == .polling else { return (.badRequest, actions) }
        if self.postPending {
            self.close(reason: .transportError, pollPacket: EngineIOPacket(.close), into: &actions)
            return (.emptyBadRequest, actions)
        }
        self.postPending = true
        return (nil, actions)
    }

    /// A polling POST body arrived (after ``pollingPostBegan()``).
    ///
    /// - Parameter body: the body, or `nil` when it exceeded `maxPayload` (answered 413) or was not text.
    public mutating func pollingPost(
        body: ByteBuffer?,
        isBinaryContentType: Bool = false,
        now: ContinuousClock.Instant
    ) -> (EngineIOHTTPError?, EngineIOSessionActions) {
        var actions = EngineIOSessionActions()
        self.postPending = false
        guard !self.isClosed else { return (.unknownSID, actions) }
        guard let body else {
            self.close(reason: .transportError, pollPacket: EngineIOPacket(.close), into: &actions)
            return (.payloadTooLarge, actions)
        }
        guard !isBinaryContentType, let packets = try? EngineIOPayload.decode(body) else {
            self.close(reason: .parseError, pollPacket: EngineIOPacket(.close), into: &actions)
            return (.emptyBadRequest, actions)
        }
        for packet in packets where !self.isClosed {
            self.receive(packet, now: now, into: &actions)
        }
        return (nil, actions)
    }

    /// A packet arrived on the active WebSocket.
    public mutating func webSocketReceived(_ packet: EngineIOPacket, now: ContinuousClock.Instant) -> EngineIOSessionActions {
        var actions = EngineIOSessionActions()
        guard !self.isClosed else { return actions }
        self.receive(packet, now: now, into: &actions)
        return actions
    }

    /// The active transport's connection closed or failed (WebSocket closed, undecodable frame).
    public mutating func transportClosed(reason: EngineIOCloseReason = .transportClose) -> EngineIOSessionActions {
        var actions = EngineIOSessionActions()
        self.close(reason: reason, pollPacket: EngineIOPacket(.close), into: &actions)
        return actions
    }

    /// A WebSocket opened with this session's id. Returns `false` if it must be closed at once (already upgraded, or an
    /// upgrade in progress, or upgrades disabled).
    public mutating func upgradeWebSocketOpened(now: ContinuousClock.Instant) -> Bool {
        guard !self.isClosed, self.transport == .polling, case .none = self.upgrade, self.configuration.allowUpgrades else { return false }
        self.upgrade = .probing(deadline: now + self.configuration.upgradeTimeout, probed: false)
        return true
    }

    /// A packet arrived on the probing WebSocket.
    public mutating func probeReceived(_ packet: EngineIOPacket, now: ContinuousClock.Instant) -> EngineIOSessionActions {
        var actions = EngineIOSessionActions()
        guard !self.isClosed, case .probing(let deadline, _) = self.upgrade else {
            actions.closeProbe = true
            return actions
        }
        switch (packet.type, packet.data) {
        case (.ping, .text("probe")):
            self.upgrade = .probing(deadline: deadline, probed: true)
            actions.probePackets = [EngineIOPacket(.pong, "probe")]
            if self.getPending {
                self.getPending = false
                actions.pollResponse = [EngineIOPacket(.noop)]
            }
        case (.upgrade, _):
            self.upgrade = .done
            self.transport = .websocket
            actions.promoteProbe = true
            if self.getPending {
                self.getPending = false
                actions.pollResponse = [EngineIOPacket(.noop)]
            }
            self.flush(into: &actions)
        default:
            self.upgrade = .none
            actions.closeProbe = true
        }
        return actions
    }

    /// The probing WebSocket closed before the upgrade completed; polling continues.
    public mutating func probeClosed() {
        if case .probing = self.upgrade { self.upgrade = .none }
    }

    mutating func receive(_ packet: EngineIOPacket, now: ContinuousClock.Instant, into actions: inout EngineIOSessionActions) {
        switch packet.type {
        case .pong:
            self.heartbeat = .pingDue(now + self.configuration.pingInterval)
        case .message:
            actions.received.append(packet.data)
        case .close:
            self.close(reason: .transportClose, pollPacket: EngineIOPacket(.noop), into: &actions)
        case .ping:
            // v4: only the server pings ("invalid heartbeat direction").
            self.close(reason: .parseError, pollPacket: EngineIOPacket(.close), into: &actions)
        case .open, .upgrade, .noop:
            break
        }
    }
}
