/// How to reach a MariaDB server (10.5 or newer: the stores use `INSERT … RETURNING`).
public struct MariaDBConfiguration: Sendable, Hashable {
    /// Whether the connection uses TLS.
    public enum TLSMode: String, Sendable, Hashable {
        /// Plain TCP.
        case disable
        /// TLS is required; the server's certificate is not checked.
        case require
        /// TLS is required and the server's certificate must be valid for `host`.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// At most this many connections, each with its own thread for Connector/C's blocking calls.
    public var poolSize: Int
    /// A pooled connection idle longer than this is pinged before it is lent: the server may have closed it
    /// (`wait_timeout`, a restart), and a session should not fail for that.
    public var pingAfterIdle: Duration = .seconds(30)

    public init(
        host: String,
        port: Int = 3306,
        username: String,
        password: String? = nil,
        database: String,
        tls: TLSMode = .disable,
        poolSize: Int = 10
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.poolSize = poolSize
    }
}
