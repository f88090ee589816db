import ChatCore
import Testing

/// The contract of `MessageStore`.
public enum MessageStoreConformance {
    static let a = UserID("u-a")
    static let b = UserID("u-b")
    static let c = UserID("u-c")

    /// Ids that sort in the order given, as UUIDv7 text does.
    static func id(_ n: Int) -> String { "0000000-\(String(1000 + n))" }

    public static let cases: [ConformanceCase] = [
        ConformanceCase("messages: append and read back") { (fixture: StoreFixture) async throws in
            let store = fixture.messages
            let message = Fixtures.message(id(1), from: a, to: b, at: 1000, body: "héllo 👋", clientMessageID: "c1")
            let outcomes = try await store.append([message])
            #expect(outcomes == [AppendOutcome(message: message, created: true)])
            #expect(try await store.message(id: message.id) == message)
            #expect(try await store.message(id: MessageID("missing")) == nil)
        },
        ConformanceCase("messages: a file message round-trips its attachment, and deleting drops it") { (fixture: StoreFixture) async throws in
            let store = fixture.messages
            let image = FileAttachment(
                id: FileID("f-1"),
                name: "ünïcode photo 📷.png",
                size: 123_456,
                contentType: "image/png",
                sha256: String(repeating: "ab", count: 32),
                width: 640,
                height: 480
            )
            let document = FileAttachment(id: FileID("f-2"), name: "notes.txt", size: 0, contentType: "text/plain; charset=utf-8", sha256: "00")
            var first = Fixtures.message(id(1), from: a, to: b, at: 1000, body: image.name)
            first.kind = .file
            first.file = image
            var second = Fixtures.message(id(2), from: b, to: a, at: 1001, body: document.name)
            second.kind = .file
            second.file = document
            let text = Fixtures.message(id(3), from: a, to: b, at: 1002)
            _ = try await store.append([first, second, text])
            #expect(try await store.message(id: first.id) == first)
            let page = try await store.page(of: ConversationID(a, b), MessagePageRequest(limit: 10))
            #expect(page.messages == [text, second, first])
            #expect(try await store.changes(for: a, after: nil, limit: 10).map(\.file) == [image, document, nil])
            let deleted = try await store.delete(id: first.id, at: Timestamp(milliseconds: 2000))
            #expect(deleted?.file == nil && deleted?.kind == .file && deleted?.body == "")
            #expect(try await store.message(id: first.id)?.file == nil)
        },
        ConformanceCase("messages: messages are found by sender and client message id") { (fixture: StoreFixture) async throws in
            let store = fixture.messages
            let keyed = Fixtures.message(id(1), from: a, to: b, at: 1000, clientMessageID: "k")
            let unkeyed = Fixtures.message(id(2), from: a, to: b, at: 1001)
            let other = Fixtures.message(id(3), from: b, to: a, at: 1002, clientMessageID: "k2")
            _ = try await store.append([keyed, unkeyed, other])
            func key(_ sender: UserID, _ clientMessageID: String) -> ClientMessageKey {
                ClientMessageKey(sender: sender, clientMessageID: clientMessageID)
            }
            #expect(try await store.messages(sentWith: [key(a, "k")]) == [keyed])
            #expect(try await store.messages(sentWith: []).isEmpty)
            #expect(try await store.messages(sentWith: [key(b, "k"), key(a, "K"), key(a, "missing"), key(a, "k2")]).isEmpty)
            let both = try await store.messages(sentWith: [key(b, "k2"), key(a, "k"), key(a, "k"), key(a, "none")])
            #expect(Set(both.map(\.id)) == [keyed.id, other.id] && both.count == 2)
        },
        ConformanceCase("messages: messages are found by id, many at once") { (fixture: StoreFixture) async throws in
            let store = fixture.messages
            let messages = (0..<620).map { n in Fixtures.message(id(n), from: n % 2 == 0 ? a : b, to: n % 2 == 0 ? b : a, at: 1000 + Int64(n)) }
            _ = try await store.append(messages)
            _ = try await store.delete(id: messages[5].id, at: Timestamp(milliseconds: 5000))
            #expect(try await store.messages(ids: []).isEmpty)
            #expect(try await store.messages(ids: [MessageID("missing")]).isEmpty)
            let some = try await store.messages(ids: [messages[5].id, messages[1].id, MessageID("missing"), messages[1].id])
            #expect(some.count == 2)
            let deleted = try #require(try await store.message(id: messages[5].id))
            #expect(deleted.deletedAt != nil && Set(some) == [deleted, messages[1]])
            // More ids than one statement takes.
            let all = try await store.messages(ids: messages.map(\.id).reversed())
            #expect(all.count == messages.count && Set(all.map(\.id)) == Set(messages.map(\.id)))
        },
        ConformanceCase("messages: append is idempotent on sender and client message id") { (fixture: StoreFixture) async throws in
            let store = fixture.messages
            let first = Fixtures.message(id(1), from: a, to: b, at: 1000, clientMessageID: "k")
            _ = try await store.append([first])
            let retry = Fixtures.message(id(2), from: a, to: b, at: 2000, body: "other", clientMessageID: "k")
            let fromB = Fixtures.message(id(3), from: b, to: a, at: 2000, clientMessageID: "k")
            let noKey1 = Fixtures.message(id(4), from: a, to: b, at: 2001)
            let noKey2 = Fixtures.message(id(5), from: a, to: b, at: 2002)
            let inBatch = Fixtures.message(id(6), from: a, to: b, at: 2003, clientMessageID: "z")
            let inBatchRetry = Fixtures.message(id(7), from: a, to: b, at: 2004, clientMessageID: "z")
            let outcomes = try await store.append([retry, fromB, noKey1, noKey2, inBatch, inBatchRetry])
            #expect(outcomes.map(\.created) == [false, true, true, true, true, false])
            #expect(outcomes[0].message == first)
            #expect(outcomes[5].message == inBatch)
            #expect(try await store.message(id: retry.id) == nil)
            #expect(try await store.message(id: inBatchRetry.id) == nil)
            let page = try await store.page(of: ConversationID(a, b), MessagePageRequest(limit: 50))
            #expect(page.messages.map(\.id) == [inBatch.id, noKey2.id, noKey1.id, fromB.id, first.id])
        },
        ConformanceCase("messages: keyset pages newest first with before, after and ties") { (fixture: StoreFixture) async throws in
            let store = fixture.messages
            // 12 messages, pairs sharing a timestamp so the id breaks ties.
            let all = (0..<12).map { n in
                Fixtures.message(id(n), from: n.isMultiple(of: 2) ? a : b, to: n.isMultiple(of: 2) ? b : a, at: 1000 + Int64(n / 2))
            }
            let shuffled = all.shuffled()
            _ = try await store.append(Array(shuffled.prefix(6)))
            _ = try await store.append(Array(shuffled.suffix(6)))
            _ = try await store.append([Fixtures.message(id(99), from: a, to: c, at: 5000)])
            let conversation = ConversationID(b, a)
            let latest = try await store.page(of: conversation, MessagePageRequest(limit: 5))
            #expect(latest.messages.map(\.id.rawValue) == (7..<12).reversed().map(id))
            #expect(latest.hasMore)
            let older = try await store.page(of: conversation, MessagePageRequest(anchor: .before(all[7].cursor), limit: 5))
            #expect(older.messages.map(\.id.rawValue) == (2..<7).reversed().map(id))
            #expect(older.hasMore)
            let oldest = try await store.page(of: conversation, MessagePageRequest(anchor: .before(all[2].cursor), limit: 5))
            #expect(oldest.messages.map(\.id.rawValue) == [id(1), id(0)])
            #expect(!oldest.hasMore)
            let newer = try await store.page(of: conversation, MessagePageRequest(anchor: .after(all[2].cursor), limit: 4))
            #expect(newer.messages.map(\.id.rawValue) == (3..<7).reversed().map(id))
            #expect(newer.hasMore)
            let newest = try await store.page(of: conversation, MessagePageRequest(anchor: .after(all[8].cursor), limit: 4))
            #expect(newest.messages.map(\.id.rawValue) == [id(11), id(10), id(9)])
            #expect(!newest.hasMore)
            let empty = try await store.page(of: ConversationID(b, c), MessagePageRequest(limit: 5))
            #expect(empty.messages.isEmpty && !empty.hasMore)
        },
        ConformanceCase("messages: edit and delete") { (fixture: StoreFixture) async throws in
            let store = fixture.messages
            let message = Fixtures.message(id(1), from: a, to: b, at: 1000)
            _ = try await store.append([message])
            let edited = try await store.edit(id: message.id, body: "changed", at: Timestamp(milliseconds: 1500))
            #expect(edited?.body == "changed")
            #expect(edited?.editedAt == Timestamp(milliseconds: 1500))
            #expect(try await store.message(id: message.id) == edited)
            let deleted = try await store.delete(id: message.id, at: Timestamp(milliseconds: 1600))
            #expect(deleted?.deletedAt == Timestamp(milliseconds: 1600))
            #expect(deleted?.body == "")
            #expect(try await store.delete(id: message.id, at: Timestamp(milliseconds: 1700))?.deletedAt == Timestamp(milliseconds: 1600))
            #expect(try await store.edit(id: message.id, body: "again", at: Timestamp(milliseconds: 1800)) == nil)
            #expect(try await store.edit(id: MessageID("missing"), body: "x", at: Timestamp(milliseconds: 1)) == nil)
            #expect(try await store.delete(id: MessageID("missing"), at: Timestamp(milliseconds: 1)) == nil)
        },
        ConformanceCase("messages: read and delivered marks, unread counts") { (fixture: StoreFixture) async throws in
            let store = fixture.messages
            let m = (0..<6).map { n in Fixtures.message(id(n), from: n < 4 ? a : b, to: n < 4 ? b : a, at: 1000 + Int64(n)) }
            let fromC = Fixtures.message(id(10), from: c, to: b, at: 1001)
            _ = try await store.append(m + [fromC])
            _ = try await store.delete(id: m[3].id, at: Timestamp(milliseconds: 1100))
            #expect(try await store.unreadCounts(for: b) == [a: 3, c: 1])
            #expect(try await store.unreadCounts(for: a) == [b: 2])
            let conversation = ConversationID(a, b)
            #expect(try await store.markDelivered(in: conversation, recipient: b, upTo: m[0].cursor, at: Timestamp(milliseconds: 2000)) == 1)
            #expect(try await store.markRead(in: conversation, reader: b, upTo: m[1].cursor, at: Timestamp(milliseconds: 2100)) == 2)
            #expect(try await store.markRead(in: conversation, reader: b, upTo: m[1].cursor, at: Timestamp(milliseconds: 2200)) == 0)
            #expect(try await store.message(id: m[0].id)?.deliveredAt == Timestamp(milliseconds: 2000))
            #expect(try await store.message(id: m[0].id)?.readAt == Timestamp(milliseconds: 2100))
            #expect(try await store.message(id: m[1].id)?.deliveredAt == Timestamp(milliseconds: 2100))
            #expect(try await store.message(id: m[2].id)?.readAt == nil)
            #expect(try await store.unreadCounts(for: b) == [a: 1, c: 1])
            // Marks only touch messages *to* the reader.
            #expect(try await store.markRead(in: conversation, reader: b, upTo: m[5].cursor, at: Timestamp(milliseconds: 2300)) == 1)
            #expect(try await store.message(id: m[4].id)?.readAt == nil)
            #expect(try await store.unreadCounts(for: b) == [c: 1])
            #expect(try await store.unreadCounts(for: a) == [b: 2])
        },
        ConformanceCase("messages: a batch of marks applies each in order, as separate calls would") { (fixture: StoreFixture) async throws in
            let store = fixture.messages
            let m = (0..<6).map { n in Fixtures.message(id(n), from: n < 4 ? a : b, to: n < 4 ? b : a, at: 1000 + Int64(n)) }
            let fromC = Fixtures.message(id(10), from: c, to: b, at: 1001)
            _ = try await store.append(m + [fromC])
            let ab = ConversationID(a, b)
            let cb = ConversationID(c, b)
            #expect(try await store.apply([]) == [])
            let changed = try await store.apply([
                ReceiptMark(.delivered, in: ab, recipient: b, upTo: m[0].cursor, at: Timestamp(milliseconds: 2000)),
                ReceiptMark(.read, in: ab, recipient: b, upTo: m[1].cursor, at: Timestamp(milliseconds: 2100)),
                // The same mark again in the same batch changes nothing more.
                ReceiptMark(.read, in: ab, recipient: b, upTo: m[1].cursor, at: Timestamp(milliseconds: 2100)),
                ReceiptMark(.delivered, in: ab, recipient: a, upTo: m[5].cursor, at: Timestamp(milliseconds: 2200)),
                ReceiptMark(.read, in: cb, recipient: b, upTo: fromC.cursor, at: Timestamp(milliseconds: 2300)),
            ])
            #expect(changed == [1, 2, 0, 2, 1])
            #expect(try await store.message(id: m[0].id)?.deliveredAt == Timestamp(milliseconds: 2000))
            #expect(try await store.message(id: m[1].id)?.readAt == Timestamp(milliseconds: 2100))
            #expect(try await store.message(id: m[1].id)?.deliveredAt == Timestamp(milliseconds: 2100))
            #expect(try await store.message(id: m[5].id)?.deliveredAt == Timestamp(milliseconds: 2200))
            #expect(try await store.message(id: m[5].id)?.readAt == nil)
            #expect(try await store.unreadCounts(for: b) == [a: 2])
            #expect(try await store.unreadCounts(for: a) == [b: 2])
        },
        ConformanceCase("messages: marks long after the messages, repeated, below earlier marks, and late arrivals") {
            (fixture: StoreFixture) async throws in
            // Marks made well after the messages (a SQL store then keeps a marker per recipient and conversation, and
            // starts the next mark and every unread count from it); the results must not depend on that.
            let store = fixture.messages
            let m = (0..<6).map { n in Fixtures.message(id(n), from: a, to: b, at: 1000 + Int64(n)) }
            _ = try await store.append(m + [Fixtures.message(id(10), from: c, to: b, at: 1003), Fixtures.message(id(11), from: b, to: a, at: 1004)])
            let conversation = ConversationID(a, b)
            #expect(try await store.markRead(in: conversation, reader: b, upTo: m[2].cursor, at: Timestamp(milliseconds: 100_000)) == 3)
            #expect(try await store.unreadCounts(for: b) == [a: 3, c: 1])
            #expect(try await store.markRead(in: conversation, reader: b, upTo: m[2].cursor, at: Timestamp(milliseconds: 100_100)) == 0)
            #expect(try await store.markRead(in: conversation, reader: b, upTo: m[1].cursor, at: Timestamp(milliseconds: 100_200)) == 0)
            _ = try await store.delete(id: m[4].id, at: Timestamp(milliseconds: 100_300))
            #expect(try await store.unreadCounts(for: b) == [a: 2, c: 1])
            // m0–m2 were delivered by being read, m4 is deleted: two left to deliver.
            #expect(try await store.markDelivered(in: conversation, recipient: b, upTo: m[5].cursor, at: Timestamp(milliseconds: 100_400)) == 2)
            #expect(try await store.markDelivered(in: conversation, recipient: b, upTo: m[5].cursor, at: Timestamp(milliseconds: 100_500)) == 0)
            #expect(try await store.message(id: m[3].id)?.deliveredAt == Timestamp(milliseconds: 100_400))
            #expect(try await store.markRead(in: conversation, reader: b, upTo: m[5].cursor, at: Timestamp(milliseconds: 100_600)) == 2)
            #expect(try await store.message(id: m[5].id)?.readAt == Timestamp(milliseconds: 100_600))
            #expect(try await store.unreadCounts(for: b) == [c: 1])
            #expect(try await store.unreadCounts(for: a) == [b: 1])
            let list = try await store.conversations(of: b, after: nil, limit: 10)
            #expect(Dictionary(uniqueKeysWithValues: list.map { ($0.peerID, $0.unreadCount) }) == [a: 0, c: 1])
            // A mark made within seconds of the messages: one stored afterwards with an earlier time (a slow commit,
            // another node's clock) still counts as unread and is read by the next mark that reaches it.
            let recent = Fixtures.message(id(20), from: a, to: b, at: 200_000)
            _ = try await store.append([recent])
            #expect(try await store.markRead(in: conversation, reader: b, upTo: recent.cursor, at: Timestamp(milliseconds: 200_500)) == 1)
            let late = Fixtures.message(id(19), from: a, to: b, at: 199_000)
            _ = try await store.append([late])
            #expect(try await store.unreadCounts(for: b) == [a: 1, c: 1])
            #expect(try await store.markRead(in: conversation, reader: b, upTo: recent.cursor, at: Timestamp(milliseconds: 201_000)) == 1)
            #expect(try await store.unreadCounts(for: b) == [c: 1])
        },
        ConformanceCase("messages: conversations list latest activity first with unread counts") { (fixture: StoreFixture) async throws in
            let store = fixture.messages
            _ = try await store.append([
                Fixtures.message(id(1), from: a, to: b, at: 1000),
                Fixtures.message(id(2), from: c, to: a, at: 3000),
                Fixtures.message(id(3), from: b, to: a, at: 2000),
                Fixtures.message(id(4), from: b, to: c, at: 4000),
            ])
            _ = try await store.append([Fixtures.message(id(5), from: b, to: a, at: 2500)])
            let list = try await store.conversations(of: a, after: nil, limit: 10)
            #expect(list.map(\.peerID) == [c, b])
            #expect(list.map(\.lastMessage.id.rawValue) == [id(2), id(5)])
            #expect(list.map(\.unreadCount) == [1, 2])
            #expect(list.first?.id == ConversationID(a, c))
            let first = try await store.conversations(of: a, after: nil, limit: 1)
            let cursor = first.last.map { ConversationCursor(lastMessageAt: $0.lastMessage.createdAt, conversationID: $0.id) }
            #expect(try await store.conversations(of: a, after: cursor, limit: 1).map(\.peerID) == [b])
            #expect(try await store.conversations(of: UserID("nobody"), after: nil, limit: 10).isEmpty)
        },
        ConformanceCase("messages: change feed in (updatedAt, id) order, edits and receipts move messages") { (fixture: StoreFixture) async throws in
            let store = fixture.messages
            let m = (0..<5).map { n in
                Fixtures.message(id(n), from: n.isMultiple(of: 2) ? a : b, to: n.isMultiple(of: 2) ? b : a, at: 1000 + Int64(n))
            }
            _ = try await store.append(m + [Fixtures.message(id(9), from: b, to: c, at: 1002)])
            #expect(try await store.changes(for: a, after: nil, limit: 10).map(\.id) == m.map(\.id))
            #expect(try await store.changes(for: c, after: nil, limit: 10).map(\.id.rawValue) == [id(9)])
            let firstTwo = try await store.changes(for: a, after: nil, limit: 2)
            #expect(firstTwo.map(\.id) == [m[0].id, m[1].id])
            let rest = try await store.changes(for: a, after: firstTwo.last?.changeCursor, limit: 10)
            #expect(rest.map(\.id) == [m[2].id, m[3].id, m[4].id])
            let seen = rest.last?.changeCursor
            #expect(try await store.changes(for: a, after: seen, limit: 10).isEmpty)
            _ = try await store.edit(id: m[1].id, body: "edited", at: Timestamp(milliseconds: 2000))
            _ = try await store.markRead(in: ConversationID(a, b), reader: b, upTo: m[0].cursor, at: Timestamp(milliseconds: 2001))
            _ = try await store.delete(id: m[3].id, at: Timestamp(milliseconds: 2002))
            let changed = try await store.changes(for: a, after: seen, limit: 10)
            #expect(changed.map(\.id) == [m[1].id, m[0].id, m[3].id])
            #expect(changed.map(\.updatedAt.milliseconds) == [2000, 2001, 2002])
            #expect(changed[0].body == "edited" && changed[1].readAt != nil && changed[2].deletedAt != nil)
        },
    ]
}
