/// What the opening request of a session looked like; exposed to Socket.IO as `socket.handshake`.
public struct EngineIOHandshakeInfo: Sendable {
    /// The query parameters.
    public var query: [String: String]
    /// The request headers, names lower-cased.
    public var headers: [String: String]
    /// The request URL (path and query).
    public var url: String
    /// The peer address, if known.
    public var address: String?
    /// Whether the request came over TLS.
    public var secure: Bool

    /// Creates handshake info.
    public init(query: [String: String] = [:], headers: [String: String] = [:], url: String = "", address: String? = nil, secure: Bool = false) {
        self.query = query
        self.headers = headers
        self.url = url
        self.address = address
        self.secure = secure
    }
}

/// A transport-neutral HTTP response produced by ``EngineIOServer``.
public struct EngineIOHTTPResponse: Sendable {
    /// The status code.
    public var status: Int
    /// The content type, if the body is not empty or must be typed.
    public var contentType: String?
    /// The body.
    public var body: String

    /// Creates a response.
    public init(status: Int, contentType: String?, body: String) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// The response for an Engine.IO error: JSON body for coded errors, empty otherwise.
    public init(error: EngineIOHTTPError) {
        self.status = error.status
        self.contentType = error.code == nil ? nil : "application/json"
        self.body = error.body
    }

    /// A polling payload response.
    static func payload(_ packets: [EngineIOPacket]) -> EngineIOHTTPResponse {
        EngineIOHTTPResponse(status: 200, contentType: "text/plain; charset=UTF-8", body: EngineIOPayload.encode(packets))
    }
}

/// Generates Engine.IO and Socket.IO ids: 20 characters of `[A-Za-z0-9_-]`, like Node's base64id.
public enum SocketIOIdentifier {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// A new random id.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20)
        for _ in 0..<20 {
            bytes.append(self.alphabet[Int(generator.next(upperBound: UInt8(64)))])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
