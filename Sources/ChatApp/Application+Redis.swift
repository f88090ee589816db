import ChatCore
import ChatRedis
import ChatStoreSQL
import Hummingbird
import Logging
import ServiceLifecycle
import SocketIO

/// What ChatBlizz keeps in Redis besides the event bus and presence when `REDIS_URL` is set: the Socket.IO adapter,
/// the user and friend-request caches and the shared rate-limit counters. Without Redis every part is the in-process
/// one. Built in the composition root; see docs/redis.md for the keys and channels.
struct RedisScaleOut: Sendable {
    /// The key prefix of everything ChatBlizz puts in Redis (the same as the event bus and presence).
    static let keys = RedisKeys(prefix: "chatblizz")

    /// Runs the Socket.IO adapters' work from other nodes; nil without Redis.
    let adapters: RedisSocketIOAdapterService?
    /// Counters every node shares; nil without Redis.
    let rateLimits: (any RateLimitStore)?

    init(redis: RedisClient?, nodeID: String, logger: Logger) {
        guard let redis else {
            self.adapters = nil
            self.rateLimits = nil
            return
        }
        self.adapters = RedisSocketIOAdapterService(
            client: redis,
            keys: Self.keys,
            uid: "\(nodeID)-\(UInt32.random(in: 0...UInt32.max))",
            requestTimeout: .seconds(5),
            logger: logger
        )
        self.rateLimits = RedisRateLimitStore(client: redis, keys: Self.keys)
    }

    init(backends: ChatBackends, configuration: AppConfiguration, logger: Logger) {
        self.init(redis: backends.redis, nodeID: configuration.nodeID, logger: logger)
    }

    /// Each Socket.IO namespace's adapter: Redis when configured (broadcasts, `fetchSockets` and server-side emits reach
    /// every node), in memory otherwise. ChatBlizz's own fan-out emits with `local` and so never publishes through it.
    var socketIOAdapter: SocketIOServer.AdapterFactory {
        guard let adapters else { return { MemorySocketIOAdapter(namespace: $0) } }
        return { adapters.makeAdapter(for: $0) }
    }

    /// The services to run after the Redis client (which `ChatBackends.connectionServices` starts).
    var services: [any Service] {
        self.adapters.map { [$0] } ?? []
    }

    /// The auth limiter every node shares (in memory without Redis).
    func authRateLimiter(_ configuration: AppConfiguration, logger: Logger) -> RateLimiter {
        RateLimiter(limit: configuration.authAttemptsPerMinute, shared: self.rateLimits, logger: logger)
    }

    /// Adds the cross-node auth limits to the router (nothing without Redis: the controllers' per-node limits apply).
    func addSharedRateLimits(to router: Router<ChatRequestContext>, configuration: AppConfiguration, logger: Logger) {
        guard self.rateLimits != nil else { return }
        router.add(
            middleware: SharedRateLimitMiddleware(
                limiter: self.authRateLimiter(configuration, logger: logger),
                maxBodyBytes: configuration.maxJSONBodyBytes
            )
        )
    }

    /// The user and friendship stores the services use: cached in Redis when configured. Every write goes through
    /// these (the services are the only writers), so the shared cache is invalidated on every node at once; readers
    /// that use the database stores directly always see the database.
    static func stores(
        database: SQLDatabaseClient,
        redis: RedisClient?,
        logger: Logger
    ) -> (users: any UserStore, friendships: any FriendshipStore) {
        guard let redis else { return (database.users, database.friendships) }
        return (
            RedisCachedUserStore(base: database.users, client: redis, keys: Self.keys, logger: logger),
            RedisCachedFriendshipStore(base: database.friendships, client: redis, keys: Self.keys, logger: logger)
        )
    }
}
