import ChatCore
import Testing

/// The contract of `UserStore`.
public enum UserStoreConformance {
    public static let cases: [ConformanceCase] = [
        ConformanceCase("users: insert and look up by id, login and ids") { (fixture: StoreFixture) async throws in
            let store = fixture.users
            let alice = Fixtures.user("Alice", displayName: "Alice A.")
            try await store.insert(alice, passwordHash: "hash-a")
            try await store.insert(Fixtures.user("bob"), passwordHash: nil)
            #expect(try await store.user(id: alice.id) == alice)
            #expect(try await store.user(login: "ALICE") == alice)
            #expect(try await store.user(login: "alice@EXAMPLE.com") == alice)
            #expect(try await store.user(login: "nobody") == nil)
            #expect(try await store.user(id: UserID("missing")) == nil)
            #expect(try await store.passwordHash(for: alice.id) == "hash-a")
            #expect(try await store.passwordHash(for: UserID("u-bob")) == nil)
            let found = try await store.users(ids: [alice.id, UserID("missing"), UserID("u-bob")])
            #expect(Set(found.map(\.id)) == [alice.id, UserID("u-bob")])
        },
        ConformanceCase("users: username and email are unique case-insensitively") { (fixture: StoreFixture) async throws in
            let store = fixture.users
            try await store.insert(Fixtures.user("Carol"), passwordHash: nil)
            var sameName = Fixtures.user("CAROL", id: "other-1")
            sameName.email = "different@example.com"
            await Fixtures.expectChatError(.conflict, field: "username") { try await store.insert(sameName, passwordHash: nil) }
            var sameEmail = Fixtures.user("carol2", id: "other-2")
            sameEmail.email = "carol@example.com"
            await Fixtures.expectChatError(.conflict, field: "email") { try await store.insert(sameEmail, passwordHash: nil) }
            var sameID = Fixtures.user("dave", id: "u-carol")
            sameID.email = "dave@example.com"
            await Fixtures.expectChatError(.conflict) { try await store.insert(sameID, passwordHash: nil) }
        },
        ConformanceCase("users: update replaces the profile and keeps uniqueness") { (fixture: StoreFixture) async throws in
            let store = fixture.users
            var erin = Fixtures.user("erin")
            try await store.insert(erin, passwordHash: "h")
            try await store.insert(Fixtures.user("frank"), passwordHash: nil)
            erin.username = "Erin2"
            erin.displayName = "Erin"
            erin.avatarURL = "https://example.com/a.png"
            erin.updatedAt = Timestamp(milliseconds: 1_700_000_000_500)
            try await store.update(erin)
            #expect(try await store.user(id: erin.id) == erin)
            #expect(try await store.user(login: "erin2") == erin)
            #expect(try await store.passwordHash(for: erin.id) == "h")
            erin.username = "FRANK"
            await Fixtures.expectChatError(.conflict, field: "username") { try await store.update(erin) }
            await Fixtures.expectChatError(.notFound) { try await store.update(Fixtures.user("ghost")) }
        },
        ConformanceCase("users: search ranks username prefixes first and escapes wildcards") { (fixture: StoreFixture) async throws in
            let store = fixture.users
            for name in ["annie", "joanna", "anna_b", "bob", "Anton", "zed"] {
                try await store.insert(Fixtures.user(name), passwordHash: nil)
            }
            try await store.insert(Fixtures.user("quinn", displayName: "Hannah Q"), passwordHash: nil)
            let me = UserID("u-zed")
            let hits = try await store.search("an", excluding: me, after: nil, limit: 10)
            #expect(hits.map(\.user.username) == ["anna_b", "annie", "Anton", "joanna", "quinn"])
            #expect(hits.map(\.rank) == [0, 0, 0, 1, 1])
            #expect(try await store.search("a%", excluding: me, after: nil, limit: 10).isEmpty)
            #expect(try await store.search("n_", excluding: me, after: nil, limit: 10).isEmpty)
            #expect(try await store.search("na_", excluding: me, after: nil, limit: 10).map(\.user.username) == ["anna_b"])
            #expect(try await store.search("zed", excluding: me, after: nil, limit: 10).isEmpty)
            #expect(try await store.search("bob@example.com", excluding: me, after: nil, limit: 10).map(\.user.username) == ["bob"])
            #expect(try await store.search("@example", excluding: me, after: nil, limit: 10).isEmpty)
        },
        ConformanceCase("users: search pages by keyset without gaps or repeats") { (fixture: StoreFixture) async throws in
            let store = fixture.users
            var names: [String] = []
            for index in 0..<23 {
                let name = index.isMultiple(of: 2) ? "sam\(index)" : "x-sam\(index)"
                names.append(name)
                try await store.insert(Fixtures.user(name), passwordHash: nil)
            }
            var seen: [String] = []
            var cursor: UserSearchCursor?
            repeat {
                let page = try await store.search("SAM", excluding: UserID("nobody"), after: cursor, limit: 5)
                #expect(page.count <= 5)
                seen += page.map(\.user.username)
                cursor = page.count == 5 ? page.last?.cursor : nil
            } while cursor != nil
            #expect(seen.count == 23)
            #expect(Set(seen) == Set(names))
            let prefixCount = names.filter { $0.hasPrefix("sam") }.count
            #expect(seen.prefix(prefixCount).allSatisfy { $0.hasPrefix("sam") })
        },
    ]
}

/// The contract of `RefreshTokenStore`.
public enum RefreshTokenStoreConformance {
    public static let cases: [ConformanceCase] = [
        ConformanceCase("refresh tokens: consume once, reuse revokes the family") { (fixture: StoreFixture) async throws in
            let store = fixture.refreshTokens
            let user = UserID("u-1")
            let t0 = Timestamp(milliseconds: 1_000_000)
            let first = RefreshTokenRecord(tokenHash: "h1", userID: user, familyID: "f1", createdAt: t0, expiresAt: t0.adding(milliseconds: 60_000))
            let second = RefreshTokenRecord(tokenHash: "h2", userID: user, familyID: "f1", createdAt: t0, expiresAt: t0.adding(milliseconds: 60_000))
            let other = RefreshTokenRecord(tokenHash: "h3", userID: user, familyID: "f2", createdAt: t0, expiresAt: t0.adding(milliseconds: 60_000))
            try await store.insert(first)
            try await store.insert(second)
            try await store.insert(other)
            guard case .consumed(let record) = try await store.consume(tokenHash: "h1", at: t0.adding(milliseconds: 10)) else {
                Issue.record("first consumption must succeed")
                return
            }
            #expect(record.userID == user && record.familyID == "f1")
            guard case .reused = try await store.consume(tokenHash: "h1", at: t0.adding(milliseconds: 20)) else {
                Issue.record("second consumption must report reuse")
                return
            }
            #expect(try await store.consume(tokenHash: "h2", at: t0.adding(milliseconds: 30)) == .invalid)
            #expect(try await store.consume(tokenHash: "unknown", at: t0) == .invalid)
            guard case .consumed = try await store.consume(tokenHash: "h3", at: t0.adding(milliseconds: 30)) else {
                Issue.record("another family is unaffected")
                return
            }
        },
        ConformanceCase("refresh tokens: expired and revoked tokens are invalid") { (fixture: StoreFixture) async throws in
            let store = fixture.refreshTokens
            let t0 = Timestamp(milliseconds: 1_000_000)
            try await store.insert(
                RefreshTokenRecord(tokenHash: "e", userID: UserID("u"), familyID: "fe", createdAt: t0, expiresAt: t0.adding(milliseconds: 5))
            )
            try await store.insert(
                RefreshTokenRecord(tokenHash: "r", userID: UserID("u"), familyID: "fr", createdAt: t0, expiresAt: t0.adding(milliseconds: 50_000))
            )
            #expect(try await store.consume(tokenHash: "e", at: t0.adding(milliseconds: 5)) == .invalid)
            try await store.revokeFamily("fr", at: t0.adding(milliseconds: 1))
            #expect(try await store.consume(tokenHash: "r", at: t0.adding(milliseconds: 2)) == .invalid)
        },
    ]
}
