import NIOCore
import Synchronization

/// Receives the events of one Engine.IO connection. Socket.IO implements it; so does a plain echo server.
public protocol EngineIOConnectionDelegate: Sendable {
    /// A message arrived. Called on the receiving transport's task, in order; must not block.
    func connection(_ connection: EngineIOConnection, received message: EngineIOData)
    /// Runs for the life of the connection inside its structured task; must return once the connection closes.
    func run(_ connection: EngineIOConnection) async
    /// The connection closed.
    func connection(_ connection: EngineIOConnection, closedWith reason: EngineIOCloseReason)
}

/// One live Engine.IO session: the ``EngineIOSession`` state machine plus the transports it drives.
public final class EngineIOConnection: Sendable {
    struct State {
        var session: EngineIOSession
        var pollWaiter: CheckedContinuation<[EngineIOPacket]?, Never>?
        var stashedPollResponse: [EngineIOPacket]?
        var active: EngineIOWebSocketOutbox?
        var probe: EngineIOWebSocketOutbox?
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
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
        let waiters = self.state.withLock { state in
            let waiters = state.closeWaiters
            state.closeWaiters = []
            return waiters
        }
        self.onClose(self)
        self.delegate?.connection(self, closedWith: reason)
        for waiter in waiters { waiter.resume() }
    }

    /// Suspends until the connection closes.
    public func waitUntilClosed() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let closedAlready = self.state.withLock { state in
                if state.session.isClosed { return true }
                state.closeWaiters.append(continuation)
                return false
            }
            if closedAlready { continuation.resume() }
        }
    }

    /// Runs the heartbeat and the delegate until the connection closes. Call it from a structured task that owns the
    /// connection.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.runTimers() }
            // The delegate runs in this task so its close handling is not cancelled along with the timers.
            await self.delegate?.run(self)
            await self.waitUntilClosed()
            group.cancelAll()
        }
    }

    private func runTimers() async {
        let clock = ContinuousClock()
        while !Task.isCancelled {
            let next = self.state.withLock { state -> (deadline: ContinuousClock.Instant, upgradeBound: Duration?)? in
                guard let deadline = state.session.nextDeadline else { return nil }
                let mayStartUpgrade = state.session.transport == .polling && !state.session.isUpgrading
                return (deadline, mayStartUpgrade ? state.session.configuration.upgradeTimeout : nil)
            }
            guard let next else { return }
            // Sleep until the next deadline, so an idle connection wakes once per ping rather than on a fixed tick. Only
            // an upgrade can bring a deadline forward by more than it saves, and only a polling session can start one:
            // such a session also wakes every upgrade timeout, so a stale probe is closed at most that late. (A pong
            // can bring the next ping forward by at most pingTimeout - pingInterval; sending it at the old deadline
            // still keeps it within the client's pingInterval + pingTimeout.)
            let wake = next.upgradeBound.map { min(next.deadline, clock.now + $0) } ?? next.deadline
            do {
                try await clock.sleep(until: wake, tolerance: .milliseconds(5))
            } catch {
                return
            }
            let now = clock.now
            self.apply { $0.tick(now: now) }
        }
    }
}
