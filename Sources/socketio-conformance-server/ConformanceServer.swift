import Hummingbird
import HummingbirdCore
import HummingbirdSocketIO
import Logging
import ServiceLifecycle
import SocketIO

/// The fixture the official engine.io-protocol and socket.io-protocol test suites run against.
///
///     socketio-conformance-server --mode engineio|socketio [--port 3000] [--host 127.0.0.1]
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
                print("usage: socketio-conformance-server --mode engineio|socketio [--port 3000] [--host 0.0.0.0]")
                return
            default:
                print("unknown argument \(argument)")
                return
            }
        }
        var logger = Logger(label: "socketio-conformance-server")
        logger.logLevel = .info
        let engineConfiguration = EngineIOConfiguration(
            pingInterval: .milliseconds(300),
            pingTimeout: .milliseconds(200),
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
            configure(io)
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
}

/// Engine.IO mode: every message goes back as it came (binary stays binary).
struct EchoDelegate: EngineIOConnectionDelegate {
    func connection(_ connection: EngineIOConnection, received message: EngineIOData) {
        connection.send(message)
    }

    func run(_ connection: EngineIOConnection) async {
        await connection.waitUntilClosed()
    }

    func connection(_ connection: EngineIOConnection, closedWith reason: EngineIOCloseReason) {}
}
