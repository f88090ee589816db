/// The in-process ``SocketIOAdapter``: rooms live in memory and broadcasts reach this node only.
public actor MemorySocketIOAdapter: SocketIOAdapter {
    private let namespace: any SocketIOAdapterNamespace
    private var roomsBySocket: [String: Set<String>] = [:]
    private var socketsByRoom: [String: Set<String>] = [:]

    /// Creates an adapter for a namespace.
    public init(namespace: any SocketIOAdapterNamespace) {
        self.namespace = namespace
    }

    /// Adds a local socket to rooms.
    public func join(_ socketID: String, rooms: Set<String>) {
        self.roomsBySocket[socketID, default: []].formUnion(rooms)
        for room in rooms { self.socketsByRoom[room, default: []].insert(socketID) }
    }

    /// Removes a local socket from a room.
    public func leave(_ socketID: String, room: String) {
        self.roomsBySocket[socketID]?.remove(room)
        self.socketsByRoom[room]?.remove(socketID)
        if self.socketsByRoom[room]?.isEmpty == true { self.socketsByRoom[room] = nil }
    }

    /// Removes a local socket from all rooms.
    public func leaveAll(_ socketID: String) {
        for room in self.roomsBySocket.removeValue(forKey: socketID) ?? [] {
            self.socketsByRoom[room]?.remove(socketID)
            if self.socketsByRoom[room]?.isEmpty == true { self.socketsByRoom[room] = nil }
        }
    }

    /// The rooms of a local socket.
    public func rooms(of socketID: String) -> Set<String> {
        self.roomsBySocket[socketID] ?? []
    }

    /// The local socket ids a target reaches.
    public func socketIDs(_ target: SocketIOBroadcastTarget) -> Set<String> {
        var ids: Set<String>
        if target.rooms.isEmpty {
            ids = Set(self.roomsBySocket.keys)
        } else {
            ids = []
            for room in target.rooms { ids.formUnion(self.socketsByRoom[room] ?? []) }
        }
        for room in target.except { ids.subtract(self.socketsByRoom[room] ?? []) }
        return ids
    }

    /// Delivers to the matching local sockets.
    public func broadcast(_ packet: SocketIOPacket, to target: SocketIOBroadcastTarget) {
        self.namespace.deliver(packet, to: self.socketIDs(target), isVolatile: target.isVolatile)
    }

    /// Snapshots of the matching local sockets.
    public func fetchSockets(_ target: SocketIOBroadcastTarget) -> [SocketIOSocketSnapshot] {
        self.namespace.snapshots(of: self.socketIDs(target))
    }

    /// Makes the matching local sockets join or leave rooms.
    public func updateRooms(_ target: SocketIOBroadcastTarget, join: Set<String>, leave: Set<String>) {
        for id in self.socketIDs(target) {
            self.join(id, rooms: join)
            for room in leave { self.leave(id, room: room) }
        }
    }

    /// No other nodes: nothing to do.
    public func serverSideEmit(_ event: String, arguments: [JSONValue]) {}
}
