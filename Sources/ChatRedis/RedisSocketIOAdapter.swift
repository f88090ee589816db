import Foundation
import Logging
import NIOCore
import SocketIO
import Synchronization

/// A ``SocketIOAdapter`` that spreads one namespace over every node sharing a Redis, in the spirit of the socket.io
/// Redis adapter.
///
/// - Broadcasts are delivered to this node's sockets at once and published on the namespace's broadcast channel; every
///   other node applies the rooms and exceptions to its own sockets. A node ignores its own messages, so nobody gets a
///   packet twice. `local` broadcasts stay on this node.
/// - `fetchSockets`, `serverSideEmitWithAck` publish a request on the request channel and wait for one answer per
///   other node (the channel's subscriber count minus this node), at most ``RedisSocketIOAdapterService/requestTimeout``;
///   `fetchSockets` then returns what it has. Room updates (`socketsJoin` / `socketsLeave`) are published without
///   waiting; a later request from the same node is answered after them, because each node handles one namespace's
///   messages in order.
/// - Delivery is at most once: a node whose pub/sub connection is down misses what is published meanwhile.
///
/// Created by ``RedisSocketIOAdapterService/makeAdapter(for:)``; the adapter subscribes at once (the subscription
/// becomes active when the client's pub/sub connection is up, see ``waitUntilSubscribed()``).
public final class RedisSocketIOAdapter: SocketIOAdapter, Sendable {
    private let namespace: any SocketIOAdapterNamespace
    private let node: RedisSocketIOAdapterService
    private let broadcastChannel: String
    private let requestChannel: String
    private let responseChannel: String
    private let rooms = Mutex(SocketIORoomIndex())
    private let pending = Mutex<[String: AsyncStream<RedisSocketIOEnvelope>.Continuation]>([:])
    private let nextRequest = Atomic<Int>(0)

    init(namespace: any SocketIOAdapterNamespace, node: RedisSocketIOAdapterService) {
        self.namespace = namespace
        self.node = node
        self.broadcastChannel = node.keys.socketIOBroadcastChannel(namespace: namespace.name)
        self.requestChannel = node.keys.socketIORequestChannel(namespace: namespace.name)
        self.responseChannel = node.keys.socketIOResponseChannel(namespace: namespace.name, uid: node.uid)
        let registration = RedisSubscriptionRegistry.Registration(
            keys: self.subscriptionKeys,
            deliver: { [weak self] message in self?.receive(message) },
            finish: {}
        )
        if node.client.subscriptions.register(registration) == nil {
            node.logger.warning("Redis client already shut down; Socket.IO namespace stays local", metadata: ["sio.nsp": "\(namespace.name)"])
        }
    }

    private var subscriptionKeys: [RedisSubscriptionRegistry.Key] {
        [self.broadcastChannel, self.requestChannel, self.responseChannel].map { .init(kind: .channel, name: $0) }
    }

    /// Waits until Redis has confirmed this adapter's subscriptions (at most the client's command timeout).
    public func waitUntilSubscribed() async throws {
        try await self.node.client.waitForConfirmation(self.subscriptionKeys)
    }

    // MARK: SocketIOAdapter

    /// Adds a local socket to rooms.
    public func join(_ socketID: String, rooms: Set<String>) async {
        self.rooms.withLock { $0.join(socketID, rooms: rooms) }
    }

    /// Removes a local socket from a room.
    public func leave(_ socketID: String, room: String) async {
        self.rooms.withLock { $0.leave(socketID, room: room) }
    }

    /// Removes a local socket from all rooms.
    public func leaveAll(_ socketID: String) async {
        self.rooms.withLock { $0.leaveAll(socketID) }
    }

    /// The rooms of a local socket.
    public func rooms(of socketID: String) async -> Set<String> {
        self.rooms.withLock { $0.rooms(of: socketID) }
    }

    /// Delivers to the matching local sockets, then (unless local) publishes for the other nodes.
    public func broadcast(_ packet: SocketIOPacket, to target: SocketIOBroadcastTarget) async {
        let ids = self.rooms.withLock { $0.socketIDs(target) }
        self.namespace.deliver(packet, to: ids, isVolatile: target.isVolatile)
        guard !target.isLocal else { return }
        await self.publish(RedisSocketIOEnvelope(kind: .broadcast, uid: self.node.uid, target: target, packet: packet), to: self.broadcastChannel)
    }

    /// This node's matching sockets and, unless local, those of every node that answers within the request timeout.
    public func fetchSockets(_ target: SocketIOBroadcastTarget) async -> [SocketIOSocketSnapshot] {
        let local = self.localSnapshots(target)
        guard !target.isLocal else { return local }
        let request = RedisSocketIOEnvelope(kind: .fetchSockets, uid: self.node.uid, requestID: self.makeRequestID(), target: target)
        do {
            let (replies, _) = try await self.request(request)
            return local + replies.flatMap { ($0.packet?.data?.arrayValue ?? []).compactMap(SocketIOSocketSnapshot.init(jsonValue:)) }
        } catch {
            self.node.logger.warning("fetchSockets reached this node only", metadata: ["sio.nsp": "\(self.namespace.name)", "error": "\(error)"])
            return local
        }
    }

    /// Updates the matching local sockets now and, unless local, tells the other nodes (without waiting for them).
    public func updateRooms(_ target: SocketIOBroadcastTarget, join: Set<String>, leave: Set<String>) async {
        self.rooms.withLock { $0.update(target, join: join, leave: leave) }
        guard !target.isLocal else { return }
        let envelope = RedisSocketIOEnvelope(kind: .updateRooms, uid: self.node.uid, target: target, join: join, leave: leave)
        await self.publish(envelope, to: self.requestChannel)
    }

    /// Runs the other nodes' server-side handlers for `event` (never this node's).
    public func serverSideEmit(_ event: String, arguments: [JSONValue]) async {
        let packet = SocketIOPacket(type: .event, namespace: self.namespace.name, data: .array([.string(event)] + arguments))
        await self.publish(RedisSocketIOEnvelope(kind: .serverSideEmit, uid: self.node.uid, packet: packet), to: self.requestChannel)
    }

    /// Runs the other nodes' server-side handlers for `event` and returns each node's reply.
    ///
    /// - Throws: `SocketIOError.ackTimeout` when fewer nodes than are subscribed replied within `timeout`, and the
    ///   ``RedisError`` when Redis cannot be reached.
    public func serverSideEmitWithAck(_ event: String, arguments: [JSONValue], timeout: Duration) async throws -> [[JSONValue]] {
        let packet = SocketIOPacket(type: .event, namespace: self.namespace.name, data: .array([.string(event)] + arguments))
        let request = RedisSocketIOEnvelope(kind: .serverSideEmitWithAck, uid: self.node.uid, requestID: self.makeRequestID(), packet: packet)
        let (replies, expected) = try await self.request(request, timeout: timeout)
        guard replies.count >= expected else { throw SocketIOError.ackTimeout }
        return replies.map { $0.packet?.data?.arrayValue ?? [] }
    }

    // MARK: Requests

    private func makeRequestID() -> String {
        "\(self.node.uid):\(self.nextRequest.add(1, ordering: .relaxed).newValue)"
    }

    /// How many other nodes serve this namespace: subscribers of the request channel, minus this node.
    private func remoteNodeCount() async throws -> Int {
        let reply = try await self.node.client.send("PUBSUB", "NUMSUB", self.requestChannel)
        let count = Int(reply.elements?.dropFirst().first?.int64 ?? 0)
        return max(0, count - 1)
    }

    /// Publishes a request and collects answers until every other node has answered or the timeout passes.
    private func request(
        _ envelope: RedisSocketIOEnvelope,
        timeout: Duration? = nil
    ) async throws -> (replies: [RedisSocketIOEnvelope], expected: Int) {
        let expected = try await self.remoteNodeCount()
        guard expected > 0, let requestID = envelope.requestID else { return ([], 0) }
        let (stream, continuation) = AsyncStream.makeStream(of: RedisSocketIOEnvelope.self)
        self.pending.withLock { $0[requestID] = continuation }
        defer {
            _ = self.pending.withLock { $0.removeValue(forKey: requestID) }
            continuation.finish()
        }
        try await self.node.client.publish(envelope.encode(), to: self.requestChannel)
        let timeout = timeout ?? self.node.requestTimeout
        let replies = await withTaskGroup(of: [RedisSocketIOEnvelope]?.self) { group in
            group.addTask {
                var replies: [RedisSocketIOEnvelope] = []
                for await reply in stream {
                    replies.append(reply)
                    if replies.count >= expected { break }
                }
                return replies
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                continuation.finish()
                return nil
            }
            var replies: [RedisSocketIOEnvelope] = []
            while let next = await group.next() {
                guard let next else { continue }
                replies = next
                group.cancelAll()
            }
            return replies
        }
        if replies.count < expected {
            self.node.logger.debug(
                "Socket.IO request timed out",
                metadata: ["sio.nsp": "\(self.namespace.name)", "sio.expected": "\(expected)", "sio.received": "\(replies.count)"]
            )
        }
        return (replies, expected)
    }

    private func publish(_ envelope: RedisSocketIOEnvelope, to channel: String) async {
        do {
            try await self.node.client.publish(envelope.encode(), to: channel)
        } catch {
            self.node.logger.warning("Socket.IO publish to other nodes failed", metadata: ["redis.channel": "\(channel)", "error": "\(error)"])
        }
    }

    private func localSnapshots(_ target: SocketIOBroadcastTarget) -> [SocketIOSocketSnapshot] {
        let (ids, roomsByID) = self.rooms.withLock { rooms in
            let ids = rooms.socketIDs(target)
            return (ids, Dictionary(uniqueKeysWithValues: ids.map { ($0, rooms.rooms(of: $0)) }))
        }
        // Snapshots come without rooms: the adapter's index is the record (room updates from other nodes change it).
        return self.namespace.snapshots(of: ids).map { snapshot in
            var snapshot = snapshot
            if let rooms = roomsByID[snapshot.id] { snapshot.rooms = rooms }
            return snapshot
        }
    }

    // MARK: Messages from other nodes (on the pub/sub event loop: nothing here may wait)

    private func receive(_ message: RedisPubSubMessage) {
        let envelope: RedisSocketIOEnvelope
        do {
            envelope = try RedisSocketIOEnvelope(decoding: message.payload)
        } catch {
            self.node.logger.warning(
                "Dropped an unreadable Socket.IO adapter message",
                metadata: ["redis.channel": "\(message.channel)", "error": "\(error)"]
            )
            return
        }
        guard envelope.uid != self.node.uid else { return }
        switch envelope.kind {
        case .broadcast:
            guard let target = envelope.target, let packet = envelope.packet else { return }
            let ids = self.rooms.withLock { $0.socketIDs(target) }
            self.namespace.deliver(packet, to: ids, isVolatile: target.isVolatile)
        case .updateRooms:
            guard let target = envelope.target else { return }
            self.rooms.withLock { $0.update(target, join: envelope.join, leave: envelope.leave) }
        case .fetchSockets:
            guard let target = envelope.target, let requestID = envelope.requestID else { return }
            let snapshots = self.localSnapshots(target)
            let reply = RedisSocketIOEnvelope(
                kind: .fetchSocketsResponse,
                uid: self.node.uid,
                requestID: requestID,
                packet: SocketIOPacket(type: .ack, namespace: self.namespace.name, data: .array(snapshots.map(\.jsonValue)))
            )
            let channel = self.node.keys.socketIOResponseChannel(namespace: self.namespace.name, uid: envelope.uid)
            self.node.enqueue { await self.publish(reply, to: channel) }
        case .serverSideEmit:
            guard let (event, arguments) = envelope.packet?.eventNameAndArguments else { return }
            let namespace = self.namespace
            self.node.enqueue { await namespace.receiveServerSideEmit(event, arguments: arguments) }
        case .serverSideEmitWithAck:
            guard let (event, arguments) = envelope.packet?.eventNameAndArguments, let requestID = envelope.requestID else { return }
            let channel = self.node.keys.socketIOResponseChannel(namespace: self.namespace.name, uid: envelope.uid)
            self.node.enqueue {
                let answer = await self.namespace.receiveServerSideEmitWithAck(event, arguments: arguments)
                let reply = RedisSocketIOEnvelope(
                    kind: .serverSideEmitResponse,
                    uid: self.node.uid,
                    requestID: requestID,
                    packet: SocketIOPacket(type: .ack, namespace: self.namespace.name, data: .array(answer))
                )
                await self.publish(reply, to: channel)
            }
        case .fetchSocketsResponse, .serverSideEmitResponse:
            guard let requestID = envelope.requestID else { return }
            _ = self.pending.withLock { $0[requestID] }?.yield(envelope)
        }
    }
}
