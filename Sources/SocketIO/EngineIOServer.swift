import NIOCore
import Synchronization

/// A transport-neutral Engine.IO v4 server: validates requests and owns the sessions. ``run()`` drives every session's
/// heartbeat and runs the work its delegates hand to ``runDetached(_:)``, all in one structured task group; a connection
/// has no task of its own.
///
/// A transport adapter (for example HummingbirdSocketIO) maps HTTP requests to ``handlePolling(method:handshake:isUpgrade:contentType:readBody:)``
/// and WebSockets to ``routeWebSocket(handshake:)`` then ``openWebSocket(route:handshake:)``.
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
    /// The work of ``runDetached(_:)``, spread over several task groups: when a child task ends, the runtime unlinks it
    /// by walking its group's list of children, so one group holding a job per busy connection made every job's end
    /// cost a walk over thousands of them.
    let lanes: [JobLane]
    let nextLane = Atomic<Int>(0)

    /// A queue of jobs, each run in a child task of the lane's own group.
    struct JobLane: Sendable {
        let jobs: AsyncStream<@Sendable () async -> Void>
        let continuation: AsyncStream<@Sendable () async -> Void>.Continuation

        init() {
            (self.jobs, self.continuation) = AsyncStream.makeStream()
        }

        func run() async {
            await withDiscardingTaskGroup { group in
                for await job in self.jobs {
                    group.addTask { await job() }
                }
            }
        }
    }

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
        self.lanes = (0..<16).map { _ in JobLane() }
    }

    /// The number of open sessions.
    public var connectionCount: Int { self.sessions.withLock { $0.count } }

    /// Runs the heartbeats of every session and the work handed to ``runDetached(_:)``, each job in a child task, until
    /// ``shutdown()``; then waits for the jobs still running (the disconnect handling of the sessions it closed).
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.timers.run() }
            await withDiscardingTaskGroup { lanes in
                for lane in self.lanes { lanes.addTask { await lane.run() } }
            }
            self.timers.finish()
        }
    }

    /// Runs `job` in a child task of ``run()``. After ``shutdown()`` has closed the sessions, jobs are dropped.
    public func runDetached(_ job: @escaping @Sendable () async -> Void) {
        let lane = self.nextLane.add(1, ordering: .relaxed).oldValue % self.lanes.count
        self.lanes[lane].continuation.yield(job)
    }

    /// Stops accepting sessions and closes the open ones with "server shutting down".
    public func shutdown() {
        self.shuttingDown.withLock { $0 = true }
        let connections = self.sessions.withLock { Array($0.values) }
        // Closing hands each delegate its disconnect work (through runDetached) before the job stream ends.
        for connection in connections { connection.close(reason: .serverShuttingDown) }
        for lane in self.lanes { lane.continuation.finish() }
        self.timers.finish()
    }

    /// The current transport of a session.
    public func transport(of sid: String) -> EngineIOTransport? {
        self.sessions.withLock { $0[sid] }?.transport
    }

    func validate(method: String, handshake: EngineIOHandshakeInfo, isUpgrade: Bool) async -> Result<EngineIORoute, EngineIOHTTPError> {
        let result = self.validateRequest(method: method, handshake: handshake, isUpgrade: isUpgrade)
        if case .success(.handshake) = result, let allowRequest, let reason = await allowRequest(handshake) {
            return .failure(.forbidden(reason))
        }
        return result
    }

    /// The checks of ``validate(method:handshake:isUpgrade:)`` before the `allowRequest` hook.
    private func validateRequest(method: String, handshake: EngineIOHandshakeInfo, isUpgrade: Bool) -> Result<EngineIORoute, EngineIOHTTPError> {
        let request = EngineIORequest(method: method, query: handshake.query, isUpgrade: isUpgrade, origin: handshake.headers["origin"])
        return EngineIORequestValidator.validate(request, configuration: self.configuration) { self.transport(of: $0) }
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
        if case .failure(let error) = await self.routeWebSocket(handshake: handshake) { return error }
        return nil
    }

    /// Where a WebSocket upgrade request goes, or why it is refused (call before answering `101`), including the
    /// `allowRequest` decision for a new session.
    public func routeWebSocket(handshake: EngineIOHandshakeInfo) async -> Result<EngineIORoute, EngineIOHTTPError> {
        await self.validate(method: "GET", handshake: handshake, isUpgrade: true)
    }

    /// ``routeWebSocket(handshake:)`` without suspending, or `nil` for a new session on a server with an `allowRequest`
    /// hook, which can only be awaited. The HTTP channel uses it to take an upgrade on the event loop, without a task.
    public func routeWebSocketImmediately(handshake: EngineIOHandshakeInfo) -> Result<EngineIORoute, EngineIOHTTPError>? {
        let result = self.validateRequest(method: "GET", handshake: handshake, isUpgrade: true)
        if case .success(.handshake) = result, self.allowRequest != nil { return nil }
        return result
    }

    /// Binds an upgraded WebSocket to a new or existing session, following the route that
    /// ``routeWebSocket(handshake:)`` chose before the `101`.
    public func openWebSocket(route: EngineIORoute, handshake: EngineIOHandshakeInfo) -> WebSocketAcceptance {
        switch route {
        case .handshake:
            guard let connection = self.openSession(transport: .websocket, handshake: handshake) else { return .acceptAndClose }
            return .accept(connection, connection.attachInitialWebSocket())
        case .session(let sid, _):
            guard let connection = self.sessions.withLock({ $0[sid] }), let outbox = connection.attachProbeWebSocket() else {
                return .acceptAndClose
            }
            return .accept(connection, outbox)
        }
    }
}
