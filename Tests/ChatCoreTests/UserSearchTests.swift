import ChatCore
import Testing

/// User search as a caller sees it: who is listed, with which relationship, and how pages fill.
struct UserSearchTests {
    private struct World {
        let users = MemoryUserStore()
        let friendships = MemoryFriendshipStore()
        let events = MemoryEventBus()
        let ids = IdentifierGenerator()

        var userService: UserService { UserService(users: users, friendships: friendships, events: events, ids: ids) }
        var friendService: FriendshipService { FriendshipService(friendships: friendships, users: users, events: events) }

        func make(_ username: String) async throws -> UserID {
            try await userService.createUser(username: username, email: "\(username)@example.com").id
        }

        func search(_ caller: UserID, _ query: String, limit: Int, after cursor: UserSearchCursor? = nil) async throws -> [(String, Relationship)] {
            try await userService.search(caller: caller, query: query, after: cursor, limit: limit).map { ($0.hit.user.username, $0.relationship) }
        }
    }

    @Test func usersWhoBlockTheCallerAreNotListedButTheCallersOwnBlocksAre() async throws {
        let world = World()
        let alice = try await world.make("alice")
        let mallory = try await world.make("sam_mallory")
        let bob = try await world.make("sam_bob")
        try await world.friendService.block(mallory, alice)
        try await world.friendService.block(alice, bob)
        let hits = try await world.search(alice, "sam", limit: 10)
        #expect(hits.map(\.0) == ["sam_bob"])
        #expect(hits.map(\.1) == [.blocked])
        // Mallory made the block, so Mallory still finds Alice, marked `blocked` so the block can be undone.
        let fromMallory = try await world.search(mallory, "alice", limit: 10)
        #expect(fromMallory.map(\.0) == ["alice"])
        #expect(fromMallory.map(\.1) == [.blocked])
    }

    @Test func pagesAreRefilledAroundHiddenUsers() async throws {
        let world = World()
        let alice = try await world.make("alice")
        var visible: [String] = []
        for index in 0..<12 {
            let name = "kim\(index < 10 ? "0" : "")\(index)"
            let id = try await world.make(name)
            if index % 3 == 0 {
                try await world.friendService.block(id, alice)
            } else {
                visible.append(name)
            }
        }
        var seen: [String] = []
        var cursor: UserSearchCursor?
        for _ in 0..<10 {
            let page = try await world.userService.search(caller: alice, query: "kim", after: cursor, limit: 3)
            seen += page.map(\.hit.user.username)
            guard page.count == 3, let last = page.last else { break }
            #expect(page.allSatisfy { $0.relationship == .none })
            cursor = last.hit.cursor
        }
        #expect(seen.sorted() == visible.sorted())
        #expect(Set(seen).count == seen.count)
    }
}
