/// Socket.IO server settings. Defaults match socket.io 4.
public struct SocketIOConfiguration: Sendable {
    /// The Engine.IO settings; the path defaults to `/socket.io/`.
    public var engine: EngineIOConfiguration
    /// Time a client has to join a namespace before the connection is closed (default 45 s).
    public var connectTimeout: Duration
    /// The most binary attachments accepted in one packet (default 10).
    public var maxAttachments: Int
    /// Connection state recovery; `nil` (the default) disables it.
    public var connectionStateRecovery: ConnectionStateRecovery?
    /// The most connections whose CONNECT (middlewares and connect handlers) runs at once (default 64, at least 1);
    /// the others wait in order, as a queued closure rather than a task, so a burst of new connections costs little
    /// memory while it waits.
    public var maxConcurrentConnects: Int

    /// Connection-state-recovery settings.
    public struct ConnectionStateRecovery: Sendable {
        /// How long a disconnected session can be restored (default 2 minutes).
        public var maxDisconnectionDuration: Duration
        /// Whether middlewares are skipped for a restored session (default `true`).
        public var skipMiddlewares: Bool
        /// The most packets the namespace's log keeps (default 10,000): it holds every packet emitted within
        /// `maxDisconnectionDuration`, so without a bound its memory grows with the message rate. When a packet a
        /// client would need has been dropped, the client gets a fresh session instead (`recovered` is false).
        public var maxPackets: Int

        /// Creates recovery settings.
        public init(maxDisconnectionDuration: Duration = .seconds(120), skipMiddlewares: Bool = true, maxPackets: Int = 10_000) {
            self.maxDisconnectionDuration = maxDisconnectionDuration
            self.skipMiddlewares = skipMiddlewares
            self.maxPackets = max(1, maxPackets)
        }
    }

    /// Creates a configuration.
    public init(
        engine: EngineIOConfiguration = EngineIOConfiguration(path: "/socket.io/"),
        connectTimeout: Duration = .seconds(45),
        maxAttachments: Int = 10,
        connectionStateRecovery: ConnectionStateRecovery? = nil,
        maxConcurrentConnects: Int = 64
    ) {
        self.engine = engine
        self.connectTimeout = connectTimeout
        self.maxAttachments = maxAttachments
        self.connectionStateRecovery = connectionStateRecovery
        self.maxConcurrentConnects = max(1, maxConcurrentConnects)
    }
}

/// Thrown by a middleware to refuse a connection with `CONNECT_ERROR {"message":…, "data":…}`.
public struct SocketIOConnectError: Error, Sendable {
    /// The message the client sees.
    public var message: String
    /// Extra data for the client; omitted when `nil`.
    public var data: JSONValue?

    /// Creates a refusal.
    public init(_ message: String, data: JSONValue? = nil) {
        self.message = message
        self.data = data
    }

    var payload: JSONValue {
        var object: JSONObject = ["message": .string(self.message)]
        if let data = self.data { object["data"] = data }
        return .object(object)
    }
}

/// The request that opened a Socket.IO connection, as `socket.handshake`.
public struct SocketIOHandshake: Sendable {
    /// Request headers, names lower-cased.
    public var headers: [String: String]
    /// Query parameters.
    public var query: [String: String]
    /// The `auth` payload of the CONNECT packet (`{}` when absent).
    public var auth: JSONValue
    /// Peer address, if known.
    public var address: String?
    /// Whether the connection uses TLS.
    public var secure: Bool
    /// Request URL.
    public var url: String
    /// Connection time, milliseconds since 1970.
    public var issued: Int64
}
