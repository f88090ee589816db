import SocketIO

/// The room membership of this node's sockets in one namespace (the same rules as `MemorySocketIOAdapter`).
struct RedisSocketIORooms: Sendable {
    private var roomsBySocket: [String: Set<String>] = [:]
    private var socketsByRoom: [String: Set<String>] = [:]

    mutating func join(_ socketID: String, rooms: Set<String>) {
        self.roomsBySocket[socketID, default: []].formUnion(rooms)
        for room in rooms { self.socketsByRoom[room, default: []].insert(socketID) }
    }

    mutating func leave(_ socketID: String, room: String) {
        self.roomsBySocket[socketID]?.remove(room)
        self.socketsByRoom[room]?.remove(socketID)
        if self.socketsByRoom[room]?.isEmpty == true { self.socketsByRoom[room] = nil }
    }

    mutating func leaveAll(_ socketID: String) {
        for room in self.roomsBySocket.removeValue(forKey: socketID) ?? [] {
            self.socketsByRoom[room]?.remove(socketID)
            if self.socketsByRoom[room]?.isEmpty == true { self.socketsByRoom[room] = nil }
        }
    }

    func rooms(of socketID: String) -> Set<String> {
        self.roomsBySocket[socketID] ?? []
    }

    /// The local sockets a target reaches: every socket when it names no rooms, minus the sockets of `except`.
    func socketIDs(_ target: SocketIOBroadcastTarget) -> Set<String> {
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

    /// Applies `socketsJoin` / `socketsLeave` to the local sockets a target reaches.
    mutating func update(_ target: SocketIOBroadcastTarget, join: Set<String>, leave: Set<String>) {
        for id in self.socketIDs(target) {
            self.join(id, rooms: join)
            for room in leave { self.leave(id, room: room) }
        }
    }
}
