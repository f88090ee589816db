import DequeModule

/// What the transport layer must do after an ``EngineIOSession`` event.
public struct EngineIOSessionActions: Sendable {
    /// Complete the pending polling GET with these packets.
    public var pollResponse: [EngineIOPacket]?
    /// Write these packets on the active WebSocket.
    public var webSocketPackets: [EngineIOPacket] = []
    /// Write these packets on the WebSocket that is probing for an upgrade.
    public var probePackets: [EngineIOPacket] = []
    /// Close the probing WebSocket (upgrade failed or timed out).
    public var closeProbe = false
    /// The probing WebSocket is now the active transport.
    public var promoteProbe = false
    /// Application messages received, in order.
    public var received: [EngineIOData] = []
    /// The session ended for this reason: forget it and close its transports after writing the packets above.
    public var closed: EngineIOCloseReason?

    /// No action.
    public init() {}
}

/// The answer to a polling GET.
public enum EngineIOPollResult: Sendable, Hashable {
    /// Answer now with these packets.
    case respond([EngineIOPacket])
    /// Hold the request until ``EngineIOSessionActions/pollResponse`` is set.
    case wait
    /// Answer with this error.
    case error(EngineIOHTTPError)
}

/// The Engine.IO v4 session state machine: polling rules, heartbeat, upgrade and close.
///
/// It does no I/O and reads no clock: every event takes the current time and returns the actions to perform.
public struct EngineIOSession: Sendable {
    enum Heartbeat: Sendable {
        case pingDue(ContinuousClock.Instant)
        case awaitingPong(ContinuousClock.Instant)
    }

    enum Upgrade: Sendable {
        case none
        /// A WebSocket is open for this session, waiting for `2probe` / `5`.
        case probing(deadline: ContinuousClock.Instant, probed: Bool)
        case done
    }

    /// The session id.
    public let sid: String
    /// The active transport.
    public internal(set) var transport: EngineIOTransport
    /// Whether the session has ended.
    public internal(set) var isClosed = false
    let configuration: EngineIOConfiguration
    var outbound: Deque<EngineIOPacket> = []
    var getPending = false
    var postPending = false
    var heartbeat: Heartbeat
    var upgrade: Upgrade = .none

    /// Creates a session and queues its `open` packet.
    public init(sid: String, transport: EngineIOTransport, now: ContinuousClock.Instant, configuration: EngineIOConfiguration) {
        self.sid = sid
        self.transport = transport
        self.configuration = configuration
        self.heartbeat = .pingDue(now + configuration.pingInterval)
        self.outbound.append(EngineIOPacket(.open, configuration.openPayload(sid: sid, transport: transport)))
    }

    /// Whether a polling GET is being held.
    public var isPollPending: Bool { self.getPending }

    /// Whether an upgrade WebSocket is open but not yet promoted.
    public var isUpgrading: Bool {
        if case .probing = self.upgrade { return true }
        return false
    }

    /// The next instant ``tick(now:)`` has work to do.
    public var nextDeadline: ContinuousClock.Instant? {
        guard !self.isClosed else { return nil }
        var deadline: ContinuousClock.Instant
        switch self.heartbeat {
        case .pingDue(let instant), .awaitingPong(let instant): deadline = instant
        }
        if case .probing(let upgradeDeadline, _) = self.upgrade { deadline = min(deadline, upgradeDeadline) }
        return deadline
    }

    /// Starts the session: on WebSocket, the `open` packet is written.
    public mutating func start() -> EngineIOSessionActions {
        var actions = EngineIOSessionActions()
        self.flush(into: &actions)
        return actions
    }

    /// Queues packets for the client and flushes them if the transport can take them.
    public mutating func send(_ packets: [EngineIOPacket]) -> EngineIOSessionActions {
        var actions = EngineIOSessionActions()
        guard !self.isClosed else { return actions }
        if case .websocket = self.transport, self.outbound.isEmpty, packets.count <= self.configuration.maxOutboundPackets {
            // The usual case: nothing waits, so the packets go to the socket as they are, without a trip through the queue.
            actions.webSocketPackets = packets
            return actions
        }
        self.outbound.append(contentsOf: packets)
        if self.outbound.count > self.configuration.maxOutboundPackets {
            self.outbound.removeAll()
            self.close(reason: .transportError, pollPacket: EngineIOPacket(.close), into: &actions)
            return actions
        }
        self.flush(into: &actions)
        return actions
    }

    /// Closes the session from the server side: `1` is written to the client.
    public mutating func close(reason: EngineIOCloseReason = .forcedClose) -> EngineIOSessionActions {
        var actions = EngineIOSessionActions()
        guard !self.isClosed else { return actions }
        self.outbound.append(EngineIOPacket(.close))
        self.flush(into: &actions)
        self.close(reason: reason, pollPacket: nil, into: &actions)
        return actions
    }

    /// Advances timers: sends pings, detects ping timeouts and upgrade timeouts.
    public mutating func tick(now: ContinuousClock.Instant) -> EngineIOSessionActions {
        var actions = EngineIOSessionActions()
        guard !self.isClosed else { return actions }
        if case .probing(let deadline, _) = self.upgrade, now >= deadline {
            self.upgrade = .none
            actions.closeProbe = true
        }
        switch self.heartbeat {
        case .pingDue(let instant) where now >= instant:
            self.heartbeat = .awaitingPong(now + self.configuration.pingTimeout)
            self.outbound.append(EngineIOPacket(.ping))
            self.flush(into: &actions)
        case .awaitingPong(let instant) where now >= instant:
            self.close(reason: .pingTimeout, pollPacket: EngineIOPacket(.close), into: &actions)
        default:
            break
        }
        return actions
    }

    func drainOutbound() -> [EngineIOPacket] { Array(self.outbound) }

    mutating func flush(into actions: inout EngineIOSessionActions) {
        guard !self.outbound.isEmpty else { return }
        switch self.transport {
        case .websocket:
            actions.webSocketPackets.append(contentsOf: self.outbound)
            self.outbound.removeAll()
        case .polling:
            if self.getPending {
                self.getPending = false
                actions.pollResponse = Array(self.outbound)
                self.outbound.removeAll()
            }
        }
    }

    /// Ends the session; a held GET gets `pollPacket` (`1` on errors, `6` on a client close).
    mutating func close(reason: EngineIOCloseReason, pollPacket: EngineIOPacket?, into actions: inout EngineIOSessionActions) {
        guard !self.isClosed else { return }
        self.isClosed = true
        if self.getPending {
            self.getPending = false
            actions.pollResponse = (actions.pollResponse ?? []) + (pollPacket.map { [$0] } ?? [EngineIOPacket(.noop)])
        }
        if case .probing = self.upgrade { actions.closeProbe = true }
        self.upgrade = .none
        actions.closed = reason
    }
}
