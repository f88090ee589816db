import Foundation
import SocketIO
import Testing

/// The WebSocket transport (`EngineIOHTTPChannel` and `EngineIOWebSocketHandler`) at the frame level, driven by
/// websocket-client from Tests/Interop/socketio/websocket_frames.py.
@Suite(.serialized, .timeLimit(.minutes(10))) struct WebSocketTransportTests {
    /// Runs a frames scenario against a fresh server and expects it to print OK.
    func run(_ scenario: String, io: SocketIOServer) async throws {
        try await InteropServer.withServer(io) { port in
            let client = PythonClient(frames: scenario, port: port)
            try client.start()
            let output = await client.waitForExit()
            #expect(output.status == 0, "\(scenario) failed: \(output.stderr) \(output.stdout)")
            #expect(output.stdout.contains("OK"), "\(scenario): \(output.stdout)")
        }
    }

    /// Runs a frames scenario and expects the server-side session to end with `reason` within `limit`.
    func run(
        _ scenario: String,
        io: SocketIOServer,
        events: ServerEvents,
        endsWith reason: String,
        within limit: Duration = .seconds(10)
    ) async throws {
        try await self.run(scenario, io: io)
        #expect(await events.nextDisconnect(timeout: limit)?.reason == reason)
    }

    @Test func pingIsAnsweredWithItsPayload() async throws {
        guard await PythonClient.isAvailable() else { return }
        try await self.run("ping", io: InteropServer.makeSocketIO(events: ServerEvents()))
    }

    @Test func fragmentedMessagesAreReassembled() async throws {
        guard await PythonClient.isAvailable() else { return }
        try await self.run("fragments", io: InteropServer.makeSocketIO(events: ServerEvents()))
    }

    @Test(arguments: ["oversized", "oversized-fragments"])
    func messageOverMaxPayloadClosesWith1009(scenario: String) async throws {
        guard await PythonClient.isAvailable() else { return }
        let events = ServerEvents()
        try await self.run(scenario, io: InteropServer.makeSocketIO(events: events, maxPayload: 10_000), events: events, endsWith: "transport error")
    }

    @Test func invalidUTF8TextClosesWith1007() async throws {
        guard await PythonClient.isAvailable() else { return }
        let events = ServerEvents()
        try await self.run("invalid-utf8", io: InteropServer.makeSocketIO(events: events), events: events, endsWith: "parse error")
    }

    @Test func closeFrameIsAnsweredAndEndsTheSession() async throws {
        guard await PythonClient.isAvailable() else { return }
        let events = ServerEvents()
        try await self.run("close", io: InteropServer.makeSocketIO(events: events), events: events, endsWith: "transport close")
    }

    /// A peer that shuts its side of the TCP connection without a close frame: the server closes at once, long before
    /// the heartbeat (60 s here) would notice, and the session ends with "transport close".
    @Test func halfClosedPeerEndsTheSession() async throws {
        guard await PythonClient.isAvailable() else { return }
        let events = ServerEvents()
        let io = InteropServer.makeSocketIO(events: events, pingInterval: .seconds(60), pingTimeout: .seconds(60))
        try await self.run("half-close", io: io, events: events, endsWith: "transport close", within: .seconds(20))
    }

    /// 3,000 messages of 4 KB to a client with a 4 KB receive buffer that reads slowly: the server stops writing while
    /// the socket is full and resumes when it drains, so every message arrives once, in order.
    @Test func slowReaderGetsEveryMessageInOrder() async throws {
        guard await PythonClient.isAvailable() else { return }
        let events = ServerEvents()
        try await self.run("flood-read", io: InteropServer.makeSocketIO(events: events), events: events, endsWith: "transport close")
    }

    /// The same burst to a client that never reads: once more than `maxOutboundPackets` wait, the server drops it rather
    /// than buffer without bound.
    @Test func stalledReaderIsDisconnected() async throws {
        guard await PythonClient.isAvailable() else { return }
        let events = ServerEvents()
        let io = InteropServer.makeSocketIO(events: events, maxOutboundPackets: 200)
        try await InteropServer.withServer(io) { port in
            let client = PythonClient(frames: "flood-stall", port: port)
            try client.start()
            defer { client.kill() }
            #expect(await client.waitForLine("READY") != nil)
            #expect(await events.nextDisconnect(timeout: .seconds(20))?.reason == "transport error")
        }
    }

    /// `socket.handshake.address` is the peer's address (the transport reads it from the channel).
    @Test func handshakeCarriesThePeerAddress() async throws {
        guard await PythonClient.isAvailable() else { return }
        try await self.run("address", io: InteropServer.makeSocketIO(events: ServerEvents()))
    }

    /// A refused upgrade (unknown session) gets engine.io's JSON error from the router, not a bare 400.
    @Test func refusedUpgradeGetsEngineIOError() async throws {
        guard await PythonClient.isAvailable() else { return }
        try await self.run("refused-upgrade", io: InteropServer.makeSocketIO(events: ServerEvents()))
    }
}
