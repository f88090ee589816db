import ChatCore
import Testing

/// The cache of "may message" answers: what it keeps, when it forgets, and that a change always wins over a check that
/// raced with it.
struct MessagingPermissionCacheTests {
    let pair = ConversationID(UserID("u-a"), UserID("u-b"))
    let other = ConversationID(UserID("u-a"), UserID("u-c"))

    @Test func remembersAllowedPairsUntilTheyExpire() {
        let cache = MessagingPermissionCache(ttl: .seconds(2))
        let start = ContinuousClock.now
        let first = cache.lookup(pair, now: start)
        #expect(!first.allowed)
        cache.remember(pair, generation: first.generation, now: start)
        #expect(cache.lookup(pair, now: start + .seconds(1)).allowed)
        #expect(!cache.lookup(other, now: start + .seconds(1)).allowed)
        #expect(!cache.lookup(pair, now: start + .seconds(2)).allowed)
        #expect(cache.count == 0)
    }

    @Test func invalidationForgetsThePairAndDiscardsChecksAlreadyRunning() {
        let cache = MessagingPermissionCache()
        let now = ContinuousClock.now
        cache.remember(pair, generation: cache.lookup(pair, now: now).generation, now: now)
        let racing = cache.lookup(other, now: now)
        cache.invalidate(pair)
        #expect(!cache.lookup(pair, now: now).allowed)
        // A check of any pair that started before the change may have read the old state: it is not stored.
        cache.remember(other, generation: racing.generation, now: now)
        #expect(!cache.lookup(other, now: now).allowed)
        let fresh = cache.lookup(other, now: now)
        cache.remember(other, generation: fresh.generation, now: now)
        #expect(cache.lookup(other, now: now).allowed)
    }

    @Test func anEntryUsedAfterRefreshAfterIsQueuedOnceForARecheck() async {
        let cache = MessagingPermissionCache(ttl: .seconds(2))
        #expect(cache.refreshAfter == .seconds(1))
        let start = ContinuousClock.now
        cache.remember(pair, generation: cache.lookup(pair, now: start).generation, now: start)
        #expect(cache.lookup(pair, now: start + .milliseconds(500)).allowed)
        #expect(cache.takeDue().pairs.isEmpty)
        #expect(cache.lookup(pair, now: start + .milliseconds(1200)).allowed)
        #expect(cache.lookup(pair, now: start + .milliseconds(1300)).allowed)
        var wakeups = cache.refreshRequests.makeAsyncIterator()
        #expect(await wakeups.next() != nil)
        let due = cache.takeDue()
        #expect(due.pairs == [pair])
        #expect(cache.takeDue().pairs.isEmpty)
        // The re-check found the pair allowed: the entry lasts `ttl` from the re-check, past its first expiry.
        cache.refreshed(due.pairs, allowed: [pair], generation: due.generation, checkedAt: start + .milliseconds(1400))
        #expect(cache.lookup(pair, now: start + .milliseconds(3000)).allowed)
        #expect(cache.takeDue().pairs == [pair])
        #expect(!cache.lookup(pair, now: start + .milliseconds(3400)).allowed)
    }

    @Test func aRecheckThatFindsThePairRefusedForgetsIt() {
        let cache = MessagingPermissionCache(ttl: .seconds(60), refreshAfter: .zero)
        let now = ContinuousClock.now
        cache.remember(pair, generation: cache.lookup(pair, now: now).generation, now: now)
        cache.remember(other, generation: cache.lookup(other, now: now).generation, now: now)
        #expect(cache.lookup(pair, now: now).allowed)
        #expect(cache.lookup(other, now: now).allowed)
        let due = cache.takeDue(limit: 1)
        #expect(due.pairs == [pair])
        cache.refreshed(due.pairs, allowed: [], generation: due.generation, checkedAt: now)
        #expect(!cache.lookup(pair, now: now).allowed)
        #expect(cache.lookup(other, now: now).allowed)
        #expect(cache.takeDue().pairs == [other])
    }

    @Test func aRecheckRacingAnInvalidationStoresNothingAndCanBeQueuedAgain() {
        let cache = MessagingPermissionCache(ttl: .seconds(2))
        let start = ContinuousClock.now
        cache.remember(pair, generation: cache.lookup(pair, now: start).generation, now: start)
        #expect(cache.lookup(pair, now: start + .milliseconds(1100)).allowed)
        let due = cache.takeDue()
        cache.invalidate(other)
        cache.refreshed(due.pairs, allowed: [pair], generation: due.generation, checkedAt: start + .milliseconds(1200))
        #expect(cache.lookup(pair, now: start + .milliseconds(1300)).allowed)
        #expect(cache.takeDue().pairs == [pair])
        #expect(!cache.lookup(pair, now: start + .seconds(2)).allowed)
    }

    @Test func aFailedRecheckCanBeQueuedAgain() {
        let cache = MessagingPermissionCache(ttl: .seconds(60), refreshAfter: .zero)
        let now = ContinuousClock.now
        cache.remember(pair, generation: cache.lookup(pair, now: now).generation, now: now)
        #expect(cache.lookup(pair, now: now).allowed)
        cache.refreshFailed(cache.takeDue().pairs)
        #expect(cache.lookup(pair, now: now).allowed)
        #expect(cache.takeDue().pairs == [pair])
    }

    @Test func staysWithinItsCapacity() {
        let cache = MessagingPermissionCache(ttl: .seconds(60), capacity: 10)
        let now = ContinuousClock.now
        for index in 0..<25 {
            let pair = ConversationID(UserID("u-a"), UserID("u-\(index)"))
            cache.remember(pair, generation: cache.lookup(pair, now: now).generation, now: now)
            #expect(cache.count <= 10)
        }
        let last = ConversationID(UserID("u-a"), UserID("u-24"))
        #expect(cache.lookup(last, now: now).allowed)
    }
}

/// `FriendshipService.canMessage` with the cache, on one node and on two nodes sharing one store.
struct CachedMessagingPermissionTests {
    private struct Node {
        let service: FriendshipService

        init(_ friendships: MemoryFriendshipStore, _ users: MemoryUserStore, ttl: Duration = .seconds(60), refreshAfter: Duration? = nil) {
            service = FriendshipService(
                friendships: friendships,
                users: users,
                events: MemoryEventBus(),
                permissions: MessagingPermissionCache(ttl: ttl, refreshAfter: refreshAfter)
            )
        }
    }

    private static func world() async throws -> (MemoryFriendshipStore, MemoryUserStore, UserID, UserID) {
        let users = MemoryUserStore()
        let friendships = MemoryFriendshipStore()
        let service = UserService(users: users, friendships: friendships, events: MemoryEventBus(), ids: IdentifierGenerator())
        let alice = try await service.createUser(username: "alice", email: "alice@example.com").id
        let bob = try await service.createUser(username: "bob", email: "bob@example.com").id
        return (friendships, users, alice, bob)
    }

    @Test func changesOnThisNodeApplyAtOnce() async throws {
        let (friendships, users, alice, bob) = try await Self.world()
        let node = Node(friendships, users)
        #expect(try await !node.service.canMessage(alice, bob))
        try await node.service.sendRequest(from: alice, to: bob)
        #expect(try await !node.service.canMessage(alice, bob))
        try await node.service.accept(bob, requestFrom: alice)
        #expect(try await node.service.canMessage(alice, bob))
        #expect(try await node.service.canMessage(bob, alice))
        try await node.service.block(bob, alice)
        #expect(try await !node.service.canMessage(alice, bob))
        try await node.service.unblock(bob, alice)
        try await node.service.sendRequest(from: alice, to: bob)
        try await node.service.accept(bob, requestFrom: alice)
        #expect(try await node.service.canMessage(alice, bob))
        try await node.service.unfriend(alice, bob)
        #expect(try await !node.service.canMessage(bob, alice))
    }

    @Test func anotherNodeFollowsWhenTheEventArrivesOrTheEntryExpires() async throws {
        let (friendships, users, alice, bob) = try await Self.world()
        let writer = Node(friendships, users)
        let reader = Node(friendships, users)
        let shortLived = Node(friendships, users, ttl: .milliseconds(50))
        try await writer.service.sendRequest(from: alice, to: bob)
        let accepted = try await writer.service.accept(bob, requestFrom: alice)
        #expect(try await reader.service.canMessage(alice, bob))
        #expect(try await shortLived.service.canMessage(alice, bob))
        try await writer.service.block(alice, bob)
        // The reader has not seen the `friend_removed` event yet: its cached answer stands until it does.
        #expect(try await reader.service.canMessage(alice, bob))
        reader.service.forgetPermission(of: accepted)
        #expect(try await !reader.service.canMessage(alice, bob))
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await !shortLived.service.canMessage(alice, bob))
    }

    @Test func aBackgroundRecheckFollowsABlockMadeOnAnotherNode() async throws {
        let (friendships, users, alice, bob) = try await Self.world()
        let writer = Node(friendships, users)
        let reader = Node(friendships, users, refreshAfter: .zero)
        try await writer.service.sendRequest(from: alice, to: bob)
        try await writer.service.accept(bob, requestFrom: alice)
        #expect(try await reader.service.refreshDuePermissions() == 0)
        #expect(try await reader.service.canMessage(alice, bob))
        #expect(try await reader.service.canMessage(bob, alice))
        #expect(try await reader.service.refreshDuePermissions() == 1)
        #expect(try await reader.service.canMessage(alice, bob))
        // The block's event never reaches the reader; its next re-check finds the block.
        try await writer.service.block(alice, bob)
        #expect(try await reader.service.canMessage(alice, bob))
        #expect(try await reader.service.refreshDuePermissions() == 1)
        #expect(try await !reader.service.canMessage(alice, bob))
        #expect(try await reader.service.refreshDuePermissions() == 0)
    }
}
