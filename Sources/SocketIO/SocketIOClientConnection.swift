import DequeModule
import Foundation
import Synchronization

/// The Socket.IO side of one Engine.IO connection: decodes packets, enforces the namespace rules and runs handlers in
/// order.
///
/// Packets queue here; while there are some, one job in the Engine.IO server's task group (``EngineIOServer/runDetached(_:)``)
/// handles them one after another and ends when the queue is empty, so an idle connection has no task (a task keeps the
/// memory of its deepest call stack for its whole life).
final class SocketIOClientConnection: EngineIOConnectionDelegate {
    enum Inbound: Sendable {
        case packet(SocketIOPacket)
        case closed(String)
    }

    struct State {
        var decoder: SocketIOPacketDecoder
        var sockets: [String: SocketIOSocket] = [:]
        /// Work for the handlers, in arrival order; bounded (`backlog`) so a flooding client cannot grow memory without
        /// limit.
        var queue: Deque<Inbound> = []
        /// Packets in `queue`.
        var backlog = 0
        /// Whether a job is handling `queue`.
        var draining = false
        /// Whether a namespace has connected (the connect timeout is over).
        var connected = false
    }

    let server: SocketIOServer
    let state: Mutex<State>

    init(server: SocketIOServer) {
        self.server = server
        self.state = Mutex(State(decoder: SocketIOPacketDecoder(maxAttachments: server.configuration.maxAttachments)))
    }

    func connection(_ connection: EngineIOConnection, received message: EngineIOData) {
        enum Step {
            case none
            case close(EngineIOCloseReason)
            case ack(SocketIOSocket, Int, [JSONValue])
            case enqueue(startDrain: Bool)
        }
        let step = self.state.withLock { state -> Step in
            let packet: SocketIOPacket
            do {
                guard let decoded = try state.decoder.decode(message) else { return .none }
                packet = decoded
            } catch {
                return .close(.parseError)
            }
            if packet.type == .ack {
                // Acks bypass the handler queue so a handler may await an ack from its own client.
                guard let socket = state.sockets[packet.namespace] else { return .close(.parseError) }
                guard let ackID = packet.ackID else { return .none }
                return .ack(socket, ackID, packet.data?.arrayValue ?? [])
            }
            guard state.backlog < self.server.configuration.engine.maxOutboundPackets else { return .close(.transportError) }
            state.backlog += 1
            state.queue.append(.packet(packet))
            return .enqueue(startDrain: Self.claimDrain(&state))
        }
        switch step {
        case .none: break
        case .close(let reason): connection.close(reason: reason)
        case .ack(let socket, let id, let arguments): socket.receiveAck(id, arguments: arguments)
        case .enqueue(let startDrain): if startDrain { self.startDrain(connection) }
        }
    }

    func connection(_ connection: EngineIOConnection, closedWith reason: EngineIOCloseReason) {
        let startDrain = self.state.withLock { state in
            state.queue.append(.closed(reason.description))
            return Self.claimDrain(&state)
        }
        if startDrain { self.startDrain(connection) }
    }

    /// Marks the queue as being drained; `true` if the caller must start the job that drains it.
    private static func claimDrain(_ state: inout State) -> Bool {
        guard !state.draining else { return false }
        state.draining = true
        return true
    }

    private func startDrain(_ connection: EngineIOConnection) {
        if self.state.withLock({ $0.connected }) {
            self.server.engine.runDetached { await self.drain(connection, holdsConnectSlot: false) }
        } else {
            // A CONNECT (or the close of a connection that never connected) waits for a slot.
            self.server.runAdmitted { await self.drain(connection, holdsConnectSlot: true) }
        }
    }

    /// Handles queued work in order until the queue is empty; frees the CONNECT slot, if it holds one, after the first
    /// item.
    private func drain(_ connection: EngineIOConnection, holdsConnectSlot: Bool) async {
        var holdsConnectSlot = holdsConnectSlot
        defer { if holdsConnectSlot { self.server.leaveConnectSlot() } }
        while true {
            let next = self.state.withLock { state -> Inbound? in
                guard let item = state.queue.popFirst() else {
                    state.draining = false
                    return nil
                }
                if case .packet = item { state.backlog -= 1 }
                return item
            }
            switch next {
            case nil:
                return
            case .packet(let packet):
                await self.handle(packet, connection: connection)
                if holdsConnectSlot {
                    holdsConnectSlot = false
                    self.server.leaveConnectSlot()
                }
                let connectedNow = self.state.withLock { state -> Bool in
                    guard !state.connected, !state.sockets.isEmpty else { return false }
                    state.connected = true
                    return true
                }
                if connectedNow { connection.setCloseDeadline(nil) }
            case .closed(let reason):
                let sockets = self.state.withLock { state in
                    defer { state.sockets = [:] }
                    return Array(state.sockets.values)
                }
                for socket in sockets { await socket.handleDisconnect(reason: reason) }
            }
        }
    }

    /// The server disconnected a socket from its namespace (`socket.disconnect()`).
    func serverDisconnected(_ socket: SocketIOSocket) {
        self.state.withLock { state in
            if state.sockets[socket.namespace.name] === socket { state.sockets[socket.namespace.name] = nil }
        }
        self.server.runDetachedDisconnect(socket, reason: "server namespace disconnect")
    }

    private func handle(_ packet: SocketIOPacket, connection: EngineIOConnection) async {
        let socket = self.state.withLock { $0.sockets[packet.namespace] }
        switch packet.type {
        case .connect:
            guard socket == nil else { return connection.close(reason: .parseError) }
            await self.connect(packet, connection: connection)
        case .event, .binaryEvent:
            guard let socket else { return connection.close(reason: .parseError) }
            await self.dispatch(packet, to: socket)
        case .disconnect:
            guard let socket else { return connection.close(reason: .parseError) }
            self.state.withLock { $0.sockets[packet.namespace] = nil }
            await socket.handleDisconnect(reason: "client namespace disconnect")
        case .connectError, .ack, .binaryAck:
            connection.close(reason: .parseError)
        }
    }

    private func connect(_ packet: SocketIOPacket, connection: EngineIOConnection) async {
        // The client may have left while its CONNECT waited for a slot.
        guard !connection.isClosed else { return }
        let auth = packet.data ?? .object([:])
        guard let namespace = await self.server.resolveNamespace(packet.namespace, auth: auth) else {
            let error = SocketIOPacket(type: .connectError, namespace: packet.namespace, data: ["message": "Invalid namespace"])
            return connection.send(error.encode().engineIOPackets)
        }
        let handshake = SocketIOHandshake(
            headers: connection.handshake.headers,
            query: connection.handshake.query,
            auth: auth,
            address: connection.handshake.address,
            secure: connection.handshake.secure,
            url: connection.handshake.url,
            issued: Int64(Date().timeIntervalSince1970 * 1000)
        )
        let handlers = namespace.handlers.value.withLock { $0 }
        var restored: (SocketIORecoveryStore.Session, [SocketIOPacket])?
        if let recovery = namespace.recovery, let pid = auth["pid"]?.stringValue, let offset = auth["offset"]?.stringValue {
            restored = recovery.store.withLock { $0.restore(pid: pid, offset: offset, now: .now) }
        }
        let socket = SocketIOSocket(
            id: restored?.0.sid ?? SocketIOIdentifier.generate(),
            namespace: namespace,
            handshake: handshake,
            engine: connection,
            recovered: restored != nil,
            pid: namespace.recovery == nil ? nil : (restored?.0.pid ?? SocketIOIdentifier.generate())
        )
        if let session = restored?.0 {
            socket.data = session.data
        }
        let skipMiddlewares = restored != nil && namespace.recoveryConfiguration?.skipMiddlewares == true
        let middlewares = skipMiddlewares ? [] : handlers.middlewares
        let refusal: SocketIOConnectError?
        do {
            for middleware in middlewares { try await middleware(socket) }
            refusal = nil
        } catch {
            refusal = (error as? SocketIOConnectError) ?? SocketIOConnectError("\(error)")
        }
        if let refusal {
            let packet = SocketIOPacket(type: .connectError, namespace: namespace.name, data: refusal.payload)
            return connection.send(packet.encode().engineIOPackets)
        }
        guard !connection.isClosed else { return }
        namespace.sockets.withLock { $0[socket.id] = socket }
        self.state.withLock { $0.sockets[namespace.name] = socket }
        await socket.join(restored?.0.rooms ?? [socket.id])
        // Like the Node server, missed packets are written before the CONNECT reply.
        for packet in restored?.1 ?? [] { socket.send(packet) }
        var reply: JSONObject = ["sid": .string(socket.id)]
        if let pid = socket.pid { reply["pid"] = .string(pid) }
        connection.send(SocketIOPacket(type: .connect, namespace: namespace.name, data: .object(reply)).encode().engineIOPackets)
        for handler in handlers.connect {
            do {
                try await handler(socket)
            } catch {
                namespace.onHandlerError?(error, socket, "connect")
            }
        }
    }

    private func dispatch(_ packet: SocketIOPacket, to socket: SocketIOSocket) async {
        guard let (name, arguments) = packet.eventNameAndArguments else { return }
        let ack = Self.ack(for: packet, from: socket)
        let (coalesced, events, any) = socket.namespace.handlers.value.withLock { ($0.coalesced[name], $0.events[name] ?? [], $0.any) }
        if let coalescing = coalesced {
            var calls = [SocketIOEventCall(arguments: arguments, ack: ack)]
            if packet.type == .event, coalescing.limit > 1, let key = coalescing.key(arguments) {
                for queued in self.takeQueued(name, key: key, of: coalescing, namespace: socket.namespace.name) {
                    calls.append(SocketIOEventCall(arguments: queued.arguments, ack: Self.ack(for: queued.packet, from: socket)))
                }
            }
            do {
                try await coalescing.handler(socket, calls)
            } catch {
                socket.namespace.onHandlerError?(error, socket, name)
            }
            return
        }
        let own = socket.eventHandlers(for: name)
        let specific = own.isEmpty ? events : events + own
        do {
            if specific.isEmpty {
                for handler in any { try await handler(socket, [.string(name)] + arguments, ack) }
            } else {
                for handler in specific { try await handler(socket, arguments, ack) }
            }
        } catch {
            socket.namespace.onHandlerError?(error, socket, name)
        }
    }

    /// The ack of an event packet: sends the client's ack, or nothing if it asked for none.
    private static func ack(for packet: SocketIOPacket, from socket: SocketIOSocket) -> SocketIOAck {
        guard let ackID = packet.ackID else { return SocketIOAck(send: nil) }
        let namespace = socket.namespace.name
        return SocketIOAck { [weak socket] arguments in
            socket?.send(SocketIOPacket(type: .ack, namespace: namespace, ackID: ackID, data: .array(arguments)))
        }
    }

    /// Takes out of the queue the events `name` of `namespace` whose key is `key`, in order: at most `limit - 1` of them,
    /// among the next 256 queued packets, stopping at a disconnect.
    private func takeQueued(
        _ name: String,
        key: String,
        of coalescing: SocketIOCoalescing,
        namespace: String
    ) -> [(packet: SocketIOPacket, arguments: [JSONValue])] {
        self.state.withLock { state in
            var taken: [(packet: SocketIOPacket, arguments: [JSONValue])] = []
            var index = state.queue.startIndex
            var scanned = 0
            while index < state.queue.endIndex, scanned < 256, taken.count < coalescing.limit - 1 {
                guard case .packet(let packet) = state.queue[index] else { break }
                if packet.namespace == namespace {
                    if packet.type == .disconnect || packet.type == .connect { break }
                    if packet.type == .event, case .array(let elements) = packet.data, elements.first == .string(name) {
                        let arguments = Array(elements.dropFirst())
                        if coalescing.key(arguments) == key {
                            taken.append((packet, arguments))
                            state.queue.remove(at: index)
                            state.backlog -= 1
                            continue
                        }
                    }
                }
                index += 1
                scanned += 1
            }
            return taken
        }
    }
}
