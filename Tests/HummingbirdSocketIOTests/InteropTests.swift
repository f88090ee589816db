import Foundation
import SocketIO
import Testing

/// python-socketio 5 clients against a real server started from the library on a free loopback port.
@Suite(.serialized, .timeLimit(.minutes(10))) struct InteropTests {
    static let transportSets = ["websocket", "polling", "polling,websocket"]

    func expectSuccess(_ output: PythonClient.Output, _ what: String) {
        #expect(output.status == 0, "\(what) failed: \(output.stderr) \(output.stdout)")
        #expect(output.stdout.contains("OK"), "\(what): \(output.stdout)")
    }

    @Test(arguments: Self.transportSets)
    func connectWithAuthEmitAndAck(transports: String) async throws {
        guard await PythonClient.isAvailable() else { return }
        let io = InteropServer.makeSocketIO(events: ServerEvents())
        try await InteropServer.withServer(io) { port in
            self.expectSuccess(try await PythonClient.run("basic", port: port, transports: transports), "basic \(transports)")
        }
    }

    @Test(arguments: Self.transportSets)
    func rejectedAuthGetsConnectError(transports: String) async throws {
        guard await PythonClient.isAvailable() else { return }
        let io = InteropServer.makeSocketIO(events: ServerEvents())
        try await InteropServer.withServer(io) { port in
            self.expectSuccess(try await PythonClient.run("auth-rejected", port: port, transports: transports), "auth-rejected")
        }
    }

    @Test(arguments: Self.transportSets)
    func binaryBothWays(transports: String) async throws {
        guard await PythonClient.isAvailable() else { return }
        let io = InteropServer.makeSocketIO(events: ServerEvents())
        try await InteropServer.withServer(io) { port in
            self.expectSuccess(try await PythonClient.run("binary", port: port, transports: transports), "binary")
        }
    }

    @Test(arguments: ["websocket", "polling"])
    func serverEmitWithAck(transports: String) async throws {
        guard await PythonClient.isAvailable() else { return }
        let io = InteropServer.makeSocketIO(events: ServerEvents())
        try await InteropServer.withServer(io) { port in
            self.expectSuccess(try await PythonClient.run("server-ack", port: port, transports: transports), "server-ack")
        }
    }

    @Test(arguments: ["websocket", "polling"])
    func namespaces(transports: String) async throws {
        guard await PythonClient.isAvailable() else { return }
        let io = InteropServer.makeSocketIO(events: ServerEvents())
        try await InteropServer.withServer(io) { port in
            self.expectSuccess(try await PythonClient.run("namespace", port: port, transports: transports), "namespace")
        }
    }

    @Test func roomsAndBroadcastWithThreeClients() async throws {
        guard await PythonClient.isAvailable() else { return }
        let io = InteropServer.makeSocketIO(events: ServerEvents())
        try await InteropServer.withServer(io) { port in
            // Member of r1: gets the room message and the broadcast. Member of r2: only the broadcast.
            let inRoom = PythonClient(scenario: "rooms-member", port: port, transports: "websocket", environment: ["ROOM": "r1", "EXPECT": "2"])
            let outside = PythonClient(scenario: "rooms-member", port: port, transports: "polling", environment: ["ROOM": "r2", "EXPECT": "1"])
            try inRoom.start()
            try outside.start()
            #expect(await inRoom.waitForLine("READY") != nil)
            #expect(await outside.waitForLine("READY") != nil)
            self.expectSuccess(try await PythonClient.run("rooms-sender", port: port, transports: "websocket"), "sender")
            let first = await inRoom.waitForExit()
            let second = await outside.waitForExit()
            self.expectSuccess(first, "r1 member")
            self.expectSuccess(second, "r2 member")
            #expect(first.stdout.contains("OK to-all to-r1"), "\(first.stdout)")
            #expect(second.stdout.contains("OK to-all"), "\(second.stdout)")
            #expect(!second.stdout.contains("to-r1"), "\(second.stdout)")
        }
    }

    @Test(arguments: ["websocket", "polling"])
    func heartbeatDetectsFrozenClient(transports: String) async throws {
        guard await PythonClient.isAvailable() else { return }
        let events = ServerEvents()
        let io = InteropServer.makeSocketIO(events: events, pingInterval: .milliseconds(500), pingTimeout: .milliseconds(400))
        try await InteropServer.withServer(io) { port in
            let client = PythonClient(scenario: "hang", port: port, transports: transports)
            try client.start()
            defer { client.kill() }
            #expect(await client.waitForLine("READY") != nil)
            let frozenAt = ContinuousClock.now
            client.suspend()
            // pingInterval 500 + pingTimeout 400: the server notices within about 0.9 s; the bound leaves room for a
            // stalled CI machine (a frozen client that nothing detects would stay connected until the wait ends).
            let disconnect = await events.nextDisconnect(timeout: .seconds(5))
            let elapsed = ContinuousClock.now - frozenAt
            #expect(disconnect?.reason == "ping timeout")
            #expect(elapsed < .milliseconds(3500), "noticed after \(elapsed)")
        }
    }
}
