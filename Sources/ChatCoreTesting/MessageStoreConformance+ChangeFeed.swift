import ChatCore
import Testing

extension MessageStoreConformance {
    /// The change feed over many conversations: more than one statement's worth on SQL, times shared by many messages,
    /// messages stored late (`updatedAt` after `createdAt`), edits, deletions and both receipts.
    public static let changeFeedCases: [ConformanceCase] = [
        ConformanceCase("messages: the change feed pages through many conversations in (updatedAt, id) order") {
            (fixture: StoreFixture) async throws in
            let store = fixture.messages
            let (ids, others) = try await storeChangeFeedWorkload(in: store)
            // The order the feed must follow, from each message as the store holds it.
            let stored = try await store.messages(ids: ids)
            #expect(stored.count == ids.count)
            let expected = stored.sorted { $0.changeCursor < $1.changeCursor }
            #expect(Set(expected.map(\.updatedAt)).count < expected.count / 2, "the workload shares times between messages")
            #expect(expected.contains { $0.updatedAt != $0.createdAt } && expected.contains { $0.updatedAt == $0.createdAt })

            // Pages of one only as far as the first 40 changes: each page costs a few statements.
            for (limit, pages) in [(1, 40), (7, 1_000), (100, 1_000), (1000, 1_000)] {
                var collected: [Message] = []
                var cursor: ChangeCursor?
                for _ in 0..<pages {
                    let page = try await store.changes(for: a, after: cursor, limit: limit)
                    #expect(page.count <= limit)
                    collected += page
                    guard page.count == limit, let last = page.last else { break }
                    cursor = last.changeCursor
                }
                let wanted = Array(expected.prefix(collected.count))
                #expect(collected.count == min(expected.count, limit * pages), "limit \(limit)")
                #expect(collected.map(\.id) == wanted.map(\.id), "limit \(limit)")
                #expect(collected == wanted, "limit \(limit)")
            }
            let middle = expected[expected.count / 2].changeCursor
            #expect(try await store.changes(for: a, after: middle, limit: 1000) == Array(expected[(expected.count / 2 + 1)...]))
            #expect(try await store.changes(for: a, after: expected.last?.changeCursor, limit: 10).isEmpty)
            #expect(try await store.changes(for: others, after: nil, limit: 10).map(\.id.rawValue) == [id(9_000)])
        }
    ]

    /// Stores the workload and returns the ids of the messages of `a`, and a user with one message that is not `a`'s.
    static func storeChangeFeedWorkload(in store: any MessageStore) async throws -> ([MessageID], UserID) {
        let peers = (0..<110).map { UserID("u-peer-\(1000 + $0)") }
        var drafts: [Message] = []
        for (k, peer) in peers.enumerated() {
            drafts.append(Fixtures.message(id(2 * k), from: a, to: peer, at: 1000 + Int64(k * 7 % 60)))
            var reply = Fixtures.message(id(2 * k + 1), from: peer, to: a, at: 1000 + Int64(k * 11 % 60))
            // Stored late, as the Kafka persister does: the feed orders it by the time it was stored.
            if k.isMultiple(of: 13) { reply.updatedAt = reply.createdAt.adding(milliseconds: 500) }
            drafts.append(reply)
        }
        let others = UserID("u-peer-other")
        drafts.append(Fixtures.message(id(9_000), from: peers[0], to: others, at: 1010))
        _ = try await store.append(drafts)

        // Each change lands a few milliseconds after its message, among the times of newer messages, so that changed
        // and unchanged messages interleave in the feed.
        for (k, peer) in peers.enumerated() {
            let conversation = ConversationID(a, peer)
            let sent = drafts[2 * k]
            let reply = drafts[2 * k + 1]
            if k.isMultiple(of: 5) {
                _ = try await store.edit(id: sent.id, body: "edited", at: sent.createdAt.adding(milliseconds: 3 + Int64(k % 4)))
            }
            if k.isMultiple(of: 3) {
                _ = try await store.markDelivered(in: conversation, recipient: a, upTo: reply.cursor, at: reply.createdAt.adding(milliseconds: 2))
            }
            if k.isMultiple(of: 7) { _ = try await store.delete(id: reply.id, at: reply.createdAt.adding(milliseconds: 5)) }
            if k % 4 == 1 {
                _ = try await store.markRead(in: conversation, reader: peer, upTo: sent.cursor, at: sent.createdAt.adding(milliseconds: 1))
            }
        }
        return (drafts.filter { $0.involves(a) }.map(\.id), others)
    }
}
