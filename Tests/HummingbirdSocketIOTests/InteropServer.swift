import AsyncTestSupport
import Hummingbird
import HummingbirdSocketIO
import Logging
import NIOCore
import ServiceLifecycle
import SocketIO
import Synchronization

/// Events the interop server records, so tests wait on a stream instead of sleeping.
final class ServerEvents: Sendable {
    enum Event: Sendable, Equatable {
        case connected(String)
        case disconnected(String, reason: String)
    }

    let stream: AsyncStream<Event>
    let continuation: AsyncStream<Event>.Continuation

    init() {
        (self.stream, self.continuation) = AsyncStream.makeStream()
    }

    /// The next disconnect, or `nil` after `timeout`.
    func nextDisconnect(timeout: Duration) async -> (id: String, reason: String)? {
        let disconnect = await withDeadline(timeout) { () -> (id: String, reason: String)? in
            for await event in self.stream {
                if case .disconnected(let id, let reason) = event { return (id, reason) }
            }
            return nil
        }
        return disconnect ?? nil
    }
}

/// The server the python scripts in Tests/Interop/socketio talk to.
enum InteropServer {
    /// The default heartbeat is loose (2 s + 10 s): on a loaded 2-core machine a python client can miss a 400 ms pong
    /// deadline while it is still connecting. Only the frozen-client test asks for a strict one.
    static func makeSocketIO(
        events: ServerEvents,
        pingInterval: Duration = .seconds(2),
        pingTimeout: Duration = .seconds(10),
        maxPayload: Int = 1_000_000,
        maxOutboundPackets: Int = 4096
    ) -> SocketIOServer {
        var logger = Logger(label: "interop")
        logger.logLevel = .warning
        let configuration = SocketIOConfiguration(
            engine: EngineIOConfiguration(
                pingInterval: pingInterval,
                pingTimeout: pingTimeout,
                maxPayload: maxPayload,
                path: "/socket.io/",
                maxOutboundPackets: maxOutboundPackets
            ),
            connectTimeout: .seconds(5)
        )
        let io = SocketIOServer(configuration: configuration, logger: logger)
        let main = io.namespace("/")
        main.use { socket in
            guard socket.handshake.auth["token"] == "secret" else {
                throw SocketIOConnectError("not authorized", data: ["reason": "bad token"])
            }
        }
        main.onConnect { socket in
            events.continuation.yield(.connected(socket.id))
            socket.emit("welcome", ["id": .string(socket.id)], .binary(ByteBuffer(bytes: [1, 2, 3])))
        }
        main.onDisconnect { socket, reason in
            events.continuation.yield(.disconnected(socket.id, reason: reason))
        }
        main.on("hello") { _, arguments, ack in
            ack(["ok": true, "echo": arguments.first ?? .null])
        }
        main.on("address") { socket, _, ack in
            ack(.string(socket.handshake.address ?? ""))
        }
        main.on("echo-binary") { _, arguments, ack in
            ack.reply(arguments)
        }
        main.on("ask-client") { socket, arguments, _ in
            let answer = try await socket.emitWithAck("question", arguments.first ?? .null, timeout: .seconds(5))
            socket.emit("answer-was", answer.first ?? .null)
        }
        main.on("flood") { socket, arguments, _ in
            // `count` messages of `size` bytes at once, numbered: more than a slow reader's socket buffers hold.
            let count = min(arguments.first?["count"]?.intValue ?? 0, 10_000)
            let text = JSONValue.string(String(repeating: "x", count: min(arguments.first?["size"]?.intValue ?? 0, 100_000)))
            for sequence in 0..<count { socket.emit("flood", .number(Double(sequence)), text) }
        }
        main.on("join") { socket, arguments, ack in
            if let room = arguments.first?.stringValue { await socket.join(room) }
            ack(true)
        }
        main.on("to-room") { socket, arguments, ack in
            let room = arguments.first?["room"]?.stringValue ?? ""
            await socket.to(room).emit("room-message", arguments.first?["text"] ?? .null)
            ack(true)
        }
        main.on("broadcast") { socket, arguments, ack in
            await socket.broadcast.emit("broadcast-message", arguments.first ?? .null)
            ack(true)
        }
        let admin = io.namespace("/admin")
        admin.onConnect { socket in socket.emit("admin-welcome", ["namespace": .string(socket.namespace.name)]) }
        admin.on("whoami") { socket, _, ack in ack(.string(socket.namespace.name)) }
        return io
    }

    /// Runs an application serving `io` on a free loopback port for the duration of `body`.
    static func withServer(
        _ io: SocketIOServer,
        _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        let router = Router()
        router.addSocketIO(io)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "interop-app")
        logger.logLevel = .warning
        let app = Application(
            router: router,
            server: io.httpServerBuilder(),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            services: [SocketIOService(server: io)],
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let serviceGroup = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await serviceGroup.run() }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            do {
                try await body(port)
            } catch {
                await serviceGroup.triggerGracefulShutdown()
                throw error
            }
            await serviceGroup.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }
}
