/// The parts of an HTTP request Engine.IO validates.
public struct EngineIORequest: Sendable {
    /// The HTTP method, upper case.
    public var method: String
    /// The decoded query parameters.
    public var query: [String: String]
    /// Whether the request carries an `Upgrade` header (a WebSocket upgrade).
    public var isUpgrade: Bool
    /// The `Origin` header, if any.
    public var origin: String?

    /// Creates a request description.
    public init(method: String, query: [String: String], isUpgrade: Bool = false, origin: String? = nil) {
        self.method = method
        self.query = query
        self.isUpgrade = isUpgrade
        self.origin = origin
    }
}

/// An Engine.IO HTTP error, rendered as `{"code":N,"message":"…"}` (or an empty body when ``code`` is `nil`).
public struct EngineIOHTTPError: Error, Sendable, Hashable {
    /// The HTTP status.
    public var status: Int
    /// The Engine.IO error code, or `nil` for the empty-body errors.
    public var code: Int?
    /// The message.
    public var message: String

    /// The JSON body, empty when ``code`` is `nil`.
    public var body: String {
        guard let code else { return "" }
        let value: JSONValue = ["code": .number(Double(code)), "message": .string(self.message)]
        return value.jsonString
    }

    /// `{"code":0,"message":"Transport unknown"}`.
    public static let unknownTransport = EngineIOHTTPError(status: 400, code: 0, message: "Transport unknown")
    /// `{"code":1,"message":"Session ID unknown"}`.
    public static let unknownSID = EngineIOHTTPError(status: 400, code: 1, message: "Session ID unknown")
    /// `{"code":2,"message":"Bad handshake method"}`.
    public static let badHandshakeMethod = EngineIOHTTPError(status: 400, code: 2, message: "Bad handshake method")
    /// `{"code":3,"message":"Bad request"}`.
    public static let badRequest = EngineIOHTTPError(status: 400, code: 3, message: "Bad request")
    /// `{"code":5,"message":"Unsupported protocol version"}`.
    public static let unsupportedProtocolVersion = EngineIOHTTPError(status: 400, code: 5, message: "Unsupported protocol version")
    /// A 400 with an empty body (overlapping requests, invalid payload).
    public static let emptyBadRequest = EngineIOHTTPError(status: 400, code: nil, message: "")
    /// A 413 with an empty body (body larger than `maxPayload`).
    public static let payloadTooLarge = EngineIOHTTPError(status: 413, code: nil, message: "")

    /// `{"code":4,"message":reason}` with status 403.
    public static func forbidden(_ reason: String = "Forbidden") -> EngineIOHTTPError {
        EngineIOHTTPError(status: 403, code: 4, message: reason)
    }
}

/// What a valid Engine.IO request asks for.
public enum EngineIORoute: Sendable, Hashable {
    /// Open a new session on this transport.
    case handshake(EngineIOTransport)
    /// Use an existing session: polling GET/POST, or a WebSocket (an upgrade when the session is polling).
    case session(sid: String, transport: EngineIOTransport)
}

/// The request checks of engine.io's `verify` and `handshake`, in the same order.
public enum EngineIORequestValidator {
    /// Validates a request.
    ///
    /// - Parameters:
    ///   - sessionTransport: the current transport of a session id, or `nil` if unknown.
    /// - Returns: the route, or the error to answer with.
    public static func validate(
        _ request: EngineIORequest,
        configuration: EngineIOConfiguration,
        sessionTransport: (String) -> EngineIOTransport?
    ) -> Result<EngineIORoute, EngineIOHTTPError> {
        guard let transportName = request.query["transport"], let transport = EngineIOTransport(rawValue: transportName),
            configuration.transports.contains(transport)
        else { return .failure(.unknownTransport) }
        if let origin = request.origin, origin.unicodeScalars.contains(where: { !($0 == "\t" || (0x20...0x7E).contains($0.value)) }) {
            return .failure(.badRequest)
        }
        if let sid = request.query["sid"] {
            guard let current = sessionTransport(sid) else { return .failure(.unknownSID) }
            if !request.isUpgrade && current != transport { return .failure(.badRequest) }
            if transport == .websocket && !request.isUpgrade { return .failure(.badRequest) }
            return .success(.session(sid: sid, transport: transport))
        }
        guard request.method == "GET" else { return .failure(.badHandshakeMethod) }
        if transport == .websocket && !request.isUpgrade { return .failure(.badRequest) }
        guard request.query["EIO"] == "4" else { return .failure(.unsupportedProtocolVersion) }
        return .success(.handshake(transport))
    }
}
