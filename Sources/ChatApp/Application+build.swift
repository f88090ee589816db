import ChatAuth
import ChatCore
import ChatKafka
import ChatRedis
import ChatStoreSQL
import Foundation
import Hummingbird
import HummingbirdSocketIO
import Logging
import ServiceLifecycle
import SocketIO

/// The backends and services one ChatBlizz process runs on, chosen from configuration in this one place.
public struct ChatBackends: Sendable {
    public let database: SQLDatabaseClient
    /// The Redis client when `REDIS_URL` is set; it must run (as a service) before anything uses the bus.
    public let redis: RedisClient?
    /// The Kafka pipeline's producer and persister when `CHATBLIZZ_KAFKA_BROKERS` is set.
    public let kafka: KafkaBackend?
    public let users: UserService
    public let friends: FriendshipService
    public let messaging: MessagingService
    /// File messages over the blob store picked by `FilesConfiguration` (S3 or the local disk).
    public let files: FileService
    public let auth: AuthService
    public let sync: SyncService
    public let presence: any PresenceStore
    public let events: any EventBus
    /// Verifies bearer tokens; a first-time Firebase identity is provisioned (or refused) before it is returned.
    public let verifier: any IdentityVerifier
    /// Verifies bearer tokens without provisioning, for `/api/v1/users/register`.
    public let registrationVerifier: any IdentityVerifier
    /// Signs the token-free download links of v1 payloads.
    public let fileLinks: FileLinkSigner

    /// Builds every backend for `configuration`. Nothing connects yet: the database connects when its `run()` starts.
    public static func make(_ configuration: AppConfiguration, logger: Logger) async throws -> ChatBackends {
        try await make(configuration, logger: logger, storeMetrics: nil)
    }

    /// The same, with the services' message-store calls timed into `storeMetrics` when given.
    static func make(_ configuration: AppConfiguration, logger: Logger, storeMetrics: StoreMetrics?) async throws -> ChatBackends {
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        let storeConfiguration: SQLStoreConfiguration
        do {
            storeConfiguration = try SQLStoreConfiguration(url: configuration.databaseURL)
        } catch {
            throw ConfigurationError(key: "CHATBLIZZ_DATABASE_URL", "is invalid: \(error)")
        }
        let database = SQLDatabaseClient(configuration: storeConfiguration, logger: logger)
        let secretProvider = SigningKeyProvider(
            configuredSecret: configuration.jwtSecret,
            secretFilePath: "\(configuration.dataDirectory)/jwt-secret"
        )
        let secret: SigningSecret
        do {
            secret = try secretProvider.loadSecret()
        } catch {
            throw ConfigurationError(key: SigningKeyProvider.configurationKey, "is unusable: \(error)")
        }
        let tokenConfiguration = AccessTokenConfiguration(secret: secret, lifetime: configuration.accessTokenLifetime)
        let ids = IdentifierGenerator()
        let redis: RedisClient?
        let events: any EventBus
        let presence: any PresenceStore
        let ttl = configuration.presenceTTL.components.seconds * 1000 + configuration.presenceTTL.components.attoseconds / 1_000_000_000_000_000
        if let url = configuration.redisURL {
            let client: RedisClient
            do {
                client = try RedisClient(url: url, logger: logger)
            } catch {
                throw ConfigurationError(key: "REDIS_URL", "is invalid: \(error)")
            }
            let keys = RedisKeys(prefix: "chatblizz")
            redis = client
            events = RedisEventBus(client: client, keys: keys, bufferSize: 10_000, logger: logger)
            presence = RedisPresenceStore(client: client, keys: keys, ttlMilliseconds: ttl)
        } else {
            redis = nil
            events = MemoryEventBus()
            presence = MemoryPresenceStore(ttlMilliseconds: ttl)
        }
        let stores = RedisScaleOut.stores(database: database, redis: redis, logger: logger)
        let messageStore: any MessageStore = storeMetrics.map { TimedMessageStore(base: database.messages, metrics: $0) } ?? database.messages
        let users = UserService(
            users: stores.users,
            friendships: stores.friendships,
            events: events,
            ids: ids,
            limits: configuration.limits
        )
        let permissions = configuration.permissionCacheTTL > .zero ? MessagingPermissionCache(ttl: configuration.permissionCacheTTL) : nil
        let friends = FriendshipService(friendships: stores.friendships, users: stores.users, events: events, permissions: permissions)
        let kafka: KafkaBackend?
        if let kafkaConfiguration = configuration.kafka {
            do {
                kafka = try KafkaBackend.make(kafkaConfiguration, store: messageStore, events: events, logger: logger)
            } catch {
                throw ConfigurationError(key: "CHATBLIZZ_KAFKA_BROKERS", "is unusable: \(error)")
            }
        } else {
            kafka = nil
        }
        let messaging = MessagingService(
            messages: messageStore,
            pipeline: kafka?.pipeline
                ?? DirectMessagePipeline(store: messageStore, minimumCommitInterval: configuration.groupCommitInterval),
            friendships: friends,
            users: stores.users,
            events: events,
            ids: ids,
            limits: configuration.limits
        )
        let fileBackends = FileBackends.make(configuration, logger: logger)
        let files = FileService(files: database.files, blobs: fileBackends.blobs, messaging: messaging, limits: configuration.files.limits)
        let auth = AuthService(
            userService: users,
            users: database.users,
            refreshTokens: database.refreshTokens,
            signer: try await AccessTokenSigner(configuration: tokenConfiguration),
            hasher: try PasswordHasher(cost: configuration.bcryptCost),
            refreshTokenLifetime: configuration.refreshTokenLifetime
        )
        let jwtVerifier = try await JWTIdentityVerifier(configuration: tokenConfiguration)
        let tokenVerifier: any IdentityVerifier
        if let firebase = configuration.firebase {
            tokenVerifier = ChainedIdentityVerifier([jwtVerifier, try FirebaseIdentityVerifier(configuration: firebase)])
        } else {
            tokenVerifier = jwtVerifier
        }
        let verifier = ProvisioningIdentityVerifier(base: tokenVerifier, provisioner: IdentityProvisioner(users: users))
        let sync = SyncService(messages: messageStore, friendships: database.friendships)
        return ChatBackends(
            database: database,
            redis: redis,
            kafka: kafka,
            users: users,
            friends: friends,
            messaging: messaging,
            files: files,
            auth: auth,
            sync: sync,
            presence: presence,
            events: events,
            verifier: verifier,
            registrationVerifier: tokenVerifier,
            fileLinks: FileLinkSigner(secret: secret, lifetime: configuration.files.linkLifetime)
        )
    }
}

extension ChatBackends {
    /// The services that own connections, started first and stopped last.
    var connectionServices: [any Service] {
        var services: [any Service] = [database]
        if let redis { services.append(redis) }
        if let kafka { services.append(kafka.producer) }
        return services
    }
}

/// Builds the ChatBlizz application: backends, routes and services. The one composition root.
public func buildApplication(
    _ configuration: AppConfiguration,
    logger: Logger,
    routes registry: RouteRegistry = RouteRegistry()
) async throws -> some ApplicationProtocol {
    let metrics = ChatMetrics()
    let backends = try await ChatBackends.make(configuration, logger: logger, storeMetrics: metrics.store)
    let scaleOut = RedisScaleOut(backends: backends, configuration: configuration, logger: logger)
    if let kafka = backends.kafka { metrics.watch(kafka.backlog) }
    let socketIO = makeSocketIOServer(configuration, logger: logger, adapter: scaleOut.socketIOAdapter)
    let realtime = ChatRealtime(
        namespace: socketIO.mainNamespace,
        sessions: SocketSessions(
            eventsPerSecond: configuration.socketEventsPerSecond,
            burst: configuration.socketEventsPerSecond * 2
        ),
        verifier: backends.verifier,
        users: backends.users,
        friends: backends.friends,
        messaging: backends.messaging,
        sync: backends.sync,
        presence: backends.presence,
        events: backends.events,
        fileLinks: backends.fileLinks,
        nodeID: configuration.nodeID,
        limits: .init(maxSocketsPerUser: configuration.maxSocketsPerUser, syncPageSize: 200),
        metrics: metrics,
        logger: logger
    )
    realtime.install()
    let router = buildRouter(configuration, backends: backends, registry: registry, metrics: metrics, scaleOut: scaleOut, logger: logger)
    router.addSocketIO(socketIO, logger: logger)
    let fileCleanup = FileCleanup(files: backends.files, logger: logger)
    var services: [any Service] = backends.connectionServices + scaleOut.services
    // It stores and announces what the producer acknowledged, so it needs the database and the bus, and runs while
    // the sockets it announces to are served.
    if let kafka = backends.kafka { services.append(kafka.persister) }
    services.append(SocketIOService(server: socketIO))
    services.append(
        RealtimeFanout(
            bus: backends.events,
            namespace: socketIO.mainNamespace,
            friends: backends.friends,
            fileLinks: backends.fileLinks,
            fileCleanup: fileCleanup,
            logger: logger
        )
    )
    services.append(fileCleanup)
    if let refresher = PermissionRefresher(friends: backends.friends, logger: logger) { services.append(refresher) }
    services.append(
        PresenceHeartbeat(
            presence: backends.presence,
            realtime: realtime,
            nodeID: configuration.nodeID,
            interval: configuration.presenceTTL / 3,
            logger: logger
        )
    )
    var app = Application(
        router: router,
        server: socketIO.httpServerBuilder(logger: logger),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ChatBlizz"),
        services: services,
        logger: logger
    )
    if configuration.migrateOnStart {
        app.beforeServerStarts { try await backends.database.migrate() }
    }
    return app
}

/// The HTTP routes of ChatBlizz.
func buildRouter(
    _ configuration: AppConfiguration,
    backends: ChatBackends,
    registry: RouteRegistry,
    metrics: ChatMetrics,
    scaleOut: RedisScaleOut? = nil,
    logger: Logger = Logger(label: "chatblizz")
) -> Router<ChatRequestContext> {
    let router = Router(context: ChatRequestContext.self)
    router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
    router.add(middleware: ErrorMiddleware())
    scaleOut?.addSharedRateLimits(to: router, configuration: configuration, logger: logger)
    let dependencies = APIDependencies(
        users: backends.users,
        friends: backends.friends,
        messaging: backends.messaging,
        files: backends.files,
        fileURLExpiry: configuration.files.downloadURLExpiry,
        fileLinks: backends.fileLinks,
        auth: backends.auth,
        userStore: backends.database.users,
        limits: configuration.limits,
        maxJSONBodyBytes: configuration.maxJSONBodyBytes,
        authLimiter: RateLimiter(limit: configuration.authAttemptsPerMinute)
    )
    let database = backends.database
    HealthController { try await database.ping() }.register(on: RouteBuilder(group: router.group(), prefix: "", registry: registry))
    if let token = configuration.metricsToken {
        MetricsController(metrics: metrics, token: token).register(on: RouteBuilder(group: router.group(), prefix: "", registry: registry))
    }
    AuthController(dependencies: dependencies)
        .register(on: RouteBuilder(group: router.group("api/v2/auth"), prefix: "/api/v2/auth", registry: registry))
    let authenticated = RouteBuilder(
        group: router.group("api/v2").add(middleware: AuthenticationMiddleware(verifier: backends.verifier)),
        prefix: "/api/v2",
        registry: registry
    )
    UserController(dependencies: dependencies).register(on: authenticated)
    FriendController(dependencies: dependencies).register(on: authenticated)
    MessageController(dependencies: dependencies).register(on: authenticated)
    FileController(dependencies: dependencies).register(on: authenticated)
    FileController.registerSignedLinks(on: router, dependencies: dependencies)
    V1Routes.register(
        on: router,
        dependencies: V1Dependencies(
            api: dependencies,
            friendshipStore: backends.database.friendships,
            registrationVerifier: backends.registrationVerifier
        ),
        verifier: backends.verifier,
        registry: registry
    )
    return router
}

/// The Socket.IO server at `/socket.io/` with the configured heartbeat, connection-state recovery and CORS.
func makeSocketIOServer(
    _ configuration: AppConfiguration,
    logger: Logger,
    adapter: @escaping SocketIOServer.AdapterFactory = { MemorySocketIOAdapter(namespace: $0) }
) -> SocketIOServer {
    var engine = EngineIOConfiguration(path: "/socket.io/")
    engine.pingInterval = configuration.pingInterval
    engine.pingTimeout = configuration.pingTimeout
    engine.corsOrigin = configuration.corsOrigin
    let recovery: SocketIOConfiguration.ConnectionStateRecovery? =
        configuration.recoveryWindow > .zero
        ? .init(
            maxDisconnectionDuration: configuration.recoveryWindow,
            skipMiddlewares: false,
            maxPackets: configuration.recoveryMaxPackets
        ) : nil
    return SocketIOServer(
        configuration: SocketIOConfiguration(engine: engine, connectTimeout: .seconds(20), connectionStateRecovery: recovery),
        adapter: adapter,
        onHandlerError: { error, socket, event in
            logger.error("socket handler failed", metadata: ["sio.sid": "\(socket.id)", "sio.event": "\(event)", "error": "\(error)"])
        }
    )
}
