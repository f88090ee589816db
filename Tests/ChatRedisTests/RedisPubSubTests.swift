import Foundation
import NIOCore
import Testing

@testable import ChatRedis

@Suite(.timeLimit(.minutes(10)))
struct RedisPubSubTests {
    @Test func subscribesToChannelsPatternsAndShardChannels() async throws {
        guard let url = RedisTestEnvironment.url() else { return }
        let prefix = RedisTestEnvironment.uniqueKeys().prefix
        try await withRedisClient(try RedisConfiguration.forTests(url: url)) { (client: RedisClient) async throws in
            let channel = try await client.subscribe(to: ["\(prefix):a"])
            let pattern = try await client.subscribe(toPatterns: ["\(prefix):p.*"])
            let shard = try await client.subscribe(toShardChannels: ["\(prefix):s"])
            #expect(try await client.publish("one", to: "\(prefix):a") == 1)
            #expect(try await client.publish("two", to: "\(prefix):p.x") == 1)
            _ = try await client.send("SPUBLISH", "\(prefix):s", "three")

            var channelIterator = channel.makeAsyncIterator()
            let first = await channelIterator.next()
            #expect(first?.channel == "\(prefix):a" && first.map { String(buffer: $0.payload) } == "one")
            var patternIterator = pattern.makeAsyncIterator()
            let second = await patternIterator.next()
            #expect(second?.pattern == "\(prefix):p.*" && second?.channel == "\(prefix):p.x")
            #expect(second.map { String(buffer: $0.payload) } == "two")
            var shardIterator = shard.makeAsyncIterator()
            let third = await shardIterator.next()
            #expect(third.map { String(buffer: $0.payload) } == "three")
        }
    }

    @Test func sharedChannelIsUnsubscribedWhenTheLastConsumerStops() async throws {
        guard let url = RedisTestEnvironment.url() else { return }
        let name = RedisTestEnvironment.uniqueKeys().prefix + ":shared"
        try await withRedisClient(try RedisConfiguration.forTests(url: url)) { (client: RedisClient) async throws in
            var first: AsyncStream<RedisPubSubMessage>? = try await client.subscribe(to: [name])
            let second = try await client.subscribe(to: [name])
            #expect(try await client.publish("x", to: name) == 1, "one wire subscription for two consumers")
            var iterator = second.makeAsyncIterator()
            #expect(await iterator.next().map { String(buffer: $0.payload) } == "x")
            first = nil
            _ = first
            #expect(try await client.publish("y", to: name) == 1, "still subscribed for the second consumer")
            #expect(await iterator.next().map { String(buffer: $0.payload) } == "y")
            _ = iterator
        }
    }

    @Test func unsubscribesWhenTheConsumerStops() async throws {
        guard let url = RedisTestEnvironment.url() else { return }
        let name = RedisTestEnvironment.uniqueKeys().prefix + ":gone"
        try await withRedisClient(try RedisConfiguration.forTests(url: url)) { (client: RedisClient) async throws in
            do {
                let stream = try await client.subscribe(to: [name])
                #expect(try await client.publish("x", to: name) == 1)
                for await _ in stream { break }
            }
            #expect(try await eventually { try await client.publish("y", to: name) == 0 })
        }
    }

    /// Destructive, so on a server of its own.
    @Test func resubscribesAfterClientKillAndServerRestart() async throws {
        guard let binary = RedisTestEnvironment.serverBinary() else { return }
        let server = try RedisTestServer(binary: binary)
        defer { server.stop() }
        try await server.waitUntilReady()
        var configuration = try RedisConfiguration.forTests(url: server.url)
        configuration.maximumReconnectDelay = .milliseconds(500)
        try await withRedisClient(configuration) { (client: RedisClient) async throws in
            let stream = try await client.subscribe(to: ["news"])
            let patterns = try await client.subscribe(toPatterns: ["n*"])
            var iterator = stream.makeAsyncIterator()
            var patternIterator = patterns.makeAsyncIterator()

            _ = try await client.send("CLIENT", "KILL", "TYPE", "pubsub")
            #expect(try await eventually { try await client.publish("after-kill", to: "news") == 2 })
            #expect(await iterator.next().map { String(buffer: $0.payload) } == "after-kill")
            #expect(await patternIterator.next().map { String(buffer: $0.payload) } == "after-kill")

            server.stop()
            try server.start()
            try await server.waitUntilReady()
            #expect(try await eventually { try await client.publish("after-restart", to: "news") == 2 })
            #expect(await iterator.next().map { String(buffer: $0.payload) } == "after-restart")
            #expect(await patternIterator.next().map { String(buffer: $0.payload) } == "after-restart")
        }
    }
}
