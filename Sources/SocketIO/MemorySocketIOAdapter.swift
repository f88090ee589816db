/// The in-process ``SocketIOAdapter``: rooms live in memory and broadcasts reach this node only.
public actor MemorySocketIOAdapter: SocketIOAdapter {
    private let namespace: any SocketIOAdapterNamespace
    private var index = SocketIORoomIndex()

    /// Creates an adapter for a namespace.
    public init(namespace: any SocketIOAdapterNamespace) {
        self.namespace = namespace
    }

    /// Adds a local socket to rooms.
    public func join(_ socketID: String, rooms: Set<String>) { self.index.join(socketID, rooms: rooms) }

    /// Removes a local socket from a room.
    public func leave(_ socketID: String, room: String) { self.index.leave(socketID, room: room) }

    /// Removes a local socket from all rooms.
    public func leaveAll(_ socketID: String) { self.index.leaveAll(socketID) }

    /// The rooms of a local socket.
    public func rooms(of socketID: String) -> Set<String> { self.index.rooms(of: socketID) }

    /// The local socket ids a target reaches.
    public func socketIDs(_ target: SocketIOBroadcastTarget) -> Set<String> { self.index.socketIDs(target) }

    /// Delivers to the matching local sockets.
    public func broadcast(_ packet: SocketIOPacket, to target: SocketIOBroadcastTarget) {
        self.namespace.deliver(packet, to: self.socketIDs(target), isVolatile: target.isVolatile)
    }

    /// Snapshots of the matching local sockets.
    public func fetchSockets(_ target: SocketIOBroadcastTarget) -> [SocketIOSocketSnapshot] {
        var snapshots = self.namespace.snapshots(of: self.socketIDs(target))
        for index in snapshots.indices { snapshots[index].rooms = self.index.rooms(of: snapshots[index].id) }
        return snapshots
    }

    /// Makes the matching local sockets join or leave rooms.
    public func updateRooms(_ target: SocketIOBroadcastTarget, join: Set<String>, leave: Set<String>) {
        self.index.update(target, join: join, leave: leave)
    }

    /// No other nodes: nothing to do.
    public func serverSideEmit(_ event: String, arguments: [JSONValue]) {}
}
