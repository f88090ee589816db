/// A broadcast being built: `namespace.to("room").except("other").emit("event", …)`.
public struct SocketIOBroadcastOperator: Sendable {
    let namespace: SocketIONamespace
    /// The sockets reached.
    public var target = SocketIOBroadcastTarget()

    init(namespace: SocketIONamespace, target: SocketIOBroadcastTarget = SocketIOBroadcastTarget()) {
        self.namespace = namespace
        self.target = target
    }

    /// Adds a room to reach.
    public func to(_ room: String) -> Self {
        var copy = self
        copy.target.rooms.insert(room)
        return copy
    }

    /// Adds rooms to reach.
    public func to(_ rooms: some Sequence<String>) -> Self {
        var copy = self
        copy.target.rooms.formUnion(rooms)
        return copy
    }

    /// Alias of ``to(_:)-(String)``.
    public func `in`(_ room: String) -> Self { self.to(room) }

    /// Skips the sockets of a room (or a socket id).
    public func except(_ room: String) -> Self {
        var copy = self
        copy.target.except.insert(room)
        return copy
    }

    /// Drops packets for clients that are not ready to receive.
    public var volatile: Self {
        var copy = self
        copy.target.isVolatile = true
        return copy
    }

    /// Reaches sockets on this node only.
    public var local: Self {
        var copy = self
        copy.target.isLocal = true
        return copy
    }

    /// Emits an event with arguments.
    public func emit(_ event: String, _ arguments: JSONValue...) async {
        await self.emit(event, arguments: arguments)
    }

    /// Emits an event with an argument list.
    public func emit(_ event: String, arguments: [JSONValue]) async {
        let packet = SocketIOPacket(type: .event, namespace: self.namespace.name, data: .eventArray(event, arguments))
        await self.namespace.adapter.broadcast(self.namespace.stamp(packet, target: self.target), to: self.target)
    }

    /// Emits an event with one `Encodable` argument.
    public func emit(_ event: String, encoding value: some Encodable) async throws {
        await self.emit(event, arguments: [try JSONValue(encoding: value)])
    }

    /// Snapshots of the matching sockets.
    public func fetchSockets() async -> [SocketIOSocketSnapshot] {
        await self.namespace.adapter.fetchSockets(self.target)
    }

    /// Makes the matching sockets join rooms.
    public func socketsJoin(_ rooms: String...) async {
        await self.namespace.adapter.updateRooms(self.target, join: Set(rooms), leave: [])
    }

    /// Makes the matching sockets leave rooms.
    public func socketsLeave(_ rooms: String...) async {
        await self.namespace.adapter.updateRooms(self.target, join: [], leave: Set(rooms))
    }

    /// Disconnects the matching local sockets.
    public func disconnectSockets(close: Bool = false) async {
        let snapshots = await self.namespace.adapter.fetchSockets(
            SocketIOBroadcastTarget(rooms: self.target.rooms, except: self.target.except, isLocal: true)
        )
        for snapshot in snapshots {
            self.namespace.socket(id: snapshot.id)?.disconnect(close: close)
        }
    }
}
