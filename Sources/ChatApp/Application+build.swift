import ChatAuth
import ChatCore
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
    public let users: UserService
    public let friends: FriendshipService
    public let messaging: MessagingService
    public let auth: AuthService
    public let sync: SyncService
    public let presence: any PresenceStore
    public let events: any EventBus
    public let verifier: any IdentityVerifier

    /// Builds every backend for `configuration`. Nothing connects yet: the database connects when its `run()` starts.
    public static func make(_ configuration: AppConfiguration, logger: Logger) async throws -> ChatBackends {
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
        let events = MemoryEventBus()
        let users = UserService(
            users: database.users,
            friendships: database.friendships,
            events: events,
            ids: ids,
            limits: configuration.limits
        )
        let friends = FriendshipService(friendships: database.friendships, users: database.users, events: events)
        let messaging = MessagingService(
            messages: database.messages,
            pipeline: DirectMessagePipeline(store: database.messages),
            friendships: friends,
            users: database.users,
            events: events,
            ids: ids,
            limits: configuration.limits
        )
        let auth = AuthService(
            userService: users,
            users: database.users,
            refreshTokens: database.refreshTokens,
            signer: try await AccessTokenSigner(configuration: tokenConfiguration),
            hasher: try PasswordHasher(cost: configuration.bcryptCost),
            refreshTokenLifetime: configuration.refreshTokenLifetime
        )
        let verifier = try await JWTIdentityVerifier(configuration: tokenConfiguration)
        let sync = SyncService(messages: database.messages, friendships: database.friendships)
        return ChatBackends(
            database: database,
            users: users,
            friends: friends,
            messaging: messaging,
            auth: auth,
            sync: sync,
            presence: MemoryPresenceStore(),
            events: events,
            verifier: verifier
        )
    }
}

/// Builds the ChatBlizz application: backends, routes and services. The one composition root.
public func buildApplication(
    _ configuration: AppConfiguration,
    logger: Logger,
    routes registry: RouteRegistry = RouteRegistry()
) async throws -> some ApplicationProtocol {
    let backends = try await ChatBackends.make(configuration, logger: logger)
    let socketIO = makeSocketIOServer(configuration, logger: logger)
    let realtime = ChatRealtime(
        namespace: socketIO.mainNamespace,
        sessions: SocketSessions(eventsPerSecond: configuration.socketEventsPerSecond, burst: configuration.socketEventsPerSecond * 2),
        verifier: backends.verifier,
        users: backends.users,
        friends: backends.friends,
        messaging: backends.messaging,
        sync: backends.sync,
        presence: backends.presence,
        nodeID: configuration.nodeID,
        limits: .init(maxSocketsPerUser: configuration.maxSocketsPerUser, syncPageSize: 200),
        logger: logger
    )
    realtime.install()
    let router = buildRouter(configuration, backends: backends, registry: registry)
    router.addSocketIO(socketIO, logger: logger)
    var app = Application(
        router: router,
        server: socketIO.httpServerBuilder(logger: logger),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ChatBlizz"),
        services: [
            backends.database,
            SocketIOService(server: socketIO),
            RealtimeFanout(bus: backends.events, namespace: socketIO.mainNamespace, logger: logger),
        ],
        logger: logger
    )
    if configuration.migrateOnStart {
        app.beforeServerStarts { try await backends.database.migrate() }
    }
    return app
}

/// The HTTP routes of ChatBlizz.
func buildRouter(_ configuration: AppConfiguration, backends: ChatBackends, registry: RouteRegistry) -> Router<ChatRequestContext> {
    let router = Router(context: ChatRequestContext.self)
    router.add(middleware: ErrorMiddleware())
    let dependencies = APIDependencies(
        users: backends.users,
        friends: backends.friends,
        messaging: backends.messaging,
        auth: backends.auth,
        userStore: backends.database.users,
        limits: configuration.limits,
        maxJSONBodyBytes: configuration.maxJSONBodyBytes,
        authLimiter: RateLimiter(limit: configuration.authAttemptsPerMinute)
    )
    let database = backends.database
    HealthController { try await database.ping() }.register(on: RouteBuilder(group: router.group(), prefix: "", registry: registry))
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
    return router
}

/// The Socket.IO server at `/socket.io/` with the configured heartbeat, connection-state recovery and CORS.
func makeSocketIOServer(_ configuration: AppConfiguration, logger: Logger) -> SocketIOServer {
    var engine = EngineIOConfiguration(path: "/socket.io/")
    engine.pingInterval = configuration.pingInterval
    engine.pingTimeout = configuration.pingTimeout
    engine.corsOrigin = configuration.corsOrigin
    let recovery: SocketIOConfiguration.ConnectionStateRecovery? =
        configuration.recoveryWindow > .zero
        ? .init(maxDisconnectionDuration: configuration.recoveryWindow, skipMiddlewares: false) : nil
    return SocketIOServer(
        configuration: SocketIOConfiguration(engine: engine, connectTimeout: .seconds(20), connectionStateRecovery: recovery),
        onHandlerError: { error, socket, event in
            logger.error("socket handler failed", metadata: ["sio.sid": "\(socket.id)", "sio.event": "\(event)", "error": "\(error)"])
        }
    )
}
