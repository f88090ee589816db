import Hummingbird
import HummingbirdCore
import Logging
import SocketIO

extension RouterMethods {
    /// Mounts the polling side of an Engine.IO server (GET, POST, OPTIONS) at its configured path.
    ///
    /// WebSocket upgrades are served below the router: see ``EngineIOServer/httpServerBuilder(configuration:logger:)``.
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

extension EngineIOServer {
    /// The HTTP server for `Application(router:server:)`: HTTP/1.1, with WebSocket upgrades on this server's path served
    /// on the channel by ``EngineIOHTTPChannel`` (frames and messages limited to `maxPayload`) and every other request
    /// by the router.
    ///
    /// There are no WebSocket-level pings: the Engine.IO heartbeat already finds dead peers, as with engine.io on Node.
    public func httpServerBuilder(
        configuration: HTTP1Channel.Configuration = HTTP1Channel.Configuration(),
        logger: Logger = Logger(label: "socketio")
    ) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            EngineIOHTTPChannel(responder: responder, engine: self, configuration: configuration, logger: logger)
        }
    }
}

extension SocketIOServer {
    /// The HTTP server for `Application(router:server:)`, with WebSocket upgrades on the Socket.IO path.
    public func httpServerBuilder(
        configuration: HTTP1Channel.Configuration = HTTP1Channel.Configuration(),
        logger: Logger = Logger(label: "socketio")
    ) -> HTTPServerBuilder {
        self.engine.httpServerBuilder(configuration: configuration, logger: logger)
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
