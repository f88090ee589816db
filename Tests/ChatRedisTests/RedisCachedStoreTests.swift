import ChatCore
import ChatCoreTesting
import ChatRedis
import Testing

/// The caching decorators keep the store contracts, and a write through one node's decorator is seen by another
/// node's at once.
struct RedisCachedStoreTests {
    @Test(arguments: UserStoreConformance.cases)
    func userStoreConformance(_ check: ConformanceCase) async throws {
        guard let url = RedisTestEnvironment.url() else { return }
        try await withRedisClient(try RedisConfiguration.forTests(url: url)) { (client: RedisClient) async throws in
            let users = RedisCachedUserStore(base: MemoryUserStore(), client: client, keys: RedisTestEnvironment.uniqueKeys())
            var fixture = StoreFixture.memory()
            fixture.users = users
            try await check.body(fixture)
        }
    }

    @Test(arguments: FriendshipStoreConformance.cases)
    func friendshipStoreConformance(_ check: ConformanceCase) async throws {
        guard let url = RedisTestEnvironment.url() else { return }
        try await withRedisClient(try RedisConfiguration.forTests(url: url)) { (client: RedisClient) async throws in
            let friendships = RedisCachedFriendshipStore(
                base: MemoryFriendshipStore(),
                client: client,
                keys: RedisTestEnvironment.uniqueKeys(),
                pageSize: 3
            )
            var fixture = StoreFixture.memory()
            fixture.friendships = friendships
            try await check.body(fixture)
        }
    }

    static func user(_ id: String, _ username: String, at time: Int64 = 1) -> User {
        User(
            id: UserID(id),
            username: username,
            email: "\(username.lowercased())@example.com",
            createdAt: Timestamp(milliseconds: time),
            updatedAt: Timestamp(milliseconds: time)
        )
    }

    /// Two nodes: separate clients and decorators over one shared store (the database).
    @Test func aProfileWriteOnOneNodeIsSeenByTheOtherAtOnce() async throws {
        guard let url = RedisTestEnvironment.url() else { return }
        let keys = RedisTestEnvironment.uniqueKeys()
        let database = MemoryUserStore()
        let configuration = try RedisConfiguration.forTests(url: url)
        try await withRedisClient(configuration) { (clientA: RedisClient) async throws in
            try await withRedisClient(configuration) { (clientB: RedisClient) async throws in
                let nodeA = RedisCachedUserStore(base: database, client: clientA, keys: keys, tombstone: .milliseconds(1))
                let nodeB = RedisCachedUserStore(base: database, client: clientB, keys: keys, tombstone: .milliseconds(1))
                try await nodeA.insert(Self.user("u1", "Alice"), passwordHash: nil)
                try await Task.sleep(for: .milliseconds(10))
                #expect(try await nodeB.user(id: UserID("u1"))?.username == "Alice")
                #expect(try await nodeB.user(login: "ALICE")?.id == UserID("u1"))
                let cached = try await clientA.send("GET", keys.cachedUser("u1")).string
                #expect(cached?.contains("Alice") == true)
                #expect(try await clientA.send("GET", keys.cachedUserLogin("alice")).string == "u1")

                var renamed = Self.user("u1", "Alicia", at: 2)
                renamed.displayName = "A."
                try await nodeA.update(renamed)
                #expect(try await nodeB.user(id: UserID("u1"))?.displayName == "A.")
                #expect(try await nodeB.users(ids: [UserID("u1"), UserID("nobody")]).map(\.username) == ["Alicia"])
                #expect(try await nodeB.user(login: "alice") == nil)
                #expect(try await nodeB.user(login: "alicia")?.displayName == "A.")
                #expect(try await nodeB.user(login: "alicia@example.com")?.id == UserID("u1"))
            }
        }
    }

    @Test func aFriendRequestOnOneNodeIsInTheOtherNodesInboxAtOnce() async throws {
        guard let url = RedisTestEnvironment.url() else { return }
        let keys = RedisTestEnvironment.uniqueKeys()
        let database = MemoryFriendshipStore()
        let configuration = try RedisConfiguration.forTests(url: url)
        let (alice, bob) = (UserID("alice"), UserID("bob"))
        try await withRedisClient(configuration) { (clientA: RedisClient) async throws in
            try await withRedisClient(configuration) { (clientB: RedisClient) async throws in
                let nodeA = RedisCachedFriendshipStore(base: database, client: clientA, keys: keys)
                let nodeB = RedisCachedFriendshipStore(base: database, client: clientB, keys: keys)
                #expect(try await nodeB.pendingRequests(of: bob, direction: .incoming, after: nil, limit: 20).isEmpty)
                #expect(try await clientB.send("GET", keys.cachedFriendRequests("bob", direction: "incoming")).string == "[]")

                let request = Friendship(
                    requester: alice,
                    addressee: bob,
                    status: .pending,
                    createdAt: Timestamp(milliseconds: 1),
                    updatedAt: Timestamp(milliseconds: 1)
                )
                try await nodeA.insert(request)
                #expect(try await nodeB.pendingRequests(of: bob, direction: .incoming, after: nil, limit: 20) == [request])
                #expect(try await nodeB.pendingRequests(of: alice, direction: .outgoing, after: nil, limit: 20) == [request])

                var accepted = request
                accepted.status = .accepted
                accepted.version = 2
                accepted.updatedAt = Timestamp(milliseconds: 2)
                #expect(try await nodeA.update(accepted, expectedVersion: 1))
                #expect(try await nodeB.pendingRequests(of: bob, direction: .incoming, after: nil, limit: 20).isEmpty)
                #expect(try await nodeB.pendingRequests(of: alice, direction: .outgoing, after: nil, limit: 20).isEmpty)
                #expect(try await nodeA.update(accepted, expectedVersion: 1) == false)
            }
        }
    }

    /// Redis down: every call goes to the store and succeeds.
    @Test func aDeadRedisFallsBackToTheStore() async throws {
        var configuration = RedisConfiguration(port: 1)
        configuration.commandTimeout = .milliseconds(300)
        configuration.connectTimeout = .milliseconds(100)
        try await withRedisClient(configuration) { (client: RedisClient) async throws in
            let users = RedisCachedUserStore(base: MemoryUserStore(), client: client)
            try await users.insert(Self.user("u1", "Carol"), passwordHash: "hash")
            #expect(try await users.user(id: UserID("u1"))?.username == "Carol")
            #expect(try await users.user(login: "carol")?.id == UserID("u1"))
            try await users.update(Self.user("u1", "Caroline", at: 2))
            #expect(try await users.users(ids: [UserID("u1")]).map(\.username) == ["Caroline"])
            let friendships = RedisCachedFriendshipStore(base: MemoryFriendshipStore(), client: client)
            #expect(try await friendships.pendingRequests(of: UserID("u1"), direction: .incoming, after: nil, limit: 5).isEmpty)
        }
    }
}
