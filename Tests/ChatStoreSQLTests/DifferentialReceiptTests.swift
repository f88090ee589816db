import ChatCore
import ChatCoreTesting
import Foundation
import Testing

@testable import ChatStoreSQL

/// A SQL store's batched marks (a few set-based statements per batch) give the same counts and leave the same messages
/// as the memory store applying each mark in turn: one batch with a mark for every recipient, then random batches of 1
/// to 80 marks mixing both kinds, repeated and backward marks, marks of both sides of a conversation, deletions between
/// batches, and times that move the markers past the settling window.
struct DifferentialReceiptTests {
    static let users = (0..<8).map { UserID("user-\($0)") }

    static func messages(using generator: inout some RandomNumberGenerator) -> [Message] {
        (0..<480).map { serial in
            let sender = users[Int(generator.next(upperBound: UInt32(users.count)))]
            var recipient = users[Int(generator.next(upperBound: UInt32(users.count)))]
            if recipient == sender { recipient = users[((users.firstIndex(of: sender) ?? 0) + 1) % users.count] }
            // Spread over 48 s with runs of equal times, so that ranges end inside a millisecond and markers settle.
            let time = 1_700_000_000_000 + Int64(serial / 3) * 300
            return Fixtures.message(String(format: "m-%04d", serial), from: sender, to: recipient, at: time)
        }
    }

    static func compare(_ store: any MessageStore) async throws {
        var generator = SystemRandomNumberGenerator()
        let messages = messages(using: &generator)
        let memory = MemoryMessageStore()
        #expect(try await store.append(messages) == memory.append(messages))
        let conversations = Array(Set(messages.map(\.conversationID))).sorted { $0.rawValue < $1.rawValue }
        var now: Int64 = 1_700_000_000_000
        // First, one mark for every recipient of every conversation, halfway: one large batch with a range per mark.
        var halfway: [ReceiptMark] = []
        for conversation in conversations {
            let inConversation = messages.filter { $0.conversationID == conversation }
            let middle = inConversation[inConversation.count / 2]
            for recipient in [middle.senderID, middle.recipientID] {
                halfway.append(ReceiptMark(.delivered, in: conversation, recipient: recipient, upTo: middle.cursor, at: Timestamp(milliseconds: now)))
            }
        }
        #expect(halfway.count == conversations.count * 2)
        #expect(try await store.apply(halfway) == memory.apply(halfway))
        for round in 0..<40 {
            now += Int64(generator.next(upperBound: UInt32(1_500)))
            var batch: [ReceiptMark] = []
            for _ in 0..<(1 + Int(generator.next(upperBound: UInt32(80)))) {
                let conversation = conversations[Int(generator.next(upperBound: UInt32(conversations.count)))]
                let inConversation = messages.filter { $0.conversationID == conversation }
                let upTo = inConversation[Int(generator.next(upperBound: UInt32(inConversation.count)))]
                let recipient = generator.next(upperBound: UInt32(2)) == 0 ? upTo.senderID : upTo.recipientID
                let kind: ReceiptMark.Kind = generator.next(upperBound: UInt32(2)) == 0 ? .read : .delivered
                let time = Timestamp(milliseconds: now + Int64(generator.next(upperBound: UInt32(3))))
                batch.append(ReceiptMark(kind, in: conversation, recipient: recipient, upTo: upTo.cursor, at: time))
            }
            let expected = try await memory.apply(batch)
            let actual = try await store.apply(batch)
            #expect(actual == expected, "round \(round): \(batch)")
            if round % 8 == 3 {
                let victim = messages[Int(generator.next(upperBound: UInt32(messages.count)))]
                let time = Timestamp(milliseconds: now)
                #expect(try await store.delete(id: victim.id, at: time) == memory.delete(id: victim.id, at: time))
            }
        }
        for conversation in conversations {
            let request = MessagePageRequest(limit: 1000)
            #expect(try await store.page(of: conversation, request) == memory.page(of: conversation, request))
        }
        for user in users {
            #expect(try await store.unreadCounts(for: user) == memory.unreadCounts(for: user))
        }
    }

    @Test func sqlite() async throws {
        try await TestDatabases.withSQLite { client in try await Self.compare(client.messages) }
    }

    @Test func postgres() async throws {
        _ = try await TestDatabases.withPostgres { client in try await Self.compare(client.messages) }
    }

    #if MariaDB
    @Test func mariadb() async throws {
        _ = try await TestDatabases.withMariaDB { client in try await Self.compare(client.messages) }
    }
    #endif
}

/// How a batch of marks is split into ranges and phases.
struct ReceiptBatchPlanTests {
    let conversation = ConversationID(UserID("a"), UserID("b"))
    let b = UserID("b")

    func cursor(_ milliseconds: Int64, _ id: String = "m") -> MessageCursor {
        MessageCursor(createdAt: Timestamp(milliseconds: milliseconds), id: MessageID(id))
    }

    @Test func laterMarksOfAKindStartWhereTheEarlierStoppedAndSmallerOnesAreDropped() {
        let plan = ReceiptBatchPlan(
            [
                ReceiptMark(.delivered, in: conversation, recipient: b, upTo: cursor(100), at: Timestamp(milliseconds: 20_000)),
                ReceiptMark(.delivered, in: conversation, recipient: b, upTo: cursor(50), at: Timestamp(milliseconds: 20_001)),
                ReceiptMark(.delivered, in: conversation, recipient: b, upTo: cursor(200), at: Timestamp(milliseconds: 20_002)),
            ],
            markers: [.init(conversation: conversation, recipient: b): .init(read: nil, delivered: cursor(10))],
            lagMilliseconds: 5_000
        )
        #expect(plan.phases.count == 1)
        #expect(plan.phases[0].delivered.map(\.lower) == [cursor(10), cursor(100)])
        #expect(plan.phases[0].delivered.map(\.upper) == [cursor(100), cursor(200)])
        #expect(plan.phases[0].delivered.map(\.mark) == [0, 2])
        #expect(plan.markerMoves[.delivered]?[.init(conversation: conversation, recipient: b)] == cursor(200))
        var counts = [0, 0, 0]
        ReceiptBatchPlan.attribute(
            [(.init(conversation: conversation, recipient: b), cursor(100)), (.init(conversation: conversation, recipient: b), cursor(150))],
            to: plan.phases[0].delivered,
            counts: &counts
        )
        #expect(counts == [1, 0, 1])
    }

    @Test func aDeliveredMarkAfterAReadMarkOfTheSameRecipientStartsAPhase() {
        let key = ReceiptBatchPlan.Key(conversation: conversation, recipient: b)
        let plan = ReceiptBatchPlan(
            [
                ReceiptMark(.delivered, in: conversation, recipient: b, upTo: cursor(10), at: Timestamp(milliseconds: 1_000)),
                ReceiptMark(.read, in: conversation, recipient: b, upTo: cursor(20), at: Timestamp(milliseconds: 1_000)),
                ReceiptMark(.delivered, in: conversation, recipient: b, upTo: cursor(30), at: Timestamp(milliseconds: 1_000)),
            ],
            markers: [:],
            lagMilliseconds: 5_000
        )
        #expect(plan.phases.map { $0.delivered.map(\.mark) } == [[0], [2]])
        #expect(plan.phases.map { $0.read.map(\.mark) } == [[1], []])
        // A second before the marks' time: every marker stays behind the settling window.
        #expect(plan.markerMoves[.delivered]?[key] == cursor(-4_000, ""))
        #expect(plan.markerMoves[.read]?[key] == cursor(-4_000, ""))
    }
}
