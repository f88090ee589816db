import NIOCore

extension RedisClient {
    /// Subscribes to channels (`SUBSCRIBE`). The stream survives reconnects; ending its iteration (or dropping it)
    /// unsubscribes. Messages for a consumer that lags beyond the configured buffer are dropped, oldest first.
    /// - Throws: ``RedisError`` `timeout` when the server has not confirmed within the command timeout.
    public func subscribe(to channels: [String]) async throws -> AsyncStream<RedisPubSubMessage> {
        try await subscribe(channels, kind: .channel)
    }

    /// Subscribes to glob patterns (`PSUBSCRIBE`); messages carry the matching ``RedisPubSubMessage/pattern``.
    public func subscribe(toPatterns patterns: [String]) async throws -> AsyncStream<RedisPubSubMessage> {
        try await subscribe(patterns, kind: .pattern)
    }

    /// Subscribes to sharded channels (`SSUBSCRIBE`, Redis 7 and later); publish with `SPUBLISH`.
    public func subscribe(toShardChannels channels: [String]) async throws -> AsyncStream<RedisPubSubMessage> {
        try await subscribe(channels, kind: .shard)
    }

    /// Publishes `message` on `channel` and returns how many subscribers of the server received it.
    @discardableResult
    public func publish(_ message: ByteBuffer, to channel: String) async throws -> Int {
        var command = RedisCommand("PUBLISH")
        command.append(channel)
        command.append(bytes: message)
        return Int(try await send(command).int64 ?? 0)
    }

    /// Publishes a text message.
    @discardableResult
    public func publish(_ message: String, to channel: String) async throws -> Int {
        try await publish(ByteBuffer(string: message), to: channel)
    }

    private func subscribe(_ names: [String], kind: RedisSubscriptionKind) async throws -> AsyncStream<RedisPubSubMessage> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: RedisPubSubMessage.self,
            bufferingPolicy: .bufferingNewest(configuration.subscriptionBufferSize)
        )
        let id = try await subscribe(names, kind: kind, deliver: { continuation.yield($0) }, finish: { continuation.finish() })
        let registry = subscriptions
        continuation.onTermination = { _ in registry.unregister(id) }
        return stream
    }

    /// Registers a sink and waits for the server's confirmation; on failure the sink is removed again.
    func subscribe(
        _ names: [String],
        kind: RedisSubscriptionKind,
        deliver: @escaping @Sendable (RedisPubSubMessage) -> Void,
        finish: @escaping @Sendable () -> Void
    ) async throws -> Int {
        let keys = names.map { RedisSubscriptionRegistry.Key(kind: kind, name: $0) }
        guard let id = subscriptions.register(.init(keys: keys, deliver: deliver, finish: finish)) else {
            finish()
            throw RedisError.clientShutdown
        }
        do {
            try await waitForConfirmation(keys)
        } catch {
            subscriptions.unregister(id)
            throw error
        }
        return id
    }

    /// Waits until every key is confirmed by the server, within the command timeout.
    func waitForConfirmation(_ keys: [RedisSubscriptionRegistry.Key]) async throws {
        let registry = subscriptions
        try await withTimeout(configuration.commandTimeout, error: RedisError.timeout("subscription not confirmed")) {
            for key in keys { try await registry.waitForConfirmation(of: key) }
        }
    }
}
