import ChatCore
import ChatCoreTesting
import Testing

@testable import ChatStoreSQL

/// The `(sender, client_message_id)` key holds when many appends race.
struct ConcurrentAppendTests {
    static func racingAppends(_ store: any MessageStore) async throws {
        let alice = UserID("alice")
        let bob = UserID("bob")
        let outcomes = try await withThrowingTaskGroup(of: [AppendOutcome].self) { group in
            for index in 0..<24 {
                group.addTask {
                    var drafts = [Fixtures.message("m-\(index)", from: alice, to: bob, at: 1_000 + Int64(index), clientMessageID: "same-key")]
                    if index.isMultiple(of: 3) {
                        drafts.append(Fixtures.message("n-\(index)", from: alice, to: bob, at: 2_000 + Int64(index), clientMessageID: "k-\(index)"))
                        drafts.append(Fixtures.message("d-\(index)", from: alice, to: bob, at: 3_000, clientMessageID: "same-key"))
                    }
                    return try await store.append(drafts)
                }
            }
            var all: [AppendOutcome] = []
            for try await batch in group { all += batch }
            return all
        }
        let sameKey = outcomes.filter { $0.message.clientMessageID == "same-key" }
        #expect(sameKey.count == 24 + 8)
        #expect(sameKey.filter(\.created).count == 1)
        #expect(Set(sameKey.map(\.message.id)).count == 1)
        let conversation = ConversationID(alice, bob)
        let page = try await store.page(of: conversation, MessagePageRequest(limit: 100))
        #expect(page.messages.count == 1 + 8)
        #expect(page.messages.filter { $0.clientMessageID == "same-key" }.count == 1)
        let summaries = try await store.conversations(of: bob, after: nil, limit: 10)
        #expect(summaries.count == 1)
        #expect(summaries.first?.lastMessage == page.messages.first)
        #expect(summaries.first?.unreadCount == 9)
    }

    @Test func sqlite() async throws {
        try await TestDatabases.withSQLite { client in try await Self.racingAppends(client.messages) }
    }

    @Test func postgres() async throws {
        _ = try await TestDatabases.withPostgres { client in try await Self.racingAppends(client.messages) }
    }

    @Test func memoryAgrees() async throws {
        try await Self.racingAppends(MemoryMessageStore())
    }
}
