import Logging
import ServiceLifecycle
import SocketIO

/// Runs a Socket.IO server's connections (heartbeats, handlers) as a `Service`; graceful shutdown closes every
/// connection with "server shutting down".
public struct SocketIOService: Service {
    let server: SocketIOServer

    /// Creates the service.
    public init(server: SocketIOServer) {
        self.server = server
    }

    /// Runs until graceful shutdown or cancellation.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await self.server.run()
        } onGracefulShutdown: {
            self.server.shutdown()
        }
    }
}

/// Runs a plain Engine.IO server's connections as a `Service`.
public struct EngineIOService: Service {
    let engine: EngineIOServer

    /// Creates the service.
    public init(engine: EngineIOServer) {
        self.engine = engine
    }

    /// Runs until graceful shutdown or cancellation.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await self.engine.run()
        } onGracefulShutdown: {
            self.engine.shutdown()
        }
    }
}

extension SocketIOServer {
    /// A server whose handler errors are logged with the socket id (`sio.sid`) and event name.
    public convenience init(
        configuration: SocketIOConfiguration = SocketIOConfiguration(),
        logger: Logger,
        allowRequest: EngineIOServer.AllowRequest? = nil,
        adapter: @escaping AdapterFactory = { MemorySocketIOAdapter(namespace: $0) }
    ) {
        self.init(configuration: configuration, allowRequest: allowRequest, adapter: adapter) { error, socket, event in
            logger.error(
                "socket.io handler failed",
                metadata: ["sio.sid": .string(socket.id), "sio.event": .string(event), "error": .string("\(error)")]
            )
        }
    }
}
