import ChatCore
import Testing

/// The contract of `FriendshipStore`.
public enum FriendshipStoreConformance {
    static let a = UserID("u-a")
    static let b = UserID("u-b")
    static let c = UserID("u-c")
    static let d = UserID("u-d")

    static func row(_ requester: UserID, _ addressee: UserID, _ status: FriendshipStatus, at time: Int64, version: Int = 1) -> Friendship {
        Friendship(
            requester: requester,
            addressee: addressee,
            status: status,
            createdAt: Timestamp(milliseconds: time),
            updatedAt: Timestamp(milliseconds: time),
            version: version
        )
    }

    public static let cases: [ConformanceCase] = [
        ConformanceCase("friendships: one row per unordered pair") { (fixture: StoreFixture) async throws in
            let store = fixture.friendships
            let request = row(a, b, .pending, at: 100)
            try await store.insert(request)
            #expect(try await store.friendship(between: a, and: b) == request)
            #expect(try await store.friendship(between: b, and: a) == request)
            #expect(try await store.friendship(between: a, and: c) == nil)
            await Fixtures.expectChatError(.conflict) { try await store.insert(row(b, a, .pending, at: 101)) }
        },
        ConformanceCase("friendships: update only applies to the expected version") { (fixture: StoreFixture) async throws in
            let store = fixture.friendships
            let request = row(a, b, .pending, at: 100)
            try await store.insert(request)
            var accepted = request
            accepted.status = .accepted
            accepted.updatedAt = Timestamp(milliseconds: 200)
            accepted.version = 2
            #expect(try await store.update(accepted, expectedVersion: 1))
            #expect(try await store.friendship(between: a, and: b) == accepted)
            var stale = request
            stale.status = .rejected
            stale.version = 2
            #expect(try await !store.update(stale, expectedVersion: 1))
            #expect(try await store.friendship(between: b, and: a)?.status == .accepted)
            #expect(try await !store.update(row(c, d, .accepted, at: 1, version: 2), expectedVersion: 1))
        },
        ConformanceCase("friendships: friends and pending lists page newest first") { (fixture: StoreFixture) async throws in
            let store = fixture.friendships
            try await store.insert(row(a, b, .accepted, at: 300))
            try await store.insert(row(c, a, .accepted, at: 100))
            try await store.insert(row(a, d, .pending, at: 200))
            try await store.insert(row(UserID("u-e"), a, .pending, at: 250))
            try await store.insert(row(UserID("u-f"), a, .rejected, at: 260))
            let friends = try await store.friends(of: a, after: nil, limit: 10)
            #expect(friends.map { $0.peer(of: a) } == [b, c])
            let firstPage = try await store.friends(of: a, after: nil, limit: 1)
            #expect(firstPage.map { $0.peer(of: a) } == [b])
            let secondPage = try await store.friends(of: a, after: firstPage.last.map(FriendshipCursor.init), limit: 1)
            #expect(secondPage.map { $0.peer(of: a) } == [c])
            #expect(try await store.friends(of: a, after: secondPage.last.map(FriendshipCursor.init), limit: 1).isEmpty)
            #expect(try await store.pendingRequests(of: a, direction: .outgoing, after: nil, limit: 10).map(\.addressee) == [d])
            #expect(try await store.pendingRequests(of: a, direction: .incoming, after: nil, limit: 10).map(\.requester) == [UserID("u-e")])
            #expect(try await store.friends(of: d, after: nil, limit: 10).isEmpty)
            #expect(try await store.pendingRequests(of: d, direction: .incoming, after: nil, limit: 10).map(\.requester) == [a])
        },
        ConformanceCase("friendships: rows of one user with many others") { (fixture: StoreFixture) async throws in
            let store = fixture.friendships
            try await store.insert(row(a, b, .accepted, at: 1))
            try await store.insert(row(c, a, .pending, at: 2))
            let rows = try await store.friendships(of: a, with: [b, c, d])
            #expect(rows.count == 2)
            #expect(rows[b]?.status == .accepted)
            #expect(rows[c]?.requester == c)
            #expect(try await store.friendships(of: a, with: []).isEmpty)
        },
        ConformanceCase("friendships: blocks work in both directions") { (fixture: StoreFixture) async throws in
            let store = fixture.friendships
            #expect(try await store.insertBlock(Block(blocker: a, blocked: b, createdAt: Timestamp(milliseconds: 10))))
            #expect(try await !store.insertBlock(Block(blocker: a, blocked: b, createdAt: Timestamp(milliseconds: 11))))
            #expect(try await store.insertBlock(Block(blocker: a, blocked: c, createdAt: Timestamp(milliseconds: 12))))
            #expect(try await store.isBlocked(between: a, and: b))
            #expect(try await store.isBlocked(between: b, and: a))
            #expect(try await !store.isBlocked(between: b, and: c))
            #expect(try await store.blocks(by: a).map(\.blocked) == [c, b])
            #expect(try await store.blocks(by: b).isEmpty)
            #expect(try await store.blockedPeers(of: a, among: [b, c]) == [b, c])
            #expect(try await store.blockedPeers(of: b, among: [a, c]) == [a])
            #expect(try await store.blockedPeers(of: c, among: [b]).isEmpty)
            #expect(try await store.blockedPeers(of: a, among: []).isEmpty)
            #expect(try await store.deleteBlock(blocker: a, blocked: b))
            #expect(try await !store.deleteBlock(blocker: a, blocked: b))
            #expect(try await !store.isBlocked(between: a, and: b))
        },
        ConformanceCase("friendships: only unblocked accepted friends can message") { (fixture: StoreFixture) async throws in
            let store = fixture.friendships
            #expect(try await !store.canMessage(between: a, and: b))
            try await store.insert(row(a, b, .pending, at: 100))
            #expect(try await !store.canMessage(between: a, and: b))
            #expect(try await store.update(row(a, b, .accepted, at: 200, version: 2), expectedVersion: 1))
            #expect(try await store.canMessage(between: a, and: b))
            #expect(try await store.canMessage(between: b, and: a))
            #expect(try await store.insertBlock(Block(blocker: b, blocked: a, createdAt: Timestamp(milliseconds: 300))))
            #expect(try await !store.canMessage(between: a, and: b))
            #expect(try await !store.canMessage(between: b, and: a))
            #expect(try await store.insertBlock(Block(blocker: c, blocked: a, createdAt: Timestamp(milliseconds: 301))))
            #expect(try await store.deleteBlock(blocker: b, blocked: a))
            #expect(try await store.canMessage(between: a, and: b))
            try await store.insert(row(a, c, .accepted, at: 400))
            #expect(try await !store.canMessage(between: a, and: c))
        },
        ConformanceCase("friendships: allowed pairs are checked many at once") { (fixture: StoreFixture) async throws in
            let store = fixture.friendships
            #expect(try await store.allowedPairs(among: []).isEmpty)
            try await store.insert(row(a, b, .accepted, at: 100))
            try await store.insert(row(c, a, .accepted, at: 110))
            try await store.insert(row(a, d, .pending, at: 120))
            try await store.insert(row(c, d, .accepted, at: 130))
            let pairs = [ConversationID(a, b), ConversationID(a, c), ConversationID(a, d), ConversationID(c, d), ConversationID(b, d)]
            #expect(try await store.allowedPairs(among: pairs) == [ConversationID(a, b), ConversationID(a, c), ConversationID(c, d)])
            // A block in either direction refuses the pair, and only that pair.
            #expect(try await store.insertBlock(Block(blocker: d, blocked: c, createdAt: Timestamp(milliseconds: 200))))
            #expect(try await store.insertBlock(Block(blocker: a, blocked: c, createdAt: Timestamp(milliseconds: 201))))
            #expect(try await store.allowedPairs(among: pairs) == [ConversationID(a, b)])
            #expect(try await store.deleteBlock(blocker: a, blocked: c))
            #expect(try await store.allowedPairs(among: pairs + pairs) == [ConversationID(a, b), ConversationID(a, c)])
            for (x, y) in [(a, b), (a, c), (a, d), (c, d), (b, d)] {
                let one = try await store.allowedPairs(among: [ConversationID(x, y)])
                #expect(one.contains(ConversationID(x, y)) == (try await store.canMessage(between: x, and: y)))
            }
        },
        ConformanceCase("friendships: change feed in (updatedAt, pairKey) order") { (fixture: StoreFixture) async throws in
            let store = fixture.friendships
            try await store.insert(row(a, b, .pending, at: 100))
            try await store.insert(row(c, a, .accepted, at: 50))
            try await store.insert(row(c, d, .accepted, at: 70))
            #expect(try await store.changes(for: a, after: nil, limit: 10).map { $0.peer(of: a) } == [c, b])
            let first = try await store.changes(for: a, after: nil, limit: 1)
            #expect(try await store.changes(for: a, after: first.last?.changeCursor, limit: 10).map { $0.peer(of: a) } == [b])
            var accepted = row(a, b, .accepted, at: 200, version: 2)
            accepted.createdAt = Timestamp(milliseconds: 100)
            #expect(try await store.update(accepted, expectedVersion: 1))
            let seen = ChangeCursor(updatedAt: Timestamp(milliseconds: 100), id: "~")
            #expect(try await store.changes(for: a, after: seen, limit: 10) == [accepted])
            #expect(try await store.changes(for: d, after: nil, limit: 10).map { $0.peer(of: d) } == [c])
        },
    ]
}
