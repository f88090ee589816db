/// The room membership of one node's sockets in one namespace: the bookkeeping every ``SocketIOAdapter`` keeps for its
/// local sockets (``MemorySocketIOAdapter`` and cross-node adapters alike). A socket id is also a room.
public struct SocketIORoomIndex: Sendable {
    private var roomsBySocket: [String: Set<String>] = [:]
    private var socketsByRoom: [String: Set<String>] = [:]

    /// An empty index.
    public init() {}

    /// Adds a socket to rooms.
    public mutating func join(_ socketID: String, rooms: Set<String>) {
        self.roomsBySocket[socketID, default: []].formUnion(rooms)
        for room in rooms { self.socketsByRoom[room, default: []].insert(socketID) }
    }

    /// Removes a socket from a room.
    public mutating func leave(_ socketID: String, room: String) {
        self.roomsBySocket[socketID]?.remove(room)
        self.socketsByRoom[room]?.remove(socketID)
        if self.socketsByRoom[room]?.isEmpty == true { self.socketsByRoom[room] = nil }
    }

    /// Removes a socket from every room (it disconnected).
    public mutating func leaveAll(_ socketID: String) {
        for room in self.roomsBySocket.removeValue(forKey: socketID) ?? [] {
            self.socketsByRoom[room]?.remove(socketID)
            if self.socketsByRoom[room]?.isEmpty == true { self.socketsByRoom[room] = nil }
        }
    }

    /// The rooms of a socket.
    public func rooms(of socketID: String) -> Set<String> {
        self.roomsBySocket[socketID] ?? []
    }

    /// The local sockets a target reaches: every socket when it names no rooms, minus the sockets of `except`.
    public func socketIDs(_ target: SocketIOBroadcastTarget) -> Set<String> {
        var ids: Set<String>
        if target.rooms.isEmpty {
            ids = Set(self.roomsBySocket.keys)
        } else if target.rooms.count == 1, let room = target.rooms.first {
            // One room (a user's devices): its set, shared rather than copied.
            ids = self.socketsByRoom[room] ?? []
        } else {
            ids = []
            ids.reserveCapacity(target.rooms.reduce(0) { $0 + (self.socketsByRoom[$1]?.count ?? 0) })
            for room in target.rooms { ids.formUnion(self.socketsByRoom[room] ?? []) }
        }
        for room in target.except {
            if let sockets = self.socketsByRoom[room], !ids.isDisjoint(with: sockets) { ids.subtract(sockets) }
        }
        return ids
    }

    /// Applies `socketsJoin` / `socketsLeave` to the local sockets a target reaches.
    public mutating func update(_ target: SocketIOBroadcastTarget, join: Set<String>, leave: Set<String>) {
        for id in self.socketIDs(target) {
            self.join(id, rooms: join)
            for room in leave { self.leave(id, room: room) }
        }
    }
}
