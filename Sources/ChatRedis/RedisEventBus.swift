import ChatCore
import Foundation
import Logging
import NIOCore

/// The Redis `EventBus`: events are published as JSON on one channel (``RedisKeys/eventChannel``) and every node's
/// subscribers receive every event, their own node's included.
///
/// Delivery is at most once: an event published while a node's pub/sub connection is down does not reach that node
/// (clients catch up through sync). The bus needs its ``RedisClient`` running.
public struct RedisEventBus: EventBus {
    private let client: RedisClient
    private let channel: String
    private let bufferSize: Int
    private let logger: Logger

    /// - Parameters:
    ///   - keys: where the channel name comes from (`<prefix>:events`).
    ///   - bufferSize: events kept per subscriber that has not caught up; older ones are dropped, as in `MemoryEventBus`.
    public init(client: RedisClient, keys: RedisKeys = RedisKeys(), bufferSize: Int = 10_000, logger: Logger = Logger(label: "chatblizz.redis")) {
        self.client = client
        self.channel = keys.eventChannel
        self.bufferSize = bufferSize
        self.logger = logger
    }

    /// Publishes the event to every node.
    /// - Throws: ``RedisError`` when Redis cannot be reached within the command timeout.
    public func publish(_ event: DomainEvent) async throws {
        let data = try JSONEncoder().encode(event)
        var command = RedisCommand("PUBLISH")
        command.append(channel)
        command.append(bytes: data)
        _ = try await client.send(command)
    }

    /// Every event published from now on, on any node. When Redis is unreachable the subscription is still returned and
    /// becomes active as soon as the pub/sub connection is back. The stream ends when the client shuts down.
    public func subscribe() async -> AsyncStream<DomainEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: DomainEvent.self, bufferingPolicy: .bufferingNewest(bufferSize))
        let logger = logger
        let key = RedisSubscriptionRegistry.Key(kind: .channel, name: channel)
        let registration = RedisSubscriptionRegistry.Registration(
            keys: [key],
            deliver: { message in
                do {
                    continuation.yield(try JSONDecoder().decode(DomainEvent.self, from: Data(message.payload.readableBytesView)))
                } catch {
                    logger.warning("Dropped an undecodable event", metadata: ["redis.channel": "\(message.channel)", "error": "\(error)"])
                }
            },
            finish: { continuation.finish() }
        )
        guard let id = client.subscriptions.register(registration) else {
            continuation.finish()
            return stream
        }
        let registry = client.subscriptions
        continuation.onTermination = { _ in registry.unregister(id) }
        do {
            try await client.waitForConfirmation([key])
        } catch {
            logger.warning("Event subscription not confirmed yet; it activates when Redis is back", metadata: ["error": "\(error)"])
        }
        return stream
    }
}
