import AsyncTestSupport
import ChatCore
import Logging
import ServiceLifecycle
import Testing

@testable import ChatApp

/// The service that re-checks cached messaging permissions in the background.
struct PermissionRefresherTests {
    @Test func itFollowsABlockThatNoEventAnnounced() async throws {
        let users = MemoryUserStore()
        let friendships = MemoryFriendshipStore()
        let accounts = UserService(users: users, friendships: friendships, events: MemoryEventBus(), ids: IdentifierGenerator())
        let alice = try await accounts.createUser(username: "alice", email: "alice@example.com").id
        let bob = try await accounts.createUser(username: "bob", email: "bob@example.com").id
        let writer = FriendshipService(friendships: friendships, users: users, events: MemoryEventBus())
        // Every use of a cached answer queues a re-check; an answer lasts a minute without one.
        let cache = MessagingPermissionCache(ttl: .seconds(60), refreshAfter: .zero)
        let reader = FriendshipService(friendships: friendships, users: users, events: MemoryEventBus(), permissions: cache)
        #expect(PermissionRefresher(friends: writer, logger: Logger(label: "test")) == nil)
        let refresher = try #require(PermissionRefresher(friends: reader, logger: Logger(label: "test")))

        try await writer.sendRequest(from: alice, to: bob)
        try await writer.accept(bob, requestFrom: alice)
        #expect(try await reader.canMessage(alice, bob))
        try await writer.block(bob, alice)

        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await refresher.run() }
            let refused = await withDeadline(.seconds(10)) {
                while !Task.isCancelled {
                    if (try? await reader.canMessage(alice, bob)) == false { return true }
                    try? await Task.sleep(for: .milliseconds(10))
                }
                return false
            }
            #expect(refused == true, "the cached permission outlived the block")
            group.cancelAll()
        }
    }
}
