import Hummingbird
import HummingbirdCore
import HummingbirdSocketIO
import Logging
import ServiceLifecycle
import SocketIO

/// The fixture the official engine.io-protocol and socket.io-protocol test suites run against, and the plain relay
/// `chatblizz-bench --target relay` measures (the transport's own cost, without ChatBlizz's domain and store).
///
///     socketio-conformance-server --mode engineio|socketio|relay [--port 3000] [--host 127.0.0.1]
@main
struct ConformanceServer {
    static func main() async throws {
        var mode = "socketio"
        var port = 3000
        var host = "0.0.0.0"
        var arguments = CommandLine.arguments.dropFirst().makeIterator()
        while let argument = arguments.next() {
            switch argument {
            case "--mode": mode = arguments.next() ?? mode
            case "--port": port = arguments.next().flatMap { Int($0) } ?? port
            case "--host": host = arguments.next() ?? host
            case "--help", "-h":
                print("usage: socketio-conformance-server --mode engineio|socketio|relay [--port 3000] [--host 0.0.0.0]")
                return
            default:
                print("unknown argument \(argument)")
                return
            }
        }
        var logger = Logger(label: "socketio-conformance-server")
        logger.logLevel = .info
        // The protocol suites expect quick heartbeats; the relay keeps Socket.IO's defaults, like the servers it is
        // compared with.
        let relay = mode == "relay"
        let engineConfiguration = EngineIOConfiguration(
            pingInterval: relay ? .seconds(25) : .milliseconds(300),
            pingTimeout: relay ? .seconds(20) : .milliseconds(200),
            maxPayload: 1_000_000,
            path: mode == "engineio" ? "/engine.io/" : "/socket.io/",
            corsOrigin: "*"
        )
        let router = Router()
        let server: HTTPServerBuilder
        let service: any Service
        if mode == "engineio" {
            let engine = EngineIOServer(configuration: engineConfiguration) { _ in EchoDelegate() }
            router.addEngineIO(engine, logger: logger)
            server = engine.httpServerBuilder(logger: logger)
            service = EngineIOService(engine: engine)
        } else {
            let io = SocketIOServer(
                configuration: SocketIOConfiguration(engine: engineConfiguration, connectTimeout: .milliseconds(1000)),
                logger: logger
            )
            if relay { configureRelay(io) } else { configure(io) }
            router.addSocketIO(io, logger: logger)
            server = io.httpServerBuilder(logger: logger)
            service = SocketIOService(server: io)
        }
        let app = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(host, port: port)),
            services: [service],
            logger: logger
        )
        print("socketio-conformance-server: mode \(mode) listening on \(host):\(port)")
        try await app.runService()
    }

    static func configure(_ io: SocketIOServer) {
        let main = io.namespace("/")
        main.onConnect { socket in socket.emit("auth", socket.handshake.auth) }
        main.on("message") { socket, arguments, _ in socket.emit("message-back", arguments: arguments) }
        main.on("message-with-ack") { _, arguments, ack in ack.reply(arguments) }
        io.namespace("/custom").onConnect { socket in socket.emit("auth", socket.handshake.auth) }
    }

    /// The relay contract of `chatblizz-bench --target relay`: a socket joins the room of `auth.userId`;
    /// `send_message {to, …}` goes to the room of `to` as `receive_message` with the same payload, then is acked.
    static func configureRelay(_ io: SocketIOServer) {
        let main = io.namespace("/")
        main.use { socket in
            guard let user = socket.handshake.auth["userId"]?.stringValue, !user.isEmpty else {
                throw SocketIOConnectError("userId required")
            }
            await socket.join(user)
        }
        main.on("send_message") { socket, arguments, ack in
            guard let payload = arguments.first, let recipient = payload["to"]?.stringValue else {
                return ack.reply([["error": "to required"]])
            }
            await socket.namespace.to(recipient).emit("receive_message", arguments: [payload])
            ack.reply([["ok": true]])
        }
    }
}

/// Engine.IO mode: every message goes back as it came (binary stays binary).
struct EchoDelegate: EngineIOConnectionDelegate {
    func connection(_ connection: EngineIOConnection, received message: EngineIOData) {
        connection.send(message)
    }

    func connection(_ connection: EngineIOConnection, closedWith reason: EngineIOCloseReason) {}
}
