/// Which sockets a broadcast reaches.
public struct SocketIOBroadcastTarget: Sendable, Hashable {
    /// Rooms to reach; empty means every socket of the namespace.
    public var rooms: Set<String>
    /// Rooms whose sockets are skipped (a socket id is also a room).
    public var except: Set<String>
    /// Drop the packet for clients that cannot take it right now.
    public var isVolatile: Bool
    /// Only reach sockets on this node.
    public var isLocal: Bool

    /// Creates a target.
    public init(rooms: Set<String> = [], except: Set<String> = [], isVolatile: Bool = false, isLocal: Bool = false) {
        self.rooms = rooms
        self.except = except
        self.isVolatile = isVolatile
        self.isLocal = isLocal
    }
}

/// A value snapshot of a socket, possibly on another node (`fetchSockets`).
public struct SocketIOSocketSnapshot: Sendable, Hashable {
    /// The socket id.
    public var id: String
    /// The namespace name.
    public var namespace: String
    /// The rooms the socket is in (including its own id).
    public var rooms: Set<String>
    /// The socket's `data`.
    public var data: JSONValue
    /// The handshake auth payload.
    public var auth: JSONValue
    /// The handshake query.
    public var query: [String: String]

    /// Creates a snapshot.
    public init(id: String, namespace: String, rooms: Set<String>, data: JSONValue, auth: JSONValue, query: [String: String]) {
        self.id = id
        self.namespace = namespace
        self.rooms = rooms
        self.data = data
        self.auth = auth
        self.query = query
    }
}

/// What an adapter may ask of the namespace it serves on this node.
public protocol SocketIOAdapterNamespace: Sendable {
    /// The namespace name.
    var name: String { get }
    /// Writes a packet to the given local sockets (ids not connected here are ignored).
    func deliver(_ packet: SocketIOPacket, to socketIDs: Set<String>, isVolatile: Bool)
    /// Snapshots of the given local sockets, with empty `rooms`: the adapter fills them in from its room index.
    func snapshots(of socketIDs: Set<String>) -> [SocketIOSocketSnapshot]
    /// Another node called `serverSideEmit`.
    func receiveServerSideEmit(_ event: String, arguments: [JSONValue]) async
    /// Another node called `serverSideEmitWithAck` and waits for this node's reply.
    func receiveServerSideEmitWithAck(_ event: String, arguments: [JSONValue]) async -> [JSONValue]
}

extension SocketIOAdapterNamespace {
    /// Runs the plain handlers and replies with no arguments, for namespaces without replying handlers.
    public func receiveServerSideEmitWithAck(_ event: String, arguments: [JSONValue]) async -> [JSONValue] {
        await self.receiveServerSideEmit(event, arguments: arguments)
        return []
    }
}

/// The cross-node seam of a namespace: room membership and broadcasting.
///
/// One adapter serves one namespace. ``MemorySocketIOAdapter`` keeps everything in process; a Redis implementation
/// forwards broadcasts to other nodes and delivers them locally through ``SocketIOAdapterNamespace``.
public protocol SocketIOAdapter: Sendable {
    /// Adds a local socket to rooms.
    func join(_ socketID: String, rooms: Set<String>) async
    /// Removes a local socket from a room.
    func leave(_ socketID: String, room: String) async
    /// Removes a local socket from all rooms (it disconnected).
    func leaveAll(_ socketID: String) async
    /// The rooms of a local socket.
    func rooms(of socketID: String) async -> Set<String>
    /// Sends a packet to every matching socket, on every node unless the target is local.
    func broadcast(_ packet: SocketIOPacket, to target: SocketIOBroadcastTarget) async
    /// Snapshots of every matching socket, on every node unless the target is local.
    func fetchSockets(_ target: SocketIOBroadcastTarget) async -> [SocketIOSocketSnapshot]
    /// Makes matching sockets join (`add`) or leave rooms.
    func updateRooms(_ target: SocketIOBroadcastTarget, join: Set<String>, leave: Set<String>) async
    /// Emits an event to the other nodes' namespace handlers (`serverSideEmit`).
    func serverSideEmit(_ event: String, arguments: [JSONValue]) async
    /// Emits an event to the other nodes' namespace handlers and returns each node's reply.
    ///
    /// - Throws: ``SocketIOError/ackTimeout`` when some node has not replied within `timeout`.
    func serverSideEmitWithAck(_ event: String, arguments: [JSONValue], timeout: Duration) async throws -> [[JSONValue]]
}

extension SocketIOAdapter {
    /// For adapters that cannot collect replies: emits without waiting and returns no replies (a single node has no
    /// other nodes to reply).
    public func serverSideEmitWithAck(_ event: String, arguments: [JSONValue], timeout: Duration) async throws -> [[JSONValue]] {
        await self.serverSideEmit(event, arguments: arguments)
        return []
    }
}
