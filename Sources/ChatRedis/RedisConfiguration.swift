import Foundation
import NIOSSL

/// How to reach Redis and how the client behaves. Build it from `REDIS_URL` with ``init(url:)``.
public struct RedisConfiguration: Sendable {
    /// The server's host name or address.
    public var host: String
    /// The server's TCP port, 6379 by default.
    public var port: Int
    /// The ACL user for `AUTH`/`HELLO`; nil means `default`.
    public var username: String?
    /// Never logged.
    public var password: String?
    /// The logical database selected with `SELECT` after connecting.
    public var database: Int
    /// TLS (`rediss://`); nil for plain TCP.
    public var tls: TLSConfiguration?
    /// Command connections in the pool. Pub/sub uses one more, dedicated connection.
    public var connectionCount: Int
    /// How long a command waits for its reply (or for a pooled connection). A reply that is late closes its connection.
    public var commandTimeout: Duration
    /// How long opening a connection (TCP, TLS and handshake) may take.
    public var connectTimeout: Duration
    /// Reconnect delays grow exponentially from `minimumReconnectDelay` to `maximumReconnectDelay`, with jitter.
    public var minimumReconnectDelay: Duration
    /// The cap of the reconnect delay.
    public var maximumReconnectDelay: Duration
    /// Messages kept per pub/sub subscription whose consumer lags; older ones are dropped.
    public var subscriptionBufferSize: Int
    /// Bounds on what the server may send in one reply.
    public var parserLimits: RESPParser.Limits

    /// A configuration with every setting explicit; see the properties for what each means.
    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        tls: TLSConfiguration? = nil,
        connectionCount: Int = 4,
        commandTimeout: Duration = .seconds(5),
        connectTimeout: Duration = .seconds(5),
        minimumReconnectDelay: Duration = .milliseconds(50),
        maximumReconnectDelay: Duration = .seconds(5),
        subscriptionBufferSize: Int = 10_000,
        parserLimits: RESPParser.Limits = .init()
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.connectionCount = max(1, connectionCount)
        self.commandTimeout = commandTimeout
        self.connectTimeout = connectTimeout
        self.minimumReconnectDelay = minimumReconnectDelay
        self.maximumReconnectDelay = maximumReconnectDelay
        self.subscriptionBufferSize = subscriptionBufferSize
        self.parserLimits = parserLimits
    }

    /// Reads `redis://[[user]:password@]host[:port][/db]` or `rediss://…` (TLS with the system trust roots).
    /// - Throws: ``RedisError`` with code ``RedisError/Code/invalidURL``.
    public init(url: String) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw RedisError.invalidURL("not a URL")
        }
        guard scheme == "redis" || scheme == "rediss" else { throw RedisError.invalidURL("scheme must be redis or rediss") }
        guard let host = components.host, !host.isEmpty else { throw RedisError.invalidURL("missing host") }
        self.init(host: host, port: components.port ?? 6379)
        if let user = components.user, !user.isEmpty { username = user.removingPercentEncoding ?? user }
        if let password = components.password, !password.isEmpty { self.password = password.removingPercentEncoding ?? password }
        let path = components.path.drop(while: { $0 == "/" })
        if !path.isEmpty {
            guard let database = Int(path), database >= 0 else { throw RedisError.invalidURL("the path must be a database number") }
            self.database = database
        }
        if scheme == "rediss" { tls = .makeClientConfiguration() }
    }

    /// The delay before reconnect attempt `attempt` (1-based): exponential, capped, with jitter in [delay/2, delay].
    func reconnectDelay(attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 20)
        let minimum = Double(minimumReconnectDelay.components.seconds) + Double(minimumReconnectDelay.components.attoseconds) * 1e-18
        let maximum = Double(maximumReconnectDelay.components.seconds) + Double(maximumReconnectDelay.components.attoseconds) * 1e-18
        let delay = min(maximum, minimum * pow(2, Double(exponent)))
        return .milliseconds(Int64(Double.random(in: (delay / 2)...max(delay, delay / 2)) * 1000))
    }
}

extension RedisConfiguration: CustomStringConvertible {
    /// Without the password.
    public var description: String {
        "\(tls == nil ? "redis" : "rediss")://\(username.map { "\($0)@" } ?? "")\(host):\(port)/\(database)"
    }
}
