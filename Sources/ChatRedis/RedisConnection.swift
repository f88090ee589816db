import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// One connection to Redis: pipelined commands answered in order, with a timeout each.
///
/// Open it with ``connect(configuration:eventLoopGroup:logger:)``; it says `HELLO 3` (falling back to RESP2 and `AUTH`
/// on servers older than 6), authenticates and selects the database before it is returned. Most code uses a
/// ``RedisClient`` instead, which pools connections and reconnects.
public final class RedisConnection: Sendable {
    let channel: any Channel
    /// 3 when the server accepted `HELLO 3`, else 2.
    public let protocolVersion: Int
    private let commandTimeout: Duration
    private let inFlightCount = Atomic<Int>(0)
    let logger: Logger

    private init(channel: any Channel, protocolVersion: Int, commandTimeout: Duration, logger: Logger) {
        self.channel = channel
        self.protocolVersion = protocolVersion
        self.commandTimeout = commandTimeout
        self.logger = logger
    }

    /// Opens, handshakes and returns a connection.
    /// - Throws: ``RedisError`` (`connectionClosed` when the server cannot be reached, `server` when it refuses `AUTH`).
    public static func connect(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "chatblizz.redis")
    ) async throws -> RedisConnection {
        try await connect(configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger, subscriber: false, pushHandler: nil)
    }

    static func connect(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger,
        subscriber: Bool,
        pushHandler: (@Sendable ([RESPValue]) -> Void)?
    ) async throws -> RedisConnection {
        let sslContext = try configuration.tls.map { try NIOSSLContext(configuration: $0) }
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let operations = channel.pipeline.syncOperations
                        if let sslContext {
                            try operations.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: configuration.host))
                        }
                        try operations.addHandler(ByteToMessageHandler(RESPDecoder(parser: RESPParser(limits: configuration.parserLimits))))
                        try operations.addHandler(RedisChannelHandler(isSubscriber: subscriber, pushHandler: pushHandler))
                    }
                }
                .connect(host: configuration.host, port: configuration.port)
                .get()
        } catch {
            throw error as? RedisError ?? RedisError.connectionClosed("cannot connect to \(configuration.host):\(configuration.port): \(error)")
        }
        do {
            let version = try await handshake(channel: channel, configuration: configuration)
            var logger = logger
            logger[metadataKey: "redis.connection"] = "\(ObjectIdentifier(channel).hashValue)"
            logger.debug("Redis connection ready", metadata: ["redis.protocol": "\(version)", "redis.subscriber": "\(subscriber)"])
            return RedisConnection(channel: channel, protocolVersion: version, commandTimeout: configuration.commandTimeout, logger: logger)
        } catch {
            try? await channel.close()
            throw error
        }
    }

    private static func handshake(channel: any Channel, configuration: RedisConfiguration) async throws -> Int {
        let timeout = configuration.commandTimeout
        var hello = RedisCommand("HELLO")
        hello.append("3")
        if let password = configuration.password {
            hello.append("AUTH")
            hello.append(configuration.username ?? "default")
            hello.append(password)
        }
        var version = 3
        do {
            _ = try await send(hello, on: channel, timeout: timeout)
        } catch let error as RedisError where error.serverErrorPrefix == "NOPROTO" || error.message.hasPrefix("ERR unknown command") {
            version = 2
            if let password = configuration.password {
                var auth = RedisCommand("AUTH")
                if let username = configuration.username { auth.append(username) }
                auth.append(password)
                _ = try await send(auth, on: channel, timeout: timeout)
            }
        }
        if configuration.database != 0 {
            _ = try await send(RedisCommand("SELECT", String(configuration.database)), on: channel, timeout: timeout)
        }
        return version
    }

    static func send(_ command: RedisCommand, on channel: any Channel, timeout: Duration) async throws -> RESPValue {
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        let request = RedisRequest(command: command, promise: promise, deadline: .now() + TimeAmount(timeout))
        // A write that never reaches the handler (channel already gone) must still complete the reply promise; a second
        // completion is ignored.
        channel.writeAndFlush(request).whenFailure { error in
            promise.fail(error as? RedisError ?? RedisError.connectionClosed())
        }
        return try await promise.futureResult.get()
    }

    /// Sends a command and waits for its reply.
    /// - Parameter timeout: overrides the configured command timeout (use a longer one for blocking commands).
    /// - Throws: ``RedisError``: `server` for an error reply, `timeout`, `connectionClosed`.
    public func send(_ command: RedisCommand, timeout: Duration? = nil) async throws -> RESPValue {
        inFlightCount.add(1, ordering: .relaxed)
        defer { inFlightCount.subtract(1, ordering: .relaxed) }
        return try await Self.send(command, on: channel, timeout: timeout ?? commandTimeout)
    }

    /// Writes a command whose answer comes as pushes (pub/sub), without waiting.
    func sendWithoutReply(_ command: RedisCommand) {
        channel.writeAndFlush(RedisRequest(command: command, promise: nil, deadline: .now()), promise: nil)
    }

    /// Commands waiting for replies, for least-busy selection.
    var inFlight: Int { inFlightCount.load(ordering: .relaxed) }

    /// Whether the connection is still open.
    public var isActive: Bool { channel.isActive }

    /// Closes the connection; pending commands fail with `connectionClosed`.
    public func close() async {
        try? await channel.close()
    }

    /// Refuses new commands and closes once those in flight are answered (each still bounded by its timeout).
    public func closeGracefully() {
        channel.triggerUserOutboundEvent(RedisChannelHandler.GracefulClose(), promise: nil)
    }

    /// Returns when the connection has closed; when the calling task is cancelled, it closes gracefully first.
    func waitUntilClosed() async {
        await withTaskCancellationHandler {
            try? await channel.closeFuture.get()
        } onCancel: {
            closeGracefully()
        }
    }
}
