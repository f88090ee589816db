/// Every Redis key and channel name ChatBlizz uses, built in one place from a prefix (default `chatblizz`), so that
/// several deployments can share one Redis and nobody assembles keys by hand elsewhere.
public struct RedisKeys: Sendable, Hashable {
    /// Prepended to every key and channel, followed by `:`.
    public var prefix: String

    /// Keys under `prefix` (no trailing `:`).
    public init(prefix: String = "chatblizz") { self.prefix = prefix }

    /// The pub/sub channel domain events travel on: `chatblizz:events`.
    public var eventChannel: String { "\(prefix):events" }

    /// Hash of node → open socket count for one user: `chatblizz:presence:user:<user>`. Exists only while online.
    public func presenceUser(_ user: String) -> String { presenceUserPrefix + user }
    var presenceUserPrefix: String { "\(prefix):presence:user:" }

    /// The user's last-seen time in milliseconds: `chatblizz:presence:last-seen:<user>`.
    public func lastSeen(_ user: String) -> String { lastSeenPrefix + user }
    var lastSeenPrefix: String { "\(prefix):presence:last-seen:" }

    /// Set of the users with sockets on a node, for sweeping a dead node: `chatblizz:presence:node-users:<node>`.
    public func nodeUsers(_ node: String) -> String { nodeUsersPrefix + node }
    var nodeUsersPrefix: String { "\(prefix):presence:node-users:" }

    /// Sorted set of node → last heartbeat in milliseconds: `chatblizz:presence:heartbeats`. The sweep reads it with
    /// the caller's clock, so expiry follows the same rule as the in-memory store.
    public var heartbeats: String { "\(prefix):presence:heartbeats" }

    /// A per-node liveness key set with `PX ttl` on every heartbeat (`chatblizz:node:<node>`), for operators and tools;
    /// it disappears by itself when a node stops.
    public func nodeAlive(_ node: String) -> String { nodeAlivePrefix + node }
    var nodeAlivePrefix: String { "\(prefix):node:" }
}
