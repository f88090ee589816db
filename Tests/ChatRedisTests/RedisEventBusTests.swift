import ChatCore
import Foundation
import Testing

@testable import ChatRedis

struct RedisEventBusTests {
    static func event(_ name: String) -> DomainEvent {
        .userUpdated(
            User(
                id: UserID(name),
                username: name,
                email: "\(name)@example.com",
                createdAt: Timestamp(milliseconds: 1),
                updatedAt: Timestamp(milliseconds: 2)
            )
        )
    }

    /// Two "nodes": each has its own client and bus; every event reaches the subscribers of both, the publisher's too.
    @Test func deliversEveryEventToEveryNode() async throws {
        guard let url = RedisTestEnvironment.url() else { return }
        let keys = RedisTestEnvironment.uniqueKeys()
        let configuration = try RedisConfiguration.forTests(url: url)
        try await withRedisClient(configuration) { (clientA: RedisClient) async throws in
            try await withRedisClient(configuration) { (clientB: RedisClient) async throws in
                let busA = RedisEventBus(client: clientA, keys: keys)
                let busB = RedisEventBus(client: clientB, keys: keys)
                let streamA = await busA.subscribe()
                let streamB = await busB.subscribe()
                let secondB = await busB.subscribe()
                try await busA.publish(Self.event("from-a"))
                try await busB.publish(Self.event("from-b"))
                for stream in [streamA, streamB, secondB] {
                    var iterator = stream.makeAsyncIterator()
                    let first = await iterator.next()
                    let second = await iterator.next()
                    #expect(first == Self.event("from-a"))
                    #expect(second == Self.event("from-b"))
                }
            }
        }
    }

    @Test func streamsEndWhenTheClientStops() async throws {
        guard let url = RedisTestEnvironment.url() else { return }
        let client = RedisClient(configuration: try RedisConfiguration.forTests(url: url))
        let stream = await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            defer { group.cancelAll() }
            return await RedisEventBus(client: client, keys: RedisTestEnvironment.uniqueKeys()).subscribe()
        }
        var count = 0
        for await _ in stream { count += 1 }
        #expect(count == 0)
        let late = await RedisEventBus(client: client).subscribe()
        for await _ in late { count += 1 }
        #expect(count == 0)
    }

    @Test func dropsUndecodablePayloads() async throws {
        guard let url = RedisTestEnvironment.url() else { return }
        let keys = RedisTestEnvironment.uniqueKeys()
        try await withRedisClient(try RedisConfiguration.forTests(url: url)) { (client: RedisClient) async throws in
            let bus = RedisEventBus(client: client, keys: keys)
            let stream = await bus.subscribe()
            try await client.publish("{not json", to: keys.eventChannel)
            try await bus.publish(Self.event("ok"))
            var iterator = stream.makeAsyncIterator()
            #expect(await iterator.next() == Self.event("ok"))
        }
    }
}
