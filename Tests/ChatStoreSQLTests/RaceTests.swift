import ChatCore
import ChatCoreTesting
import Testing

@testable import ChatStoreSQL

/// Atomicity of the conditional writes when requests race.
struct RaceTests {
    static func racingConsumes(_ store: any RefreshTokenStore) async throws {
        let now = Timestamp(milliseconds: 1_700_000_000_000)
        let record = RefreshTokenRecord(
            tokenHash: "h1",
            userID: UserID("u"),
            familyID: "f1",
            createdAt: now,
            expiresAt: now.adding(milliseconds: 60_000)
        )
        try await store.insert(record)
        try await store.insert(
            RefreshTokenRecord(tokenHash: "h2", userID: UserID("u"), familyID: "f1", createdAt: now, expiresAt: now.adding(milliseconds: 60_000))
        )
        let results = try await withThrowingTaskGroup(of: RefreshTokenConsumption.self) { group in
            for _ in 0..<12 { group.addTask { try await store.consume(tokenHash: "h1", at: now.adding(milliseconds: 1)) } }
            var all: [RefreshTokenConsumption] = []
            for try await result in group { all.append(result) }
            return all
        }
        let consumed = results.filter { if case .consumed = $0 { true } else { false } }
        let reused = results.filter { if case .reused = $0 { true } else { false } }
        #expect(consumed.count == 1)
        // The first replay revokes the family; later ones find it revoked (or, racing that replay, also report reuse).
        #expect(reused.count >= 1)
        #expect(try await store.consume(tokenHash: "h2", at: now.adding(milliseconds: 2)) == .invalid)
    }

    static func racingFriendshipUpdates(_ store: any FriendshipStore) async throws {
        let now = Timestamp(milliseconds: 1_700_000_000_000)
        let row = Friendship(requester: UserID("a"), addressee: UserID("b"), status: .pending, createdAt: now, updatedAt: now)
        try await store.insert(row)
        let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<12 {
                group.addTask {
                    var next = row
                    next.status = index.isMultiple(of: 2) ? .accepted : .rejected
                    next.version = 2
                    next.updatedAt = now.adding(milliseconds: Int64(index + 1))
                    return try await store.update(next, expectedVersion: 1)
                }
            }
            var count = 0
            for try await won in group where won { count += 1 }
            return count
        }
        #expect(wins == 1)
        #expect(try await store.friendship(between: UserID("b"), and: UserID("a"))?.version == 2)
    }

    @Test func sqlite() async throws {
        try await TestDatabases.withSQLite { client in
            try await Self.racingConsumes(client.refreshTokens)
            try await Self.racingFriendshipUpdates(client.friendships)
        }
    }

    @Test func postgres() async throws {
        _ = try await TestDatabases.withPostgres { client in
            try await Self.racingConsumes(client.refreshTokens)
            try await Self.racingFriendshipUpdates(client.friendships)
        }
    }

    @Test func memoryAgrees() async throws {
        try await Self.racingConsumes(MemoryRefreshTokenStore())
        try await Self.racingFriendshipUpdates(MemoryFriendshipStore())
    }
}
