import ChatCore
import ChatRedis
import Testing

struct RedisRateLimitStoreTests {
    /// Two nodes (separate clients) count into one window: together they get the budget once.
    @Test func twoNodesShareOneBudget() async throws {
        guard let url = RedisTestEnvironment.url() else { return }
        let keys = RedisTestEnvironment.uniqueKeys()
        let configuration = try RedisConfiguration.forTests(url: url)
        try await withRedisClient(configuration) { (clientA: RedisClient) async throws in
            try await withRedisClient(configuration) { (clientB: RedisClient) async throws in
                let nodeA = RedisRateLimitStore(client: clientA, keys: keys)
                let nodeB = RedisRateLimitStore(client: clientB, keys: keys)
                let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in 0..<20 {
                        let store = index.isMultiple(of: 2) ? nodeA : nodeB
                        group.addTask { try await store.hit("login:10.0.0.1", windowMilliseconds: 60_000, now: .now()) }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(counts.sorted() == Array(1...20))
                #expect(try await nodeA.hit("login:10.0.0.2", windowMilliseconds: 60_000, now: .now()) == 1)
                let ttl = try await clientA.send("PTTL", keys.rateLimit("login:10.0.0.1")).int64 ?? -1
                #expect(ttl > 50_000 && ttl <= 60_000)
            }
        }
    }

    /// Only lower bounds on time: a starved test is slow, not flaky.
    @Test func aWindowEndsAndANewOneStarts() async throws {
        guard let url = RedisTestEnvironment.url() else { return }
        let keys = RedisTestEnvironment.uniqueKeys()
        try await withRedisClient(try RedisConfiguration.forTests(url: url)) { (client: RedisClient) async throws in
            let store = RedisRateLimitStore(client: client, keys: keys)
            #expect(try await store.hit("long", windowMilliseconds: 60_000, now: .now()) == 1)
            #expect(try await store.hit("long", windowMilliseconds: 60_000, now: .now()) == 2)
            #expect(try await store.hit("short", windowMilliseconds: 50, now: .now()) == 1)
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await store.hit("short", windowMilliseconds: 50, now: .now()) == 1)
            #expect(try await store.hit("long", windowMilliseconds: 60_000, now: .now()) == 3)
        }
    }

    @Test func memoryStoreCountsPerWindow() {
        let store = MemoryRateLimitStore(maxKeys: 2)
        #expect(store.hit("a", windowMilliseconds: 1000, now: Timestamp(milliseconds: 0)) == 1)
        #expect(store.hit("a", windowMilliseconds: 1000, now: Timestamp(milliseconds: 999)) == 2)
        #expect(store.hit("a", windowMilliseconds: 1000, now: Timestamp(milliseconds: 1000)) == 1)
        #expect(store.hit("b", windowMilliseconds: 1000, now: Timestamp(milliseconds: 1000)) == 1)
        #expect(store.hit("c", windowMilliseconds: 1000, now: Timestamp(milliseconds: 1000)) == 1)
    }
}
