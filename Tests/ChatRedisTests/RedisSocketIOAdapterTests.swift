import ChatRedis
import NIOCore
import SocketIO
import Testing

@testable import ChatRedis

struct RedisSocketIOAdapterTests {
    /// Node 0 has a1 (room r) and a2; node 1 has b1 (room r) and b2.
    static let twoNodes: [[String: Set<String>]] = [["a1": ["r"], "a2": []], ["b1": ["r"], "b2": []]]

    @Test func broadcastToARoomReachesEachSocketOnceOnEveryNode() async throws {
        try await withAdapterNodes(sockets: Self.twoNodes) { nodes, _ in
            await nodes[0].adapter.broadcast(event("hello", 1), to: SocketIOBroadcastTarget(rooms: ["r"]))
            await nodes[0].adapter.broadcast(event("all"), to: SocketIOBroadcastTarget())
            await settle(nodes)
            #expect(nodes[0].namespace.recipients(of: "hello") == ["a1"])
            #expect(nodes[1].namespace.recipients(of: "hello") == ["b1"])
            #expect(nodes[1].namespace.deliveries(of: "hello").first?.arguments == [1])
            #expect(nodes[0].namespace.recipients(of: "all") == ["a1", "a2"])
            #expect(nodes[1].namespace.recipients(of: "all") == ["b1", "b2"])
        }
    }

    @Test func exceptIsHonouredOnEveryNode() async throws {
        let sockets: [[String: Set<String>]] = [["a1": ["r"], "a2": ["r", "muted"]], ["b1": ["r"], "b2": ["r", "muted"], "b3": ["r"]]]
        try await withAdapterNodes(sockets: sockets) { nodes, _ in
            await nodes[1].adapter.broadcast(event("news"), to: SocketIOBroadcastTarget(rooms: ["r"], except: ["muted", "b3", "a1"]))
            await settle(nodes)
            #expect(nodes[0].namespace.recipients(of: "news") == [])
            #expect(nodes[1].namespace.recipients(of: "news") == ["b1"])
            await nodes[1].adapter.broadcast(event("news2"), to: SocketIOBroadcastTarget(rooms: ["r"], except: ["muted"]))
            await settle(nodes)
            #expect(nodes[0].namespace.recipients(of: "news2") == ["a1"])
            #expect(nodes[1].namespace.recipients(of: "news2") == ["b1", "b3"])
        }
    }

    @Test func localBroadcastStaysOnItsNode() async throws {
        try await withAdapterNodes(sockets: Self.twoNodes) { nodes, _ in
            await nodes[0].adapter.broadcast(event("mine"), to: SocketIOBroadcastTarget(rooms: ["r"], isLocal: true))
            await nodes[0].adapter.updateRooms(SocketIOBroadcastTarget(isLocal: true), join: ["local-room"], leave: [])
            await settle(nodes)
            #expect(nodes[0].namespace.recipients(of: "mine") == ["a1"])
            #expect(nodes[1].namespace.recipients(of: "mine") == [])
            #expect(await nodes[1].adapter.rooms(of: "b1").contains("local-room") == false)
            #expect(await nodes[0].adapter.rooms(of: "a1").contains("local-room"))
            let local = await nodes[0].adapter.fetchSockets(SocketIOBroadcastTarget(isLocal: true))
            #expect(Set(local.map(\.id)) == ["a1", "a2"])
        }
    }

    @Test func volatileFlagAndBinaryAttachmentsCrossNodes() async throws {
        try await withAdapterNodes(sockets: Self.twoNodes) { nodes, _ in
            let bytes = ByteBuffer(bytes: [0, 1, 2, 255])
            await nodes[0].adapter.broadcast(
                event("file", ["name": "x.bin", "data": .binary(bytes)], .binary(ByteBuffer(string: "second"))),
                to: SocketIOBroadcastTarget(rooms: ["r"], isVolatile: true)
            )
            await settle(nodes)
            let received = nodes[1].namespace.deliveries(of: "file")
            #expect(received.count == 1)
            #expect(received.first?.isVolatile == true)
            #expect(received.first?.arguments == [["name": "x.bin", "data": .binary(bytes)], .binary(ByteBuffer(string: "second"))])
        }
    }

    @Test func fetchSocketsReturnsTheSocketsOfEveryNode() async throws {
        try await withAdapterNodes(sockets: Self.twoNodes + [["c1": ["r"]]]) { nodes, _ in
            let all = await nodes[0].adapter.fetchSockets(SocketIOBroadcastTarget())
            #expect(all.map(\.id).sorted() == ["a1", "a2", "b1", "b2", "c1"])
            let inRoom = await nodes[1].adapter.fetchSockets(SocketIOBroadcastTarget(rooms: ["r"], except: ["a1"]))
            #expect(inRoom.map(\.id).sorted() == ["b1", "c1"])
            let c1 = try #require(all.first { $0.id == "c1" })
            #expect(c1.data == ["node": "node-2"])
            #expect(c1.query == ["n": "node-2"])
            #expect(c1.rooms == ["c1", "r", "all-2", "everyone"])
            #expect(c1.namespace == "/chat")
        }
    }

    @Test func updateRoomsReachesRemoteSockets() async throws {
        try await withAdapterNodes(sockets: Self.twoNodes) { nodes, _ in
            await nodes[0].adapter.updateRooms(SocketIOBroadcastTarget(rooms: ["r"]), join: ["vip"], leave: ["everyone"])
            let vip = await nodes[0].adapter.fetchSockets(SocketIOBroadcastTarget(rooms: ["vip"]))
            #expect(vip.map(\.id).sorted() == ["a1", "b1"])
            #expect(vip.first { $0.id == "b1" }?.rooms == ["b1", "r", "vip", "all-1"])
            #expect(await nodes[1].adapter.rooms(of: "b1") == ["b1", "r", "vip", "all-1"])
            #expect(await nodes[1].adapter.rooms(of: "b2") == ["b2", "all-1", "everyone"])
            await nodes[0].adapter.broadcast(event("vip-news"), to: SocketIOBroadcastTarget(rooms: ["vip"]))
            await nodes[0].adapter.broadcast(event("done"), to: SocketIOBroadcastTarget(rooms: ["b2"]))
            #expect(await nodes[1].namespace.waitUntil { $0.deliveries.contains { $0.event == "done" } })
            #expect(nodes[1].namespace.recipients(of: "vip-news") == ["b1"])
            await nodes[1].adapter.updateRooms(SocketIOBroadcastTarget(rooms: ["a1"]), join: [], leave: ["vip"])
            let after = await nodes[1].adapter.fetchSockets(SocketIOBroadcastTarget(rooms: ["vip"]))
            #expect(after.map(\.id) == ["b1"])
        }
    }

    @Test func serverSideEmitReachesTheOtherNodesOnly() async throws {
        try await withAdapterNodes(sockets: Self.twoNodes + [["c1": []]]) { nodes, _ in
            await nodes[0].adapter.serverSideEmit("config-changed", arguments: ["v2", .binary(ByteBuffer(string: "blob"))])
            for node in nodes.dropFirst() {
                let arrived = await node.namespace.waitUntil { !$0.serverSideEmits.isEmpty }
                #expect(arrived)
                let emits = node.namespace.record.withLock { $0.serverSideEmits }
                #expect(emits.map(\.event) == ["config-changed"])
                #expect(emits.first?.arguments == ["v2", .binary(ByteBuffer(string: "blob"))])
            }
            await settle(nodes)
            #expect(nodes[0].namespace.record.withLock { $0.serverSideEmits.isEmpty })
        }
    }

    @Test func serverSideEmitWithAckCollectsOneReplyPerNode() async throws {
        try await withAdapterNodes(sockets: Self.twoNodes + [["c1": []]]) { nodes, _ in
            let replies = try await nodes[1].adapter.serverSideEmitWithAck("count", arguments: [1], timeout: .seconds(10))
            #expect(replies.map { $0.first?.stringValue ?? "" }.sorted() == ["reply from node-0", "reply from node-2"])
            #expect(nodes[1].namespace.record.withLock { $0.serverSideEmits.isEmpty })
        }
    }

    /// A third subscriber of the request channel that never answers (a hung node): requests wait for the timeout and
    /// return what the live nodes sent. The timeout leaves the live node's answer seconds, not milliseconds: under a
    /// full parallel test run a Redis round trip once took longer than 700 ms.
    @Test func aSilentNodeCostsTheTimeoutButNotTheAnswer() async throws {
        try await withAdapterNodes(sockets: Self.twoNodes, requestTimeout: .seconds(3)) { nodes, keys in
            guard let url = RedisTestEnvironment.url() else { return }
            try await withRedisClient(try RedisConfiguration.forTests(url: url)) { (silent: RedisClient) async throws in
                let stream = try await silent.subscribe(to: [keys.socketIORequestChannel(namespace: "/chat")])
                try await Self.expectTimeoutButAnswers(nodes)
                _ = stream
            }
        }
    }

    static func expectTimeoutButAnswers(_ nodes: [AdapterNode]) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let all = await nodes[0].adapter.fetchSockets(SocketIOBroadcastTarget())
        let elapsed = clock.now - start
        #expect(all.map(\.id).sorted() == ["a1", "a2", "b1", "b2"])
        #expect(elapsed >= .milliseconds(2900))
        #expect(elapsed < .seconds(20))
        await #expect(throws: SocketIOError.ackTimeout) {
            _ = try await nodes[0].adapter.serverSideEmitWithAck("hello", arguments: [], timeout: .milliseconds(500))
        }
    }

    /// With one node alone, requests return at once instead of waiting for the timeout.
    @Test func aSingleNodeAnswersWithoutWaiting() async throws {
        try await withAdapterNodes(sockets: [["a1": []]], requestTimeout: .seconds(60)) { nodes, _ in
            let clock = ContinuousClock()
            let start = clock.now
            let all = await nodes[0].adapter.fetchSockets(SocketIOBroadcastTarget())
            #expect(all.map(\.id) == ["a1"])
            let replies = try await nodes[0].adapter.serverSideEmitWithAck("x", arguments: [], timeout: .seconds(60))
            #expect(replies.isEmpty)
            #expect(clock.now - start < .seconds(30))
        }
    }

    /// Through the Socket.IO server's own namespaces: `onServerSideEmit(_:replying:)` answers another node's
    /// `serverSideEmitWithAck`, plain handlers run too, and the sender's own handlers do not.
    @Test func serverNamespacesAnswerServerSideEmitsAcrossNodes() async throws {
        guard let url = RedisTestEnvironment.url() else { return }
        let keys = RedisTestEnvironment.uniqueKeys()
        let configuration = try RedisConfiguration.forTests(url: url)
        try await withRedisClient(configuration) { (clientA: RedisClient) async throws in
            try await withRedisClient(configuration) { (clientB: RedisClient) async throws in
                let nodeA = RedisSocketIOAdapterService(client: clientA, keys: keys)
                let nodeB = RedisSocketIOAdapterService(client: clientB, keys: keys)
                let serverA = SocketIOServer(adapter: { nodeA.makeAdapter(for: $0) })
                let serverB = SocketIOServer(adapter: { nodeB.makeAdapter(for: $0) })
                let (plain, plainContinuation) = AsyncStream.makeStream(of: [JSONValue].self)
                serverB.namespace("/admin").onServerSideEmit("stats") { arguments in plainContinuation.yield(arguments) }
                serverB.namespace("/admin").onServerSideEmit("stats", replying: { arguments in ["node-b", arguments.first ?? .null] })
                serverA.namespace("/admin").onServerSideEmit("stats", replying: { _ in ["node-a"] })
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await nodeA.run() }
                    group.addTask { try await nodeB.run() }
                    defer { group.cancelAll() }
                    for server in [serverA, serverB] {
                        let adapter = try #require(server.namespace("/admin").adapter as? RedisSocketIOAdapter)
                        try await adapter.waitUntilSubscribed()
                    }
                    let replies = try await serverA.namespace("/admin").serverSideEmitWithAck("stats", 42, timeout: .seconds(30))
                    #expect(replies == [["node-b", 42]])
                    var iterator = plain.makeAsyncIterator()
                    #expect(await iterator.next() == [42])
                    let fromB = try await serverB.namespace("/admin").serverSideEmitWithAck("stats", 7, timeout: .seconds(30))
                    #expect(fromB == [["node-a"]])
                }
            }
        }
    }

    @Test func envelopesRoundTripWithAttachments() throws {
        let packet = SocketIOPacket(type: .event, namespace: "/chat", data: ["upload", ["blob": .binary(ByteBuffer(bytes: [9, 8, 7]))], "text"])
        let envelope = RedisSocketIOEnvelope(
            kind: .broadcast,
            uid: "node-x",
            requestID: "r1",
            target: SocketIOBroadcastTarget(rooms: ["a", "b"], except: ["c"], isVolatile: true),
            join: ["j"],
            leave: ["l"],
            packet: packet
        )
        let decoded = try RedisSocketIOEnvelope(decoding: envelope.encode())
        #expect(decoded == envelope)
        var truncated = envelope.encode()
        truncated.moveWriterIndex(to: truncated.writerIndex - 2)
        #expect(throws: (any Error).self) { try RedisSocketIOEnvelope(decoding: truncated) }
        let bare = RedisSocketIOEnvelope(kind: .serverSideEmit, uid: "u")
        #expect(try RedisSocketIOEnvelope(decoding: bare.encode()) == bare)
    }
}
