import NIOCore
import Synchronization

/// Receives the events of one Engine.IO connection. Socket.IO implements it; so does a plain echo server.
///
/// A connection has no task of its own: a delegate with asynchronous work (handlers) runs it with
/// ``EngineIOServer/runDetached(_:)``, in the server's task group, and keeps its own order.
public protocol EngineIOConnectionDelegate: Sendable {
    /// A message arrived. Called on the receiving transport's task, in order; must not block.
    func connection(_ connection: EngineIOConnection, received message: EngineIOData)
    /// The connection closed.
    func connection(_ connection: EngineIOConnection, closedWith reason: EngineIOCloseReason)
}

/// One live Engine.IO session: the ``EngineIOSession`` state machine plus the transports it drives.
public final class EngineIOConnection: Sendable, EngineIOTimerTarget {
    struct State {
        var session: EngineIOSession
        var pollWaiter: CheckedContinuation<[EngineIOPacket]?, Never>?
        var stashedPollResponse: [EngineIOPacket]?
        var active: EngineIOWebSocketOutbox?
        var probe: EngineIOWebSocketOutbox?
        /// When to close unless ``EngineIOConnection/setCloseDeadline(_:)`` clears it first.
        var closeDeadline: ContinuousClock.Instant?
    }

    /// The session id.
    public let sid: String
    /// The opening request.
    public let handshake: EngineIOHandshakeInfo
    let state: Mutex<State>
    let delegateBox: Mutex<(any EngineIOConnectionDelegate)?>
    let onClose: @Sendable (EngineIOConnection) -> Void
    let capacity: Int

    init(
        session: EngineIOSession,
        handshake: EngineIOHandshakeInfo,
        capacity: Int,
        onClose: @escaping @Sendable (EngineIOConnection) -> Void
    ) {
        self.sid = session.sid
        self.handshake = handshake
        self.state = Mutex(State(session: session))
        self.delegateBox = Mutex(nil)
        self.capacity = capacity
        self.onClose = onClose
    }

    var delegate: (any EngineIOConnectionDelegate)? { self.delegateBox.withLock { $0 } }

    /// The current transport.
    public var transport: EngineIOTransport { self.state.withLock { $0.session.transport } }

    /// Whether the connection has closed.
    public var isClosed: Bool { self.state.withLock { $0.session.isClosed } }

    /// Sends packets to the client.
    public func send(_ packets: [EngineIOPacket]) {
        self.apply { $0.send(packets) }
    }

    /// Sends a message to the client.
    public func send(_ message: EngineIOData) {
        self.send([EngineIOPacket(message: message)])
    }

    /// Whether a packet sent now would be written at once (used for volatile emits).
    public var isWritable: Bool {
        self.state.withLock { state in
            guard !state.session.isClosed, state.session.outbound.isEmpty else { return false }
            return state.session.transport == .websocket || state.session.getPending
        }
    }

    /// Closes the connection from the server side.
    public func close(reason: EngineIOCloseReason = .forcedClose) {
        self.apply { $0.close(reason: reason) }
    }

    /// Closes the connection at `deadline` (a forced close) unless it is cleared with `nil` first: the Socket.IO
    /// connect timeout. Set it when the delegate is made: the server's timer wheel learns of it when it schedules the
    /// connection, so a deadline set later may fire only as late as the next heartbeat.
    public func setCloseDeadline(_ deadline: ContinuousClock.Instant?) {
        self.state.withLock { $0.closeDeadline = deadline }
    }

    /// Applies an event to the state machine and performs its actions.
    @discardableResult
    func update<R>(_ body: (inout EngineIOSession) -> (R, EngineIOSessionActions)) -> R {
        let (result, received, closed) = self.state.withLock { state -> (R, [EngineIOData], EngineIOCloseReason?) in
            let (result, actions) = body(&state.session)
            let extraClose = Self.performTransportActions(actions, state: &state)
            return (result, actions.received, actions.closed ?? extraClose)
        }
        if !received.isEmpty, let delegate = self.delegate {
            for message in received { delegate.connection(self, received: message) }
        }
        if let closed { self.finishClose(reason: closed) }
        return result
    }

    func apply(_ body: (inout EngineIOSession) -> EngineIOSessionActions) {
        self.update { session -> (Void, EngineIOSessionActions) in ((), body(&session)) }
    }

    /// Performs the transport side of actions under the lock, so writes keep the state machine's order.
    /// Returns a close reason when a slow WebSocket had to be dropped.
    private static func performTransportActions(_ actions: EngineIOSessionActions, state: inout State) -> EngineIOCloseReason? {
        var extraClose: EngineIOCloseReason?
        if let response = actions.pollResponse {
            if let waiter = state.pollWaiter {
                state.pollWaiter = nil
                waiter.resume(returning: response)
            } else {
                state.stashedPollResponse = (state.stashedPollResponse ?? []) + response
            }
        }
        if !actions.probePackets.isEmpty, let probe = state.probe { _ = probe.push(actions.probePackets) }
        if actions.promoteProbe {
            state.active?.finish()
            state.active = state.probe
            state.probe = nil
        }
        if actions.closeProbe {
            state.probe?.finish()
            state.probe = nil
        }
        if !actions.webSocketPackets.isEmpty, let active = state.active, !active.push(actions.webSocketPackets) {
            // Too slow: drop the socket; the close is reported through the session below.
            active.cancel()
            var closeActions = EngineIOSessionActions()
            state.session.close(reason: .transportError, pollPacket: nil, into: &closeActions)
            extraClose = closeActions.closed
        }
        if actions.closed != nil || state.session.isClosed {
            state.active?.finish()
            state.probe?.finish()
            if let waiter = state.pollWaiter {
                state.pollWaiter = nil
                waiter.resume(returning: state.stashedPollResponse ?? [EngineIOPacket(.close)])
                state.stashedPollResponse = nil
            }
        }
        return extraClose
    }

    private func finishClose(reason: EngineIOCloseReason) {
        self.onClose(self)
        self.delegate?.connection(self, closedWith: reason)
    }

    /// When the timers next have work: the session's next deadline, or sooner for a polling session that may start an
    /// upgrade (whose deadline the wheel would not otherwise learn of). A pong can bring the next ping forward by at
    /// most pingTimeout - pingInterval; sending it at the old deadline still keeps it within the client's
    /// pingInterval + pingTimeout.
    func timerDeadline(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        self.state.withLock { state in
            guard var deadline = state.session.nextDeadline else { return nil }
            if let closeDeadline = state.closeDeadline { deadline = min(deadline, closeDeadline) }
            guard state.session.transport == .polling, !state.session.isUpgrading else { return deadline }
            return min(deadline, now + state.session.configuration.upgradeTimeout)
        }
    }

    /// Advances the timers (pings, ping and upgrade timeouts) and returns the next deadline, or `nil` once closed.
    func fireTimers(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        let expired = self.state.withLock { state -> Bool in
            guard let deadline = state.closeDeadline, now >= deadline else { return false }
            state.closeDeadline = nil
            return true
        }
        if expired { self.close(reason: .forcedClose) }
        self.apply { $0.tick(now: now) }
        return self.timerDeadline(now: now)
    }
}
