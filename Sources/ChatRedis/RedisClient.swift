import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A Redis client: a pool of command connections plus one dedicated pub/sub connection, owned by ``run()``.
///
/// Add it to the `ServiceGroup`; commands sent before `run()` has a connection wait for one (up to the command
/// timeout). Every connection reconnects by itself with exponential backoff and jitter; subscriptions are re-issued
/// on the new pub/sub connection and consumers keep their streams. Graceful shutdown lets each connection answer the
/// commands it has in flight, then closes it, fails the commands still waiting for a connection and ends every
/// subscription stream.
public final class RedisClient: Service, Sendable {
    /// Where the client connects and how it behaves.
    public let configuration: RedisConfiguration
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger
    let subscriptions = RedisSubscriptionRegistry()

    private struct Pool {
        var connections: [Int: RedisConnection] = [:]
        var waiters: [Int: CheckedContinuation<RedisConnection, any Error>] = [:]
        var nextWaiterID = 0
        var nextSlot = 0
        var shutDown = false
        /// Slots whose latest connect attempt failed. When every slot is failing, commands fail at once instead of
        /// waiting out the command timeout for a server that is known to be down.
        var unreachableSlots: Set<Int> = []
    }

    private let pool = Mutex(Pool())

    /// - Parameters:
    ///   - eventLoopGroup: where the connections live; the shared singleton by default.
    ///   - logger: connection events and failures, with `redis.*` metadata. Secrets are never logged.
    public init(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "chatblizz.redis")
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        var logger = logger
        logger[metadataKey: "redis.server"] = "\(configuration.host):\(configuration.port)"
        self.logger = logger
    }

    /// A client for a `redis://` or `rediss://` URL (see ``RedisConfiguration/init(url:)``).
    public convenience init(
        url: String,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "chatblizz.redis")
    ) throws {
        self.init(configuration: try RedisConfiguration(url: url), eventLoopGroup: eventLoopGroup, logger: logger)
    }

    /// Owns every connection until graceful shutdown or cancellation.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for slot in 0..<self.configuration.connectionCount {
                    group.addTask { await self.maintainConnection(slot: slot) }
                }
                group.addTask { await self.maintainSubscriberConnection() }
            }
        }
        shutDown()
    }

    /// Sends a command on the least busy pooled connection and returns its reply.
    /// - Throws: ``RedisError``: `server` for an error reply, `timeout` (no reply, or no connection, within the
    ///   command timeout), `connectionClosed`, `clientShutdown`.
    public func send(_ command: RedisCommand, timeout: Duration? = nil) async throws -> RESPValue {
        let connection = try await leaseConnection()
        return try await connection.send(command, timeout: timeout)
    }

    /// Sends `name` with string arguments.
    @discardableResult
    public func send(_ name: String, _ arguments: String...) async throws -> RESPValue {
        try await send(RedisCommand(name, arguments))
    }

    private func shutDown() {
        let (connections, waiters) = pool.withLock { pool in
            pool.shutDown = true
            defer { pool.waiters = [:] }
            return (Array(pool.connections.values), Array(pool.waiters.values))
        }
        for waiter in waiters { waiter.resume(throwing: RedisError.clientShutdown) }
        for connection in connections { connection.channel.close(promise: nil) }
        subscriptions.finish()
        logger.debug("Redis client stopped")
    }

    // MARK: Pool

    private func leaseConnection() async throws -> RedisConnection {
        let connectionCount = configuration.connectionCount
        let ready: Result<RedisConnection, RedisError>? = pool.withLock { pool in
            if pool.shutDown { return .failure(RedisError.clientShutdown) }
            if let connection = Self.leastBusy(&pool) { return .success(connection) }
            if pool.unreachableSlots.count >= connectionCount {
                return .failure(RedisError.unreachable)
            }
            return nil
        }
        if let ready { return try ready.get() }
        return try await withTimeout(configuration.commandTimeout, error: RedisError.timeout("no Redis connection available")) {
            try await self.waitForConnection()
        }
    }

    /// The connection with the fewest commands in flight, starting the scan at a rotating slot so ties spread out.
    private static func leastBusy(_ pool: inout Pool) -> RedisConnection? {
        let live = pool.connections.sorted { $0.key < $1.key }.map(\.value).filter(\.isActive)
        guard !live.isEmpty else { return nil }
        pool.nextSlot &+= 1
        let start = Int(UInt(bitPattern: pool.nextSlot) % UInt(live.count))
        var best = live[start]
        for offset in 1..<max(live.count, 1) {
            let candidate = live[(start + offset) % live.count]
            if candidate.inFlight < best.inFlight { best = candidate }
        }
        return best
    }

    private func waitForConnection() async throws -> RedisConnection {
        let id = pool.withLock { pool in
            defer { pool.nextWaiterID += 1 }
            return pool.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<RedisConnection, any Error>) in
                let result: Result<RedisConnection, any Error>? = pool.withLock { pool in
                    if pool.shutDown { return .failure(RedisError.clientShutdown) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if let connection = Self.leastBusy(&pool) { return .success(connection) }
                    pool.waiters[id] = continuation
                    return nil
                }
                if let result { continuation.resume(with: result) }
            }
        } onCancel: {
            let waiter = pool.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Keeps one pooled connection open: connect, serve until it closes, reconnect with backoff.
    private func maintainConnection(slot: Int) async {
        var logger = logger
        logger[metadataKey: "redis.slot"] = "\(slot)"
        let connectionCount = configuration.connectionCount
        await reconnectLoop(logger: logger, subscriber: false) { reachable in
            // Once every slot failed to connect, the commands waiting for a connection fail now rather than at their
            // timeout.
            let stranded = self.pool.withLock { pool -> [CheckedContinuation<RedisConnection, any Error>] in
                if reachable {
                    pool.unreachableSlots.remove(slot)
                    return []
                }
                pool.unreachableSlots.insert(slot)
                guard pool.unreachableSlots.count >= connectionCount else { return [] }
                defer { pool.waiters = [:] }
                return Array(pool.waiters.values)
            }
            for waiter in stranded {
                waiter.resume(throwing: RedisError.unreachable)
            }
        } serve: { connection in
            let waiters = self.pool.withLock { pool in
                pool.connections[slot] = connection
                defer { pool.waiters = [:] }
                return Array(pool.waiters.values)
            }
            for waiter in waiters { waiter.resume(returning: connection) }
            await connection.waitUntilClosed()
            self.pool.withLock { pool in
                if pool.connections[slot] === connection { pool.connections[slot] = nil }
            }
        }
    }

    private func maintainSubscriberConnection() async {
        var logger = logger
        logger[metadataKey: "redis.slot"] = "pubsub"
        await reconnectLoop(logger: logger, subscriber: true) { _ in
        } serve: { connection in
            self.subscriptions.connected(connection)
            await connection.waitUntilClosed()
            self.subscriptions.disconnected(connection)
        }
    }

    /// - Parameters:
    ///   - reachability: told after every connect attempt whether it succeeded.
    ///   - serve: uses the connection until it closes.
    private func reconnectLoop(
        logger: Logger,
        subscriber: Bool,
        reachability: (Bool) -> Void,
        serve: (RedisConnection) async -> Void
    ) async {
        var failures = 0
        let registry = subscriptions
        let pushHandler: (@Sendable ([RESPValue]) -> Void)? = subscriber ? { @Sendable items in registry.handlePush(items) } : nil
        while !Task.isCancelled {
            do {
                let connection = try await RedisConnection.connect(
                    configuration: configuration,
                    eventLoopGroup: eventLoopGroup,
                    logger: logger,
                    subscriber: subscriber,
                    pushHandler: pushHandler
                )
                reachability(true)
                if failures > 0 { logger.info("Redis reconnected", metadata: ["redis.attempts": "\(failures)"]) }
                failures = 0
                await serve(connection)
                if Task.isCancelled { return }
                logger.warning("Redis connection closed, reconnecting")
            } catch {
                reachability(false)
                failures += 1
                let delay = configuration.reconnectDelay(attempt: failures)
                logger.warning(
                    "Redis connection failed",
                    metadata: ["redis.error": "\(error)", "redis.attempts": "\(failures)", "redis.retry_in": "\(delay)"]
                )
                do { try await Task.sleep(for: delay) } catch { return }
            }
        }
    }
}

/// Runs `operation`, failing with `error` when it takes longer than `timeout`.
func withTimeout<T: Sendable>(_ timeout: Duration, error: RedisError, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw error
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw error }
        return result
    }
}
