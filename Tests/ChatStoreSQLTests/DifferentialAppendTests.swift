import ChatCore
import ChatCoreTesting
import Foundation
import Testing

@testable import ChatStoreSQL

/// The SQL stores give the same answers as the memory store for large batches (several insert chunks) with duplicates
/// inside the batch and against earlier batches.
struct DifferentialAppendTests {
    static func batches() -> [[Message]] {
        let users = (0..<5).map { UserID("user-\($0)") }
        var generator = SystemRandomNumberGenerator()
        var batches: [[Message]] = []
        var serial = 0
        for batchIndex in 0..<3 {
            var batch: [Message] = []
            for _ in 0..<(batchIndex == 1 ? 450 : 60) {
                serial += 1
                let sender = users[Int(generator.next(upperBound: UInt32(users.count)))]
                var recipient = users[Int(generator.next(upperBound: UInt32(users.count)))]
                if recipient == sender { recipient = users[((users.firstIndex(of: sender) ?? 0) + 1) % users.count] }
                let key = generator.next(upperBound: UInt32(4)) == 0 ? nil : "k-\(generator.next(upperBound: UInt32(120)))"
                let time = 1_700_000_000_000 + Int64(generator.next(upperBound: UInt32(50)))
                batch.append(Fixtures.message(String(format: "m-%06d", serial), from: sender, to: recipient, at: time, clientMessageID: key))
            }
            batches.append(batch)
        }
        return batches
    }

    static func compare(_ store: any MessageStore) async throws {
        let memory = MemoryMessageStore()
        for batch in batches() {
            let expected = await memory.append(batch)
            let actual = try await store.append(batch)
            #expect(actual == expected)
        }
        try await compareReads(store, memory)
        try await applyMarks(store, memory)
        try await compareReads(store, memory)
    }

    /// Marks delivered/read up to the middle of each conversation, and edits and deletes a few messages.
    static func applyMarks(_ store: any MessageStore, _ memory: MemoryMessageStore) async throws {
        let time = Timestamp(milliseconds: 1_800_000_000_000)
        for index in 0..<5 {
            let user = UserID("user-\(index)")
            for summary in await memory.conversations(of: user, after: nil, limit: 100) {
                let messages = await memory.page(of: summary.id, MessagePageRequest(limit: 1000)).messages
                let middle = messages[messages.count / 2].cursor
                let quarter = messages[messages.count * 3 / 4].cursor
                #expect(
                    try await store.markDelivered(in: summary.id, recipient: user, upTo: middle, at: time)
                        == memory.markDelivered(in: summary.id, recipient: user, upTo: middle, at: time)
                )
                #expect(
                    try await store.markRead(in: summary.id, reader: user, upTo: quarter, at: time)
                        == memory.markRead(in: summary.id, reader: user, upTo: quarter, at: time)
                )
                let first = messages[0].id
                #expect(try await store.edit(id: first, body: "edited", at: time) == memory.edit(id: first, body: "edited", at: time))
                let last = messages[messages.count - 1].id
                #expect(try await store.delete(id: last, at: time) == memory.delete(id: last, at: time))
                #expect(try await store.delete(id: last, at: time.adding(milliseconds: 5)) == memory.delete(id: last, at: time))
            }
        }
    }

    static func compareReads(_ store: any MessageStore, _ memory: MemoryMessageStore) async throws {
        for index in 0..<5 {
            let user = UserID("user-\(index)")
            var cursor: ConversationCursor?
            repeat {
                let expected = await memory.conversations(of: user, after: cursor, limit: 2)
                #expect(try await store.conversations(of: user, after: cursor, limit: 2) == expected)
                cursor = expected.last.map { ConversationCursor(lastMessageAt: $0.lastMessage.createdAt, conversationID: $0.id) }
            } while cursor != nil
            #expect(try await store.unreadCounts(for: user) == memory.unreadCounts(for: user))
            let expected = await memory.conversations(of: user, after: nil, limit: 100)
            #expect(try await store.conversations(of: user, after: nil, limit: 100) == expected)
            for summary in expected {
                let request = MessagePageRequest(limit: 1000)
                #expect(try await store.page(of: summary.id, request) == memory.page(of: summary.id, request))
                let messages = await memory.page(of: summary.id, request).messages
                for anchor in [messages[messages.count / 2].cursor, messages[0].cursor, messages[messages.count - 1].cursor] {
                    for page in [MessagePageRequest(anchor: .before(anchor), limit: 3), MessagePageRequest(anchor: .after(anchor), limit: 3)] {
                        #expect(try await store.page(of: summary.id, page) == memory.page(of: summary.id, page))
                    }
                }
            }
        }
    }

    @Test func sqlite() async throws {
        try await TestDatabases.withSQLite { client in try await Self.compare(client.messages) }
    }

    @Test func postgres() async throws {
        _ = try await TestDatabases.withPostgres { client in try await Self.compare(client.messages) }
    }
}
