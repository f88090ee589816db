import Synchronization

/// A Socket.IO v5 server over Engine.IO v4, independent of any HTTP framework.
///
/// Register handlers on namespaces, mount the ``engine`` on a transport adapter, and call ``run()`` from a structured
/// task (for example a service) for the lifetime of the server.
///
/// ```swift
/// let io = SocketIOServer()
/// io.namespace("/").use { socket in
///     guard socket.handshake.auth["token"] != nil else { throw SocketIOConnectError("not authorized") }
/// }
/// io.namespace("/").on("hello") { socket, arguments, ack in ack("world") }
/// ```
public final class SocketIOServer: Sendable {
    /// Creates the adapter of a namespace.
    public typealias AdapterFactory = @Sendable (any SocketIOAdapterNamespace) -> any SocketIOAdapter
    /// Decides whether a namespace name (with the CONNECT auth) belongs to a dynamic namespace.
    public typealias NamespaceMatcher = @Sendable (String, JSONValue) async -> Bool

    /// The settings.
    public let configuration: SocketIOConfiguration
    let makeAdapter: AdapterFactory
    let namespaces = Mutex<[String: SocketIONamespace]>([:])
    let dynamic = Mutex<[(NamespaceMatcher, SocketIONamespaceHandlers)]>([])
    let onHandlerError: (@Sendable (any Error, SocketIOSocket, String) -> Void)?
    let engineBox = Mutex<EngineIOServer?>(nil)
    let connectAdmission: SocketIOConnectAdmission

    /// Creates a server.
    ///
    /// - Parameters:
    ///   - allowRequest: accepts (`nil`) or refuses (a reason, answered 403) each new Engine.IO session.
    ///   - adapter: creates each namespace's adapter; in-memory by default.
    ///   - onHandlerError: called when a handler throws (the adapter target logs it).
    public init(
        configuration: SocketIOConfiguration = SocketIOConfiguration(),
        allowRequest: EngineIOServer.AllowRequest? = nil,
        adapter: @escaping AdapterFactory = { MemorySocketIOAdapter(namespace: $0) },
        onHandlerError: (@Sendable (any Error, SocketIOSocket, String) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.makeAdapter = adapter
        self.onHandlerError = onHandlerError
        self.connectAdmission = SocketIOConnectAdmission(limit: configuration.maxConcurrentConnects)
        let engine = EngineIOServer(configuration: configuration.engine, allowRequest: allowRequest) { [weak self] connection in
            guard let self else {
                connection.setCloseDeadline(.now)
                return SocketIONoopDelegate()
            }
            // A client that connects no namespace in time is closed (like socket.io's connectTimeout).
            connection.setCloseDeadline(.now + configuration.connectTimeout)
            return SocketIOClientConnection(server: self)
        }
        self.engineBox.withLock { $0 = engine }
        _ = self.namespace("/")
    }

    /// The Engine.IO server a transport adapter serves.
    public var engine: EngineIOServer {
        guard let engine = self.engineBox.withLock({ $0 }) else { preconditionFailure("engine is set in init") }
        return engine
    }

    /// The namespace with this name, created on first use.
    public func namespace(_ name: String) -> SocketIONamespace {
        self.namespaces.withLock { namespaces in
            if let existing = namespaces[name] { return existing }
            let namespace = SocketIONamespace(
                name: name,
                handlers: SocketIONamespaceHandlers(),
                onHandlerError: self.onHandlerError,
                recovery: self.configuration.connectionStateRecovery
            ) { self.makeAdapter($0) }
            namespaces[name] = namespace
            return namespace
        }
    }

    /// Registers a dynamic namespace: each name the matcher accepts becomes a namespace sharing the returned handlers.
    ///
    /// Register handlers on the returned namespace; its own name is only a label.
    public func dynamicNamespace(label: String = "dynamic", matching matcher: @escaping NamespaceMatcher) -> SocketIONamespace {
        let handlers = SocketIONamespaceHandlers()
        self.dynamic.withLock { $0.append((matcher, handlers)) }
        return SocketIONamespace(name: label, handlers: handlers, onHandlerError: self.onHandlerError) { self.makeAdapter($0) }
    }

    /// The main namespace `/`.
    public var mainNamespace: SocketIONamespace { self.namespace("/") }

    /// Starts a broadcast to a room of the main namespace.
    public func to(_ room: String) -> SocketIOBroadcastOperator { self.mainNamespace.to(room) }

    /// Emits to every socket of the main namespace.
    public func emit(_ event: String, _ arguments: JSONValue...) async {
        await SocketIOBroadcastOperator(namespace: self.mainNamespace).emit(event, arguments: arguments)
    }

    func resolveNamespace(_ name: String, auth: JSONValue) async -> SocketIONamespace? {
        let matchers = self.dynamic.withLock { $0 }
        for (matcher, handlers) in matchers where await matcher(name, auth) {
            return self.namespaces.withLock { namespaces in
                if let existing = namespaces[name] { return existing }
                let namespace = SocketIONamespace(
                    name: name,
                    handlers: handlers,
                    onHandlerError: self.onHandlerError,
                    recovery: self.configuration.connectionStateRecovery
                ) { self.makeAdapter($0) }
                namespaces[name] = namespace
                return namespace
            }
        }
        return self.namespaces.withLock { $0[name] }
    }

    /// Runs the connections (heartbeats, handlers) until ``shutdown()``. Call it from one structured task.
    public func run() async {
        await self.engine.run()
    }

    /// Closes every connection with "server shutting down" and lets ``run()`` return.
    public func shutdown() {
        self.engine.shutdown()
    }

    /// Runs a socket's disconnect handling in the server's task group (for disconnects started outside a handler).
    /// Runs `job` in the engine's task group once a CONNECT slot is free (``SocketIOConfiguration/maxConcurrentConnects``);
    /// the job calls ``leaveConnectSlot()`` when its CONNECT is handled.
    func runAdmitted(_ job: @escaping @Sendable () async -> Void) {
        if self.connectAdmission.enter(job) { self.engine.runDetached(job) }
    }

    /// Frees a CONNECT slot, starting the job that waited longest for one.
    func leaveConnectSlot() {
        if let next = self.connectAdmission.leave() { self.engine.runDetached(next) }
    }

    func runDetachedDisconnect(_ socket: SocketIOSocket, reason: String) {
        self.engine.runDetached { await socket.handleDisconnect(reason: reason) }
    }
}

/// The delegate used if the server is gone while a connection opens.
struct SocketIONoopDelegate: EngineIOConnectionDelegate {
    func connection(_ connection: EngineIOConnection, received message: EngineIOData) {}
    func connection(_ connection: EngineIOConnection, closedWith reason: EngineIOCloseReason) {}
}
