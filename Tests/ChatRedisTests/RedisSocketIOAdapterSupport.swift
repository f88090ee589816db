import AsyncTestSupport
import ChatRedis
import NIOCore
import SocketIO
import Synchronization
import Testing

/// A namespace stand-in for adapter tests: it has a fixed set of "connected" sockets and records what the adapter asks
/// of it. Every recording wakes the waiters of ``waitUntil(timeout:_:)``.
final class RecordingNamespace: SocketIOAdapterNamespace {
    struct Delivery: Sendable, Hashable {
        var event: String
        var arguments: [JSONValue]
        var socketIDs: Set<String>
        var isVolatile: Bool
    }

    struct Record: Sendable {
        var deliveries: [Delivery] = []
        var serverSideEmits: [(event: String, arguments: [JSONValue])] = []
    }

    let name: String
    let node: String
    let socketIDs: Set<String>
    let record = Mutex(Record())
    /// One stream per waiter: ending a waiter (its task is cancelled) must not end the others' streams.
    private let waiters = Mutex<[Int: AsyncStream<Void>.Continuation]>([:])
    private let nextWaiter = Atomic<Int>(0)

    init(name: String = "/chat", node: String, sockets: Set<String>) {
        self.name = name
        self.node = node
        self.socketIDs = sockets
    }

    private func signal() {
        for waiter in self.waiters.withLock({ Array($0.values) }) { waiter.yield() }
    }

    func deliver(_ packet: SocketIOPacket, to socketIDs: Set<String>, isVolatile: Bool) {
        let connected = socketIDs.intersection(self.socketIDs)
        guard !connected.isEmpty, let (event, arguments) = packet.eventNameAndArguments else { return }
        self.record.withLock { $0.deliveries.append(Delivery(event: event, arguments: arguments, socketIDs: connected, isVolatile: isVolatile)) }
        self.signal()
    }

    func snapshots(of socketIDs: Set<String>) -> [SocketIOSocketSnapshot] {
        socketIDs.intersection(self.socketIDs).sorted().map {
            SocketIOSocketSnapshot(id: $0, namespace: self.name, rooms: [], data: ["node": .string(self.node)], auth: [:], query: ["n": self.node])
        }
    }

    func receiveServerSideEmit(_ event: String, arguments: [JSONValue]) async {
        self.record.withLock { $0.serverSideEmits.append((event, arguments)) }
        self.signal()
    }

    func receiveServerSideEmitWithAck(_ event: String, arguments: [JSONValue]) async -> [JSONValue] {
        await self.receiveServerSideEmit(event, arguments: arguments)
        return [.string("reply from \(self.node)")]
    }

    /// The sockets that received `event`, one entry per delivery (a socket delivered twice appears twice).
    func recipients(of event: String) -> [String] {
        self.record.withLock { $0.deliveries.filter { $0.event == event }.flatMap { $0.socketIDs.sorted() } }
    }

    func deliveries(of event: String) -> [Delivery] {
        self.record.withLock { $0.deliveries.filter { $0.event == event } }
    }

    /// Waits until `predicate` holds for the record; false after `timeout`.
    func waitUntil(timeout: Duration = .seconds(30), _ predicate: @escaping @Sendable (Record) -> Bool) async -> Bool {
        let id = self.nextWaiter.add(1, ordering: .relaxed).newValue
        let (signals, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.waiters.withLock { $0[id] = continuation }
        defer { _ = self.waiters.withLock { $0.removeValue(forKey: id) } }
        let found = await withDeadline(timeout) {
            if predicate(self.record.withLock { $0 }) { return true }
            for await _ in signals where predicate(self.record.withLock { $0 }) { return true }
            return false
        }
        return found ?? false
    }
}

/// One simulated node: its own Redis client, adapter service, adapter and namespace.
struct AdapterNode: Sendable {
    let client: RedisClient
    let service: RedisSocketIOAdapterService
    let adapter: RedisSocketIOAdapter
    let namespace: RecordingNamespace
}

/// Runs `body` with running nodes whose adapters share a fresh key prefix; `sockets[i]` are node i's sockets and
/// `rooms[i]` their rooms (every socket is also in the room named by its id, as in the Socket.IO server).
func withAdapterNodes(
    sockets: [[String: Set<String>]],
    requestTimeout: Duration = .seconds(10),
    _ body: @Sendable ([AdapterNode], RedisKeys) async throws -> Void
) async throws {
    guard let url = RedisTestEnvironment.url() else { return }
    let keys = RedisTestEnvironment.uniqueKeys()
    let configuration = try RedisConfiguration.forTests(url: url)
    var nodes: [AdapterNode] = []
    for (index, roomsBySocket) in sockets.enumerated() {
        let client = RedisClient(configuration: configuration)
        let service = RedisSocketIOAdapterService(client: client, keys: keys, uid: "node-\(index)", requestTimeout: requestTimeout)
        let namespace = RecordingNamespace(node: "node-\(index)", sockets: Set(roomsBySocket.keys))
        let adapter = service.makeAdapter(for: namespace)
        for (socket, rooms) in roomsBySocket { await adapter.join(socket, rooms: rooms.union([socket, "all-\(index)", "everyone"])) }
        nodes.append(AdapterNode(client: client, service: service, adapter: adapter, namespace: namespace))
    }
    let running = nodes
    try await withThrowingTaskGroup(of: Void.self) { group in
        for node in running {
            group.addTask { try await node.client.run() }
            group.addTask { try await node.service.run() }
        }
        defer { group.cancelAll() }
        for node in running { try await node.adapter.waitUntilSubscribed() }
        try await body(running, keys)
    }
}

/// Makes sure every message published so far has been handled by every node: each node in turn broadcasts a marker
/// to the `everyone` room and waits until every other node delivered it. Redis keeps one publisher's messages in order
/// for each subscriber, so anything published before the marker was handled before it.
func settle(_ nodes: [AdapterNode], sourceLocation: SourceLocation = #_sourceLocation) async {
    for (index, node) in nodes.enumerated() {
        let marker = "marker-\(index)-\(Int.random(in: 0..<Int.max))"
        await node.adapter.broadcast(event(marker), to: SocketIOBroadcastTarget(rooms: ["everyone"]))
        for other in nodes where other.namespace !== node.namespace {
            let arrived = await other.namespace.waitUntil { $0.deliveries.contains { $0.event == marker } }
            #expect(arrived, "marker from node \(index) did not reach \(other.namespace.node)", sourceLocation: sourceLocation)
        }
    }
}

func event(_ name: String, _ arguments: JSONValue...) -> SocketIOPacket {
    SocketIOPacket(type: .event, namespace: "/chat", data: .array([.string(name)] + arguments))
}
