/// Engine.IO server settings. Defaults match engine.io 6.
public struct EngineIOConfiguration: Sendable {
    /// Interval between server pings (default 25 s).
    public var pingInterval: Duration
    /// Time the client has to answer a ping (default 20 s).
    public var pingTimeout: Duration
    /// Time a client has to complete a WebSocket upgrade after opening it (default 10 s).
    public var upgradeTimeout: Duration
    /// Largest accepted polling body or WebSocket message, in bytes (default 1 000 000).
    public var maxPayload: Int
    /// Request path, with a trailing slash (default `/engine.io/`; Socket.IO uses `/socket.io/`).
    public var path: String
    /// Whether polling sessions may upgrade to WebSocket.
    public var allowUpgrades: Bool
    /// The transports accepted.
    public var transports: Set<EngineIOTransport>
    /// `Access-Control-Allow-Origin` value, or `nil` to send no CORS headers.
    public var corsOrigin: String?
    /// The largest number of packets buffered for one client, in either direction, before it is disconnected: a slow
    /// reader (outbound queue) or a client sending faster than its handlers run (inbound Socket.IO queue).
    public var maxOutboundPackets: Int

    /// Creates a configuration.
    public init(
        pingInterval: Duration = .milliseconds(25000),
        pingTimeout: Duration = .milliseconds(20000),
        upgradeTimeout: Duration = .milliseconds(10000),
        maxPayload: Int = 1_000_000,
        path: String = "/engine.io/",
        allowUpgrades: Bool = true,
        transports: Set<EngineIOTransport> = [.polling, .websocket],
        corsOrigin: String? = nil,
        maxOutboundPackets: Int = 4096
    ) {
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.upgradeTimeout = upgradeTimeout
        self.maxPayload = maxPayload
        self.path = path
        self.allowUpgrades = allowUpgrades
        self.transports = transports
        self.corsOrigin = corsOrigin
        self.maxOutboundPackets = maxOutboundPackets
    }

    /// The handshake `open` payload for a session.
    public func openPayload(sid: String, transport: EngineIOTransport) -> String {
        let upgrades: JSONValue = transport == .polling && self.allowUpgrades && self.transports.contains(.websocket) ? ["websocket"] : []
        let payload: JSONValue = [
            "sid": .string(sid),
            "upgrades": upgrades,
            "pingInterval": .number(Double(Self.milliseconds(self.pingInterval))),
            "pingTimeout": .number(Double(Self.milliseconds(self.pingTimeout))),
            "maxPayload": .number(Double(self.maxPayload)),
        ]
        return payload.jsonString
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

/// An Engine.IO transport.
public enum EngineIOTransport: String, Sendable, Hashable {
    /// HTTP long-polling.
    case polling
    /// WebSocket.
    case websocket
}

/// Why an Engine.IO session ended; the descriptions are the reasons Socket.IO reports.
public struct EngineIOCloseReason: Sendable, Hashable, CustomStringConvertible {
    /// The reason text, e.g. `"ping timeout"`.
    public let description: String
    private init(_ description: String) { self.description = description }

    /// The client closed the transport or sent `1`.
    public static let transportClose = EngineIOCloseReason("transport close")
    /// The transport failed (overlapping requests, slow client, aborted poll).
    public static let transportError = EngineIOCloseReason("transport error")
    /// The client did not answer a ping in time.
    public static let pingTimeout = EngineIOCloseReason("ping timeout")
    /// The client sent something that could not be decoded.
    public static let parseError = EngineIOCloseReason("parse error")
    /// The server closed the session.
    public static let forcedClose = EngineIOCloseReason("forced close")
    /// The server is shutting down.
    public static let serverShuttingDown = EngineIOCloseReason("server shutting down")
}
