import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import SocketIO

extension RouterMethods {
    /// Mounts the polling side of an Engine.IO server (GET, POST, OPTIONS) at its configured path.
    ///
    /// WebSocket upgrades are served by a WebSocket router: see ``SocketIOServer/webSocketRouter(logger:)`` and
    /// ``SocketIOServer/httpServerBuilder(logger:)``.
    @discardableResult
    public func addEngineIO(_ engine: EngineIOServer, logger: Logger = Logger(label: "socketio")) -> Self {
        let responder = EngineIOHTTPResponder(engine: engine, logger: logger)
        let path = RouterPath(engine.configuration.path.trimmingSlashes)
        for method in [HTTPRequest.Method.get, .post, .options, .put, .head] {
            self.on(path, method: method) { request, _ in await responder.respond(to: request) }
        }
        return self
    }

    /// Mounts the polling side of a Socket.IO server at its configured path (default `/socket.io/`).
    @discardableResult
    public func addSocketIO(_ server: SocketIOServer, logger: Logger = Logger(label: "socketio")) -> Self {
        self.addEngineIO(server.engine, logger: logger)
    }
}

extension RouterMethods where Context: WebSocketRequestContext {
    /// Mounts the WebSocket side of an Engine.IO server on a WebSocket router.
    @discardableResult
    public func addEngineIOWebSocket(_ engine: EngineIOServer, logger: Logger = Logger(label: "socketio")) -> Self {
        let responder = EngineIOWebSocketResponder(engine: engine, logger: logger)
        return self.ws(
            RouterPath(engine.configuration.path.trimmingSlashes),
            shouldUpgrade: { request, _ in await responder.shouldUpgrade(request) },
            onUpgrade: { inbound, outbound, context in
                try await responder.serve(request: context.request, inbound: inbound, outbound: outbound)
            }
        )
    }
}

extension EngineIOServer {
    /// A router that serves only this server's WebSocket upgrades.
    public func webSocketRouter(logger: Logger = Logger(label: "socketio")) -> Router<BasicWebSocketRequestContext> {
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.addEngineIOWebSocket(self, logger: logger)
        return router
    }

    /// The HTTP server for `Application(router:server:)`: HTTP/1.1 with WebSocket upgrades on this server's path, frames
    /// limited to `maxPayload`.
    ///
    /// WebSocket-level pings are off: the Engine.IO heartbeat already finds dead peers (as with engine.io on Node), and
    /// the ping loop would be one more task, holding its memory, per connection.
    public func httpServerBuilder(logger: Logger = Logger(label: "socketio")) -> HTTPServerBuilder {
        .http1WebSocketUpgrade(
            webSocketRouter: self.webSocketRouter(logger: logger),
            configuration: .init(ws: .init(maxFrameSize: max(self.configuration.maxPayload, 1 << 14), autoPing: .disabled))
        )
    }
}

extension SocketIOServer {
    /// A router that serves only this server's WebSocket upgrades.
    public func webSocketRouter(logger: Logger = Logger(label: "socketio")) -> Router<BasicWebSocketRequestContext> {
        self.engine.webSocketRouter(logger: logger)
    }

    /// The HTTP server for `Application(router:server:)`, with WebSocket upgrades on the Socket.IO path.
    public func httpServerBuilder(logger: Logger = Logger(label: "socketio")) -> HTTPServerBuilder {
        self.engine.httpServerBuilder(logger: logger)
    }
}

extension String {
    var trimmingSlashes: String {
        var trimmed = Substring(self)
        while trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }
}
