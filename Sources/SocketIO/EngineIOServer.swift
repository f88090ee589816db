import NIOCore
import Synchronization

/// A transport-neutral Engine.IO v4 server: validates requests, owns the sessions and hands each new connection to
/// ``run()`` so its heartbeat and handlers run in structured tasks.
///
/// A transport adapter (for example HummingbirdSocketIO) maps HTTP requests to ``handlePolling(method:handshake:isUpgrade:contentType:readBody:)``
/// and WebSockets to ``openWebSocket(handshake:)``.
public final class EngineIOServer: Sendable {
    /// Decides whether a new session may open: return `nil` to accept or a reason to answer 403.
    public typealias AllowRequest = @Sendable (EngineIOHandshakeInfo) async -> String?

    /// The settings.
    public let configuration: EngineIOConfiguration
    let allowRequest: AllowRequest?
    let makeDelegate: @Sendable (EngineIOConnection) -> any EngineIOConnectionDelegate
    let sessions = Mutex<[String: EngineIOConnection]>([:])
    let shuttingDown = Mutex(false)
    let timers: EngineIOTimerWheel<EngineIOConnection>
    let newConnections: AsyncStream<EngineIOConnection>
    let newConnectionsContinuation: AsyncStream<EngineIOConnection>.Continuation

    /// Creates a server.
    ///
    /// - Parameters:
    ///   - makeDelegate: creates the handler of each new connection.
    public init(
        configuration: EngineIOConfiguration,
        allowRequest: AllowRequest? = nil,
        makeDelegate: @escaping @Sendable (EngineIOConnection) -> any EngineIOConnectionDelegate
    ) {
        self.configuration = configuration
        self.allowRequest = allowRequest
        self.makeDelegate = makeDelegate
        self.timers = EngineIOTimerWheel(configuration: configuration)
        (self.newConnections, self.newConnectionsContinuation) = AsyncStream.makeStream()
    }

    /// The number of open sessions.
    public var connectionCount: Int { self.sessions.withLock { $0.count } }

    /// Runs every connection in a child task, and the heartbeats of all of them on one more, until ``shutdown()``;
    /// then closes the sessions and waits for them.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.timers.run() }
            for await connection in self.newConnections {
                group.addTask { await connection.run() }
            }
            self.timers.finish()
        }
    }

    /// Stops accepting sessions and closes the open ones with "server shutting down".
    public func shutdown() {
        self.shuttingDown.withLock { $0 = true }
        let connections = self.sessions.withLock { Array($0.values) }
        for connection in connections { connection.close(reason: .serverShuttingDown) }
        self.newConnectionsContinuation.finish()
        self.timers.finish()
    }

    /// The current transport of a session.
    public func transport(of sid: String) -> EngineIOTransport? {
        self.sessions.withLock { $0[sid] }?.transport
    }

    func validate(method: String, handshake: EngineIOHandshakeInfo, isUpgrade: Bool) async -> Result<EngineIORoute, EngineIOHTTPError> {
        let request = EngineIORequest(method: method, query: handshake.query, isUpgrade: isUpgrade, origin: handshake.headers["origin"])
        let result = EngineIORequestValidator.validate(request, configuration: self.configuration) { self.transport(of: $0) }
        if case .success(.handshake) = result, let allowRequest, let reason = await allowRequest(handshake) {
            return .failure(.forbidden(reason))
        }
        return result
    }

    private func openSession(transport: EngineIOTransport, handshake: EngineIOHandshakeInfo) -> EngineIOConnection? {
        guard !self.shuttingDown.withLock({ $0 }) else { return nil }
        let session = EngineIOSession(
            sid: SocketIOIdentifier.generate(),
            transport: transport,
            now: .now,
            configuration: self.configuration
        )
        let connection = EngineIOConnection(session: session, handshake: handshake, capacity: self.configuration.maxOutboundPackets) {
            [weak self] connection in
            _ = self?.sessions.withLock { $0.removeValue(forKey: connection.sid) }
            self?.timers.cancel(connection)
        }
        connection.delegateBox.withLock { $0 = self.makeDelegate(connection) }
        self.sessions.withLock { $0[connection.sid] = connection }
        if let deadline = connection.timerDeadline(now: .now) { self.timers.schedule(connection, at: deadline) }
        self.newConnectionsContinuation.yield(connection)
        return connection
    }

    /// Handles a polling request (any method) at the Engine.IO path.
    ///
    /// - Parameters:
    ///   - isUpgrade: the request carries an `Upgrade` header.
    ///   - readBody: collects the POST body, returning `nil` if it exceeds ``EngineIOConfiguration/maxPayload``.
    public func handlePolling(
        method: String,
        handshake: EngineIOHandshakeInfo,
        isUpgrade: Bool = false,
        contentType: String? = nil,
        readBody: () async throws -> ByteBuffer?
    ) async -> EngineIOHTTPResponse {
        switch await self.validate(method: method, handshake: handshake, isUpgrade: isUpgrade) {
        case .failure(let error):
            return EngineIOHTTPResponse(error: error)
        case .success(.handshake):
            guard let connection = self.openSession(transport: .polling, handshake: handshake) else {
                return EngineIOHTTPResponse(error: .badRequest)
            }
            return await connection.pollingGet()
        case .success(.session(let sid, _)):
            guard let connection = self.sessions.withLock({ $0[sid] }) else { return EngineIOHTTPResponse(error: .unknownSID) }
            switch method {
            case "GET":
                return await connection.pollingGet()
            case "POST":
                let binary = contentType?.lowercased().hasPrefix("application/octet-stream") ?? false
                return await connection.pollingPost(isBinaryContentType: binary, maxPayload: self.configuration.maxPayload, readBody: readBody)
            default:
                return EngineIOHTTPResponse(error: .badRequest)
            }
        }
    }

    /// The outcome of a WebSocket upgrade request.
    public enum WebSocketAcceptance: Sendable {
        /// Refuse the upgrade with this error (before `101`).
        case reject(EngineIOHTTPError)
        /// Accept; the socket serves this connection through the outbox.
        case accept(EngineIOConnection, EngineIOWebSocketOutbox)
        /// Accept and close at once (a second WebSocket for an upgraded session).
        case acceptAndClose
    }

    /// Checks a WebSocket upgrade request (call before answering `101`).
    public func checkWebSocket(handshake: EngineIOHandshakeInfo) async -> EngineIOHTTPError? {
        if case .failure(let error) = await self.validate(method: "GET", handshake: handshake, isUpgrade: true) { return error }
        return nil
    }

    /// Binds an upgraded WebSocket to a new or existing session.
    public func openWebSocket(handshake: EngineIOHandshakeInfo) async -> WebSocketAcceptance {
        switch await self.validate(method: "GET", handshake: handshake, isUpgrade: true) {
        case .failure(let error):
            return .reject(error)
        case .success(.handshake):
            guard let connection = self.openSession(transport: .websocket, handshake: handshake) else { return .acceptAndClose }
            return .accept(connection, connection.attachInitialWebSocket())
        case .success(.session(let sid, _)):
            guard let connection = self.sessions.withLock({ $0[sid] }), let outbox = connection.attachProbeWebSocket() else {
                return .acceptAndClose
            }
            return .accept(connection, outbox)
        }
    }
}
