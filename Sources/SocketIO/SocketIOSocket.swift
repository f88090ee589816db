import Synchronization

/// A client's membership in one namespace (`socket` in the JavaScript API).
public final class SocketIOSocket: Sendable {
    struct State {
        var connected = true
        var nextAckID = 0
        var pendingAcks: [Int: CheckedContinuation<[JSONValue], any Error>] = [:]
        var failedAcks: [Int: any Error] = [:]
        var events: [String: [SocketIOEventHandler]] = [:]
        var disconnect: [SocketIODisconnectHandler] = []
        var data: JSONValue = .object([:])
    }

    /// The public socket id (not the Engine.IO session id).
    public let id: String
    /// The namespace.
    public let namespace: SocketIONamespace
    /// The opening request and CONNECT auth.
    public let handshake: SocketIOHandshake
    /// Whether the session was restored by connection state recovery.
    public let recovered: Bool
    /// The private session id used for recovery, when it is on.
    public let pid: String?
    let engine: EngineIOConnection
    let state = Mutex(State())

    init(
        id: String,
        namespace: SocketIONamespace,
        handshake: SocketIOHandshake,
        engine: EngineIOConnection,
        recovered: Bool = false,
        pid: String? = nil
    ) {
        self.id = id
        self.namespace = namespace
        self.handshake = handshake
        self.engine = engine
        self.recovered = recovered
        self.pid = pid
    }

    /// Whether the socket is still connected.
    public var isConnected: Bool { self.state.withLock { $0.connected } }

    /// Free-form data attached to the socket (visible in ``SocketIOSocketSnapshot``).
    public var data: JSONValue {
        get { self.state.withLock { $0.data } }
        set { self.state.withLock { $0.data = newValue } }
    }

    /// The rooms this socket is in, including its own id once connected: the adapter's record, so rooms joined or left
    /// through `socketsJoin` / `socketsLeave` (from any node) count.
    public var rooms: Set<String> {
        get async { await self.namespace.adapter.rooms(of: self.id) }
    }

    /// The Engine.IO transport currently in use.
    public var transport: EngineIOTransport { self.engine.transport }

    /// A snapshot without rooms: the adapter that asked for it fills them in from its room index.
    var snapshot: SocketIOSocketSnapshot {
        SocketIOSocketSnapshot(
            id: self.id,
            namespace: self.namespace.name,
            rooms: [],
            data: self.data,
            auth: self.handshake.auth,
            query: self.handshake.query
        )
    }

    /// Adds an event handler for this socket only.
    public func on(_ event: String, _ handler: @escaping SocketIOEventHandler) {
        self.state.withLock { $0.events[event, default: []].append(handler) }
    }

    /// Adds a disconnection handler for this socket only.
    public func onDisconnect(_ handler: @escaping SocketIODisconnectHandler) {
        self.state.withLock { $0.disconnect.append(handler) }
    }

    /// Joins rooms.
    public func join(_ rooms: String...) async {
        await self.join(Set(rooms))
    }

    /// Joins rooms.
    public func join(_ rooms: Set<String>) async {
        await self.namespace.adapter.join(self.id, rooms: rooms)
    }

    /// Leaves a room.
    public func leave(_ room: String) async {
        await self.namespace.adapter.leave(self.id, room: room)
    }

    /// Emits an event to this client.
    @discardableResult
    public func emit(_ event: String, _ arguments: JSONValue...) -> Bool {
        self.emit(event, arguments: arguments)
    }

    /// Emits an event with an argument list; returns `false` for reserved names or a disconnected socket.
    @discardableResult
    public func emit(_ event: String, arguments: [JSONValue]) -> Bool {
        guard !SocketIOPacket.reservedEventNames.contains(event), self.isConnected else { return false }
        let packet = SocketIOPacket(type: .event, namespace: self.namespace.name, data: .eventArray(event, arguments))
        self.send(self.namespace.stamp(packet, target: SocketIOBroadcastTarget(rooms: [self.id])))
        return true
    }

    /// Emits an event with one `Encodable` argument.
    @discardableResult
    public func emit(_ event: String, encoding value: some Encodable) throws -> Bool {
        self.emit(event, arguments: [try JSONValue(encoding: value)])
    }

    /// Emits an event and waits for the client's acknowledgement.
    ///
    /// - Throws: ``SocketIOError/ackTimeout`` after `timeout`, ``SocketIOError/disconnected`` if the socket goes away.
    public func emitWithAck(_ event: String, _ arguments: JSONValue..., timeout: Duration = .seconds(10)) async throws -> [JSONValue] {
        try await self.emitWithAck(event, arguments: arguments, timeout: timeout)
    }

    /// Emits an event with an argument list and waits for the client's acknowledgement.
    public func emitWithAck(_ event: String, arguments: [JSONValue], timeout: Duration = .seconds(10)) async throws -> [JSONValue] {
        guard !SocketIOPacket.reservedEventNames.contains(event) else { throw SocketIOError.reservedEventName }
        let ackID = self.state.withLock { state in
            defer { state.nextAckID += 1 }
            return state.nextAckID
        }
        let packet = SocketIOPacket(type: .event, namespace: self.namespace.name, ackID: ackID, data: .array([.string(event)] + arguments))
        return try await withThrowingTaskGroup(of: [JSONValue].self) { group in
            group.addTask {
                try await withCheckedThrowingContinuation { continuation in
                    let failure = self.state.withLock { state -> (any Error)? in
                        if let error = state.failedAcks.removeValue(forKey: ackID) { return error }
                        guard state.connected else { return SocketIOError.disconnected }
                        state.pendingAcks[ackID] = continuation
                        return nil
                    }
                    if let failure {
                        continuation.resume(throwing: failure)
                    } else {
                        self.send(packet)
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw SocketIOError.ackTimeout
            }
            do {
                guard let result = try await group.next() else { throw SocketIOError.ackTimeout }
                group.cancelAll()
                return result
            } catch {
                self.failAck(ackID, error: error)
                group.cancelAll()
                throw error
            }
        }
    }

    private func failAck(_ ackID: Int, error: any Error) {
        let continuation = self.state.withLock { state -> CheckedContinuation<[JSONValue], any Error>? in
            if let continuation = state.pendingAcks.removeValue(forKey: ackID) { return continuation }
            state.failedAcks[ackID] = error
            return nil
        }
        continuation?.resume(throwing: error)
    }

    /// Resolves an acknowledgement from the client; unknown ids are ignored.
    func receiveAck(_ ackID: Int, arguments: [JSONValue]) {
        let continuation = self.state.withLock { $0.pendingAcks.removeValue(forKey: ackID) }
        continuation?.resume(returning: arguments)
    }

    /// Starts a broadcast to a room, excluding this socket.
    public func to(_ room: String) -> SocketIOBroadcastOperator {
        SocketIOBroadcastOperator(namespace: self.namespace).to(room).except(self.id)
    }

    /// A broadcast to every other socket of the namespace.
    public var broadcast: SocketIOBroadcastOperator {
        SocketIOBroadcastOperator(namespace: self.namespace).except(self.id)
    }

    /// Disconnects from the namespace (`close: false`) or closes the whole connection (`close: true`).
    public func disconnect(close: Bool = false) {
        if close {
            self.engine.close(reason: .forcedClose)
        } else {
            guard self.isConnected else { return }
            self.send(SocketIOPacket(type: .disconnect, namespace: self.namespace.name))
            (self.engine.delegate as? SocketIOClientConnection)?.serverDisconnected(self)
        }
    }

    func send(_ packet: SocketIOPacket) {
        self.engine.send(packet.encode().engineIOPackets)
    }

    /// Marks the socket disconnected, fails its pending acks, leaves its rooms and runs the disconnect handlers.
    func handleDisconnect(reason: String) async {
        let (wasConnected, pending, socketHandlers) = self.state.withLock { state in
            let wasConnected = state.connected
            state.connected = false
            let pending = state.pendingAcks
            state.pendingAcks = [:]
            return (wasConnected, pending, state.disconnect)
        }
        guard wasConnected else { return }
        for continuation in pending.values { continuation.resume(throwing: SocketIOError.disconnected) }
        if let recovery = self.namespace.recovery, let pid = self.pid, SocketIORecoveryStore.recoverableReasons.contains(reason) {
            let rooms = await self.namespace.adapter.rooms(of: self.id)
            let session = SocketIORecoveryStore.Session(sid: self.id, pid: pid, rooms: rooms, data: self.data, disconnectedAt: .now)
            recovery.store.withLock { $0.persist(session) }
        }
        _ = self.namespace.sockets.withLock { $0.removeValue(forKey: self.id) }
        await self.namespace.adapter.leaveAll(self.id)
        let namespaceHandlers = self.namespace.handlers.value.withLock { $0.disconnect }
        for handler in socketHandlers + namespaceHandlers { await handler(self, reason) }
    }

    func eventHandlers(for event: String) -> [SocketIOEventHandler] {
        self.state.withLock { $0.events[event] ?? [] }
    }
}
