import AsyncTestSupport
import NIOCore
import Synchronization
import Testing

@testable import SocketIO

/// A polling client that talks to ``EngineIOServer`` directly, with no HTTP server.
struct TestPollingClient {
    let engine: EngineIOServer
    var sid = ""

    static func connect(_ engine: EngineIOServer, auth: String = "") async throws -> TestPollingClient {
        var client = TestPollingClient(engine: engine)
        let open = await engine.handlePolling(method: "GET", handshake: .init(query: ["EIO": "4", "transport": "polling"])) { nil }
        let packet = try EngineIOPacket(decodingText: open.body)
        guard case .text(let json) = packet.data, let sid = try JSONValue(parsing: json)["sid"]?.stringValue else {
            throw SocketIOError.invalidPayload
        }
        client.sid = sid
        return client
    }

    func post(_ body: String) async -> EngineIOHTTPResponse {
        await self.engine.handlePolling(method: "POST", handshake: .init(query: ["EIO": "4", "transport": "polling", "sid": self.sid])) {
            ByteBuffer(string: body)
        }
    }

    func get() async -> EngineIOHTTPResponse {
        await self.engine.handlePolling(method: "GET", handshake: .init(query: ["EIO": "4", "transport": "polling", "sid": self.sid])) { nil }
    }

    /// Decoded message packets (Socket.IO text, without the Engine.IO `4`), polling until `count` arrived.
    func messages(count: Int = 1) async -> [String] {
        var result: [String] = []
        while result.count < count {
            let response = await self.get()
            guard response.status == 200 else { return result }
            let packets = (try? EngineIOPayload.decode(response.body)) ?? []
            for packet in packets {
                if packet.type == .close { return result }
                if packet.type == .message, case .text(let text) = packet.data { result.append(text) }
            }
        }
        return result
    }
}

/// Socket.IO server behaviour, driven through the transport-neutral polling entry point.
@Suite struct SocketIOServerTests {
    // A connect timeout far above any step of a test, so that a loaded machine cannot close an idle engine under a test
    // (after a namespace DISCONNECT the engine waits for a new CONNECT within this time).
    static func withServer(
        _ configuration: SocketIOConfiguration = SocketIOConfiguration(connectTimeout: .seconds(120)),
        _ configure: (SocketIOServer) -> Void,
        _ body: (SocketIOServer) async throws -> Void
    ) async throws {
        let io = SocketIOServer(configuration: configuration)
        configure(io)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await io.run() }
            do {
                try await body(io)
            } catch {
                io.shutdown()
                throw error
            }
            io.shutdown()
            try await group.waitForAll()
        }
    }

    @Test func connectEventAndAck() async throws {
        try await Self.withServer { io in
            io.namespace("/").onConnect { socket in socket.emit("auth", socket.handshake.auth) }
            io.namespace("/").on("message-with-ack") { _, arguments, ack in ack.reply(arguments) }
        } _: { io in
            let client = try await TestPollingClient.connect(io.engine)
            #expect(await client.post("40{\"token\":\"123\"}").body == "ok")
            let connected = await client.messages(count: 2)
            #expect(connected.count == 2)
            #expect(connected.first?.hasPrefix("0{\"sid\":\"") == true)
            #expect(connected.last == "2[\"auth\",{\"token\":\"123\"}]")
            _ = await client.post("42456[\"message-with-ack\",1,\"2\",{\"3\":[false]}]")
            #expect(await client.messages() == ["3456[1,\"2\",{\"3\":[false]}]"])
        }
    }

    @Test func connectsBeyondTheLimitWaitForASlot() async throws {
        let entered = Mutex<[String]>([])
        let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
        let configuration = SocketIOConfiguration(connectTimeout: .seconds(120), maxConcurrentConnects: 1)
        try await Self.withServer(configuration) { io in
            io.namespace("/").use { socket in
                let name = socket.handshake.auth["name"]?.stringValue ?? ""
                entered.withLock { $0.append(name) }
                if name == "first" {
                    for await _ in release { break }
                }
            }
        } _: { io in
            let first = try await TestPollingClient.connect(io.engine)
            let second = try await TestPollingClient.connect(io.engine)
            let leaving = try await TestPollingClient.connect(io.engine)
            _ = await first.post("40{\"name\":\"first\"}")
            let firstEntered: Void? = await withDeadline(.seconds(10)) {
                while !Task.isCancelled, entered.withLock({ $0 }) != ["first"] { try? await Task.sleep(for: .milliseconds(5)) }
            }
            #expect(firstEntered != nil)
            // Posting hands the packet over at once: the CONNECTs now wait behind the first one's.
            _ = await leaving.post("40{\"name\":\"leaving\"}")
            _ = await second.post("40{\"name\":\"second\"}")
            #expect(io.connectAdmission.waitingCount == 2)
            _ = await leaving.post("1")
            #expect(entered.withLock { $0 } == ["first"])
            releaseContinuation.yield()
            #expect(await first.messages().first?.hasPrefix("0{\"sid\"") == true)
            #expect(await second.messages().first?.hasPrefix("0{\"sid\"") == true)
            // The client that left while waiting never reached the middleware.
            #expect(entered.withLock { $0 } == ["first", "second"])
            #expect(io.connectAdmission.waitingCount == 0)
        }
    }

    @Test func middlewareRejectsWithData() async throws {
        try await Self.withServer { io in
            io.namespace("/auth").use { _ in throw SocketIOConnectError("not authorized", data: ["reason": "bad token"]) }
        } _: { io in
            let client = try await TestPollingClient.connect(io.engine)
            _ = await client.post("40/auth,")
            #expect(await client.messages() == ["4/auth,{\"message\":\"not authorized\",\"data\":{\"reason\":\"bad token\"}}"])
        }
    }

    @Test func unknownNamespaceKeepsTheConnection() async throws {
        try await Self.withServer { _ in
        } _: { io in
            let client = try await TestPollingClient.connect(io.engine)
            _ = await client.post("40/random,")
            #expect(await client.messages() == ["4/random,{\"message\":\"Invalid namespace\"}"])
            _ = await client.post("40")
            #expect(await client.messages().first?.hasPrefix("0{\"sid\"") == true)
        }
    }

    @Test func eventBeforeConnectClosesTheConnection() async throws {
        try await Self.withServer { _ in
        } _: { io in
            let client = try await TestPollingClient.connect(io.engine)
            _ = await client.post("42[\"message\"]")
            #expect(await client.messages().isEmpty)
            #expect(io.engine.transport(of: client.sid) == nil)
        }
    }

    @Test func decodeErrorClosesTheConnection() async throws {
        try await Self.withServer { _ in
        } _: { io in
            let client = try await TestPollingClient.connect(io.engine)
            _ = await client.post("40")
            _ = await client.messages()
            _ = await client.post("42abc[\"x\"]")
            #expect(await client.messages().isEmpty)
            #expect(io.engine.transport(of: client.sid) == nil)
        }
    }

    @Test func dynamicNamespace() async throws {
        try await Self.withServer { io in
            io.dynamicNamespace { name, _ in name.hasPrefix("/team-") }.onConnect { socket in socket.emit("ns", .string(socket.namespace.name)) }
        } _: { io in
            let client = try await TestPollingClient.connect(io.engine)
            _ = await client.post("40/team-7,")
            let messages = await client.messages(count: 2)
            #expect(messages.last == "2/team-7,[\"ns\",\"/team-7\"]")
        }
    }

    @Test func roomsBroadcastExceptAndSelf() async throws {
        try await Self.withServer { io in
            io.namespace("/").on("join") { socket, arguments, ack in
                await socket.join(arguments.first?.stringValue ?? "")
                ack()
            }
            io.namespace("/").on("shout") { socket, _, ack in
                await socket.to("r1").emit("shout", "from-member")
                ack()
            }
        } _: { io in
            var clients: [TestPollingClient] = []
            for _ in 0..<3 {
                let client = try await TestPollingClient.connect(io.engine)
                _ = await client.post("40")
                _ = await client.messages()
                clients.append(client)
            }
            for (index, client) in clients.enumerated() {
                _ = await client.post("421[\"join\",\"\(index < 2 ? "r1" : "r2")\"]")
                #expect(await client.messages() == ["31[]"])
            }
            await io.to("r2").emit("news", "for-r2")
            #expect(await clients[2].messages() == ["2[\"news\",\"for-r2\"]"])
            await io.namespace("/").except("r2").emit("news", "not-r2")
            #expect(await clients[0].messages() == ["2[\"news\",\"not-r2\"]"])
            #expect(await clients[1].messages() == ["2[\"news\",\"not-r2\"]"])
            _ = await clients[0].post("422[\"shout\"]")
            #expect(await clients[0].messages() == ["32[]"], "the sender is excluded")
            #expect(await clients[1].messages() == ["2[\"shout\",\"from-member\"]"])
            let snapshots = await io.namespace("/").to("r1").fetchSockets()
            #expect(snapshots.count == 2)
        }
    }

    @Test func serverEmitWithAckAndTimeout() async throws {
        let io = SocketIOServer()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await io.run() }
            let client = try await TestPollingClient.connect(io.engine)
            _ = await client.post("40")
            _ = await client.messages()
            guard let socket = io.namespace("/").localSockets.first else {
                Issue.record("no socket")
                io.shutdown()
                return
            }
            async let answer = socket.emitWithAck("q", "?", timeout: .seconds(5))
            #expect(await client.messages() == ["20[\"q\",\"?\"]"])
            _ = await client.post("430[\"answer\"]")
            #expect(try await answer == ["answer"])
            await #expect(throws: SocketIOError.ackTimeout) {
                try await socket.emitWithAck("q", timeout: .milliseconds(50))
            }
            io.shutdown()
            try await group.waitForAll()
        }
    }

    @Test func clientCloseGivesTransportCloseReason() async throws {
        let (reasons, continuation) = AsyncStream<String>.makeStream()
        try await Self.withServer { io in
            io.namespace("/").onDisconnect { _, reason in continuation.yield(reason) }
        } _: { io in
            let client = try await TestPollingClient.connect(io.engine)
            _ = await client.post("40")
            _ = await client.messages()
            _ = await client.post("1")
            var iterator = reasons.makeAsyncIterator()
            #expect(await iterator.next() == "transport close")
        }
    }

    @Test func clientNamespaceDisconnectKeepsEngineOpen() async throws {
        let (reasons, continuation) = AsyncStream<String>.makeStream()
        try await Self.withServer { io in
            io.namespace("/").onDisconnect { _, reason in continuation.yield(reason) }
        } _: { io in
            let client = try await TestPollingClient.connect(io.engine)
            _ = await client.post("40")
            _ = await client.messages()
            _ = await client.post("41")
            var iterator = reasons.makeAsyncIterator()
            #expect(await iterator.next() == "client namespace disconnect")
            #expect(io.engine.transport(of: client.sid) == .polling)
            _ = await client.post("42[\"after\"]")
            #expect(await client.messages().isEmpty, "the held GET is released by the close")
            #expect(io.engine.transport(of: client.sid) == nil, "an event after DISCONNECT is an invalid state")
        }
    }

    @Test func allowRequestRefusesWith403() async {
        let io = SocketIOServer(allowRequest: { handshake in handshake.query["token"] == "ok" ? nil : "go away" })
        let refused = await io.engine.handlePolling(method: "GET", handshake: .init(query: ["EIO": "4", "transport": "polling"])) { nil }
        #expect(refused.status == 403)
        #expect(refused.body == "{\"code\":4,\"message\":\"go away\"}")
        let accepted = await io.engine.handlePolling(method: "GET", handshake: .init(query: ["EIO": "4", "transport": "polling", "token": "ok"])) {
            nil
        }
        #expect(accepted.status == 200)
        io.shutdown()
    }

    @Test func serverNamespaceDisconnect() async throws {
        let (reasons, continuation) = AsyncStream<String>.makeStream()
        try await Self.withServer { io in
            io.namespace("/").on("kick") { socket, _, _ in socket.disconnect() }
            io.namespace("/").onDisconnect { _, reason in continuation.yield(reason) }
        } _: { io in
            let client = try await TestPollingClient.connect(io.engine)
            _ = await client.post("40")
            _ = await client.messages()
            _ = await client.post("42[\"kick\"]")
            #expect(await client.messages() == ["1"])
            var iterator = reasons.makeAsyncIterator()
            #expect(await iterator.next() == "server namespace disconnect")
            #expect(io.engine.transport(of: client.sid) == .polling, "the Engine.IO connection stays open")
        }
    }

    @Test func floodingClientIsDisconnected() async throws {
        let (gate, gateContinuation) = AsyncStream<Void>.makeStream()
        let io = SocketIOServer(configuration: SocketIOConfiguration(engine: EngineIOConfiguration(path: "/socket.io/", maxOutboundPackets: 8)))
        io.namespace("/").on("slow") { _, _, _ in
            for await _ in gate {}
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await io.run() }
            let client = try await TestPollingClient.connect(io.engine)
            _ = await client.post("40")
            _ = await client.messages()
            _ = await client.post(Array(repeating: "42[\"slow\"]", count: 20).joined(separator: "\u{1E}"))
            #expect(await client.messages().isEmpty)
            #expect(io.engine.transport(of: client.sid) == nil)
            gateContinuation.finish()
            io.shutdown()
            try await group.waitForAll()
        }
    }

    /// Events of one key queued behind a running handler are handled together with the first of them (up to the limit),
    /// each with its own ack; other keys, events without a key and other events are handled in their turn.
    @Test func queuedEventsWithOneKeyAreHandledTogether() async throws {
        let runs = Mutex<[[Int]]>([])
        let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
        try await Self.withServer { io in
            io.namespace("/").onCoalesced("mark", limit: 4, key: { $0.first?["k"]?.stringValue }) { _, calls in
                let numbers = calls.map { Int($0.arguments.first?["n"]?.doubleValue ?? -1) }
                runs.withLock { $0.append(numbers) }
                if calls.first?.arguments.first?["block"] == .bool(true) {
                    for await _ in release { break }
                }
                for call in calls { call.ack.reply(call.arguments) }
            }
            io.namespace("/").on("other") { _, _, _ in runs.withLock { $0.append([0]) } }
        } _: { io in
            let client = try await TestPollingClient.connect(io.engine)
            _ = await client.post("40")
            _ = await client.messages()
            _ = await client.post(#"421["mark",{"k":"a","n":1,"block":true}]"#)
            let entered: Void? = await withDeadline(.seconds(10)) {
                while !Task.isCancelled, runs.withLock({ $0.isEmpty }) { try? await Task.sleep(for: .milliseconds(5)) }
            }
            #expect(entered != nil)
            let queued = [
                #"422["mark",{"k":"a","n":2}]"#, #"423["mark",{"k":"b","n":3}]"#, #"42["other"]"#, #"424["mark",{"k":"a","n":4}]"#,
                #"425["mark",{"n":5}]"#, #"426["mark",{"k":"a","n":6}]"#, #"427["mark",{"k":"a","n":7}]"#, #"428["mark",{"k":"a","n":8}]"#,
            ]
            _ = await client.post(queued.joined(separator: "\u{1E}"))
            releaseContinuation.yield()
            let acks = await client.messages(count: 8)
            #expect(Set(acks.map { String($0.prefix(2)) }) == Set((1...8).map { "3\($0)" }))
            #expect(runs.withLock { $0 } == [[1], [2, 4, 6, 7], [3], [0], [5], [8]])
        }
    }
}
