import ChatCore
import ChatCoreTesting
import Testing

/// User search gives the memory store's answers for wildcards, backslashes, non-ASCII names and keyset paging.
struct DifferentialSearchTests {
    static let names: [(String, String?)] = [
        ("alpha", "Ärger Straße"), ("Al_pha", "50% off"), ("al%pha", nil), ("back.slash", "a\\b"), ("ALFRED", "Øystein"),
        ("zoe", "ÄRGERLICH"), ("mal", "al"), ("xal", "under_score"), ("al", nil), ("beta", "ALPHA beta"),
    ]
    static let queries = ["al", "AL", "_", "%", "\\", "a\\b", "ärger", "ÄR", "straße", "50%", "l_p", "l%p", "", "zoe@example.com", "ø"]

    static func compare(_ store: any UserStore) async throws {
        let memory = MemoryUserStore()
        for (index, (name, display)) in names.enumerated() {
            let user = Fixtures.user(name, id: "id-\(index)", displayName: display)
            try await memory.insert(user, passwordHash: nil)
            try await store.insert(user, passwordHash: nil)
        }
        let me = UserID("id-9")
        for query in queries {
            let expected = await memory.search(query, excluding: me, after: nil, limit: 50)
            #expect(try await store.search(query, excluding: me, after: nil, limit: 50) == expected, "query \(query)")
            var cursor: UserSearchCursor?
            var paged: [UserSearchHit] = []
            repeat {
                let page = try await store.search(query, excluding: me, after: cursor, limit: 3)
                paged += page
                cursor = page.count == 3 ? page.last?.cursor : nil
            } while cursor != nil
            #expect(paged == expected, "paged query \(query)")
        }
    }

    @Test func sqlite() async throws {
        try await TestDatabases.withSQLite { client in try await Self.compare(client.users) }
    }

    @Test func postgres() async throws {
        _ = try await TestDatabases.withPostgres { client in try await Self.compare(client.users) }
    }
}
