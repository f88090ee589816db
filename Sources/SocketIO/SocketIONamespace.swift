import Foundation
import Synchronization

/// Handles an event: the socket, the arguments after the event name, and the ack to call if the client asked for one.
public typealias SocketIOEventHandler = @Sendable (SocketIOSocket, [JSONValue], SocketIOAck) async throws -> Void
/// Handles a run of events handled together (``SocketIONamespace/onCoalesced(_:limit:key:_:)``), in arrival order.
public typealias SocketIOCoalescedHandler = @Sendable (SocketIOSocket, [SocketIOEventCall]) async throws -> Void
/// Runs before a socket joins a namespace; throw ``SocketIOConnectError`` (or any error) to refuse it.
public typealias SocketIOMiddleware = @Sendable (SocketIOSocket) async throws -> Void
/// Runs once a socket has joined a namespace.
public typealias SocketIOConnectHandler = @Sendable (SocketIOSocket) async throws -> Void
/// Runs once a socket has left a namespace, with the reason (e.g. `"transport close"`).
public typealias SocketIODisconnectHandler = @Sendable (SocketIOSocket, String) async -> Void

/// Holds a namespace's recovery store (a `Mutex` cannot be optional-bound directly).
final class SocketIORecoveryBox: Sendable {
    let store: Mutex<SocketIORecoveryStore>
    init(_ store: SocketIORecoveryStore) { self.store = Mutex(store) }
}

/// One event of a run handled together: its arguments after the event name, and its ack.
public struct SocketIOEventCall: Sendable {
    public let arguments: [JSONValue]
    public let ack: SocketIOAck
}

/// How an event is handled in runs: see ``SocketIONamespace/onCoalesced(_:limit:key:_:)``.
struct SocketIOCoalescing: Sendable {
    var limit: Int
    var key: @Sendable ([JSONValue]) -> String?
    var handler: SocketIOCoalescedHandler
}

/// The handlers of a namespace; shared by every namespace a dynamic matcher creates.
final class SocketIONamespaceHandlers: Sendable {
    struct Handlers {
        var middlewares: [SocketIOMiddleware] = []
        var connect: [SocketIOConnectHandler] = []
        var disconnect: [SocketIODisconnectHandler] = []
        var events: [String: [SocketIOEventHandler]] = [:]
        var any: [SocketIOEventHandler] = []
        var coalesced: [String: SocketIOCoalescing] = [:]
        var serverSide: [String: [@Sendable ([JSONValue]) async -> Void]] = [:]
        var serverSideReplying: [String: @Sendable ([JSONValue]) async -> [JSONValue]] = [:]
    }

    let value = Mutex(Handlers())
}

/// A Socket.IO namespace: its handlers, its connected sockets and its adapter.
public final class SocketIONamespace: SocketIOAdapterNamespace, Sendable {
    /// The namespace name, e.g. `/` or `/admin`.
    public let name: String
    let handlers: SocketIONamespaceHandlers
    let sockets = Mutex<[String: SocketIOSocket]>([:])
    let adapterBox = Mutex<(any SocketIOAdapter)?>(nil)
    let onHandlerError: (@Sendable (any Error, SocketIOSocket, String) -> Void)?
    /// Connection-state recovery, when enabled.
    let recovery: SocketIORecoveryBox?
    let recoveryConfiguration: SocketIOConfiguration.ConnectionStateRecovery?

    init(
        name: String,
        handlers: SocketIONamespaceHandlers,
        onHandlerError: (@Sendable (any Error, SocketIOSocket, String) -> Void)?,
        recovery: SocketIOConfiguration.ConnectionStateRecovery? = nil,
        makeAdapter: (SocketIONamespace) -> any SocketIOAdapter
    ) {
        self.name = name
        self.handlers = handlers
        self.onHandlerError = onHandlerError
        self.recoveryConfiguration = recovery
        self.recovery = recovery.map {
            SocketIORecoveryBox(SocketIORecoveryStore(maxDisconnectionDuration: $0.maxDisconnectionDuration, maxPackets: $0.maxPackets))
        }
        let adapter = makeAdapter(self)
        self.adapterBox.withLock { $0 = adapter }
    }

    /// The namespace's adapter.
    public var adapter: any SocketIOAdapter {
        // Set in init before the namespace is reachable.
        self.adapterBox.withLock { $0 } ?? MemorySocketIOAdapter(namespace: self)
    }

    /// Adds a middleware; middlewares run in order before a socket joins.
    public func use(_ middleware: @escaping SocketIOMiddleware) {
        self.handlers.value.withLock { $0.middlewares.append(middleware) }
    }

    /// Adds a connection handler.
    public func onConnect(_ handler: @escaping SocketIOConnectHandler) {
        self.handlers.value.withLock { $0.connect.append(handler) }
    }

    /// Adds a disconnection handler.
    public func onDisconnect(_ handler: @escaping SocketIODisconnectHandler) {
        self.handlers.value.withLock { $0.disconnect.append(handler) }
    }

    /// Adds an event handler for every socket of this namespace.
    public func on(_ event: String, _ handler: @escaping SocketIOEventHandler) {
        self.handlers.value.withLock { $0.events[event, default: []].append(handler) }
    }

    /// Adds an event handler with one `Decodable` argument; an undecodable argument is reported as a handler error.
    public func on<Payload: Decodable & Sendable>(
        _ event: String,
        as type: Payload.Type,
        _ handler: @escaping @Sendable (SocketIOSocket, Payload, SocketIOAck) async throws -> Void
    ) {
        self.on(event) { socket, arguments, ack in
            try await handler(socket, try arguments.decode(Payload.self, at: 0), ack)
        }
    }

    /// Handles `event` in runs, instead of one by one: when one is about to be handled, the events of the same name and
    /// `key` that wait behind it in the same client's queue (up to `limit` in all, among the next 256 queued packets,
    /// and not past a disconnect) are taken out of the queue and handled with it, in one call of `handler`. An event
    /// whose `key` is nil, or that carries binary attachments, is handled alone.
    ///
    /// For cumulative events that a client may send faster than they are handled, such as read markers: a run costs one
    /// handling instead of one each, and the events queued behind the run wait for one instead of many. The events a run
    /// took out are handled before the ones they waited behind. It replaces the `on(_:_:)` handlers of `event`, the
    /// namespace's and the sockets' alike.
    /// `key` runs while the client's queue is locked: it must be quick and must not take locks.
    public func onCoalesced(
        _ event: String,
        limit: Int = 32,
        key: @escaping @Sendable ([JSONValue]) -> String?,
        _ handler: @escaping SocketIOCoalescedHandler
    ) {
        let coalescing = SocketIOCoalescing(limit: max(1, limit), key: key, handler: handler)
        self.handlers.value.withLock { $0.coalesced[event] = coalescing }
    }

    /// Adds a handler for events that have no specific handler (the event name is the first argument).
    public func onAny(_ handler: @escaping SocketIOEventHandler) {
        self.handlers.value.withLock { $0.any.append(handler) }
    }

    /// Adds a handler for ``serverSideEmit(_:_:)`` from other nodes.
    public func onServerSideEmit(_ event: String, _ handler: @escaping @Sendable ([JSONValue]) async -> Void) {
        self.handlers.value.withLock { $0.serverSide[event, default: []].append(handler) }
    }

    /// Sets the handler that answers ``serverSideEmitWithAck(_:_:timeout:)`` from other nodes (one per event; it also
    /// runs for plain `serverSideEmit`, its reply then unused).
    public func onServerSideEmit(_ event: String, replying handler: @escaping @Sendable ([JSONValue]) async -> [JSONValue]) {
        self.handlers.value.withLock { $0.serverSideReplying[event] = handler }
    }

    /// The sockets connected to this namespace on this node.
    public var localSockets: [SocketIOSocket] { self.sockets.withLock { Array($0.values) } }

    /// A socket connected on this node.
    public func socket(id: String) -> SocketIOSocket? { self.sockets.withLock { $0[id] } }

    /// Starts a broadcast to a room.
    public func to(_ room: String) -> SocketIOBroadcastOperator { SocketIOBroadcastOperator(namespace: self).to(room) }

    /// Starts a broadcast to several rooms.
    public func to(_ rooms: some Sequence<String>) -> SocketIOBroadcastOperator { SocketIOBroadcastOperator(namespace: self).to(rooms) }

    /// Starts a broadcast excluding a room.
    public func except(_ room: String) -> SocketIOBroadcastOperator { SocketIOBroadcastOperator(namespace: self).except(room) }

    /// A broadcast whose packets are dropped for clients not ready to receive.
    public var volatile: SocketIOBroadcastOperator { SocketIOBroadcastOperator(namespace: self).volatile }

    /// A broadcast limited to this node.
    public var local: SocketIOBroadcastOperator { SocketIOBroadcastOperator(namespace: self).local }

    /// Emits to every socket of the namespace.
    public func emit(_ event: String, _ arguments: JSONValue...) async {
        await SocketIOBroadcastOperator(namespace: self).emit(event, arguments: arguments)
    }

    /// Snapshots of every socket of the namespace, on every node.
    public func fetchSockets() async -> [SocketIOSocketSnapshot] {
        await SocketIOBroadcastOperator(namespace: self).fetchSockets()
    }

    /// Emits to the other nodes' ``onServerSideEmit(_:_:)`` handlers.
    public func serverSideEmit(_ event: String, _ arguments: JSONValue...) async {
        await self.adapter.serverSideEmit(event, arguments: arguments)
    }

    /// Emits to the other nodes' handlers and returns one reply per node.
    ///
    /// - Throws: ``SocketIOError/ackTimeout`` when some node has not replied within `timeout`.
    public func serverSideEmitWithAck(_ event: String, _ arguments: JSONValue..., timeout: Duration = .seconds(5)) async throws -> [[JSONValue]] {
        try await self.adapter.serverSideEmitWithAck(event, arguments: arguments, timeout: timeout)
    }

    /// With recovery on, logs an event without ack id that is not volatile and appends its offset.
    func stamp(_ packet: consuming SocketIOPacket, target: SocketIOBroadcastTarget) -> SocketIOPacket {
        guard let recovery, packet.type == .event, packet.ackID == nil, !target.isVolatile else { return packet }
        let millis = Int64(Date().timeIntervalSince1970 * 1000)
        var stamped = packet
        recovery.store.withLock { $0.record(&stamped, target: target, now: .now, wallClockMillis: millis) }
        return stamped
    }

    // MARK: SocketIOAdapterNamespace

    /// Writes a packet to local sockets.
    public func deliver(_ packet: SocketIOPacket, to socketIDs: Set<String>, isVolatile: Bool) {
        let targets = self.sockets.withLock { sockets in socketIDs.compactMap { sockets[$0] } }
        guard !targets.isEmpty else { return }
        let packets = packet.encode().engineIOPackets
        for socket in targets {
            if isVolatile && !socket.engine.isWritable { continue }
            socket.engine.send(packets)
        }
    }

    /// Snapshots of local sockets.
    public func snapshots(of socketIDs: Set<String>) -> [SocketIOSocketSnapshot] {
        let targets = self.sockets.withLock { sockets in socketIDs.compactMap { sockets[$0] } }
        return targets.map { $0.snapshot }
    }

    /// Runs the server-side-emit handlers.
    public func receiveServerSideEmit(_ event: String, arguments: [JSONValue]) async {
        _ = await self.receiveServerSideEmitWithAck(event, arguments: arguments)
    }

    /// Runs the server-side-emit handlers; the reply comes from the replying handler (none: no arguments).
    public func receiveServerSideEmitWithAck(_ event: String, arguments: [JSONValue]) async -> [JSONValue] {
        let (handlers, replying) = self.handlers.value.withLock { ($0.serverSide[event] ?? [], $0.serverSideReplying[event]) }
        for handler in handlers { await handler(arguments) }
        return await replying?(arguments) ?? []
    }
}
