import ChatCore
import ChatCoreTesting
import Testing

@testable import ChatCore

/// A batch of marks, as the messaging service commits it: one look-up of the named messages, then one store call.
struct ReceiptCommitTests {
    @Test func marksNamingAMessageOutsideTheirConversationFailAloneAndTheRestApply() async throws {
        let (a, b, c) = (UserID("a"), UserID("b"), UserID("c"))
        let store = MemoryMessageStore()
        let m1 = Fixtures.message("m1", from: a, to: b, at: 1000)
        let m2 = Fixtures.message("m2", from: a, to: b, at: 1001)
        let m3 = Fixtures.message("m3", from: c, to: b, at: 1002)
        _ = await store.append([m1, m2, m3])
        let ab = ConversationID(a, b)
        func request(_ kind: ReceiptMark.Kind, in conversation: ConversationID, upTo: String) -> ReceiptRequest {
            ReceiptRequest(kind: kind, conversation: conversation, recipient: b, upTo: [MessageID(upTo)])
        }
        let time = Timestamp(milliseconds: 2000)
        let outcomes = try await MessagingService.commit(
            [
                request(.delivered, in: ab, upTo: "m2"),
                request(.delivered, in: ab, upTo: "m3"),
                request(.read, in: ab, upTo: "missing"),
                request(.read, in: ab, upTo: "m1"),
                request(.read, in: ConversationID(c, b), upTo: "m3"),
            ],
            at: time,
            in: store
        )
        #expect(
            outcomes == [
                [ReceiptOutcome(changed: 2, upTo: m2.cursor, time: time)], [nil], [nil], [ReceiptOutcome(changed: 1, upTo: m1.cursor, time: time)],
                [ReceiptOutcome(changed: 1, upTo: m3.cursor, time: time)],
            ]
        )
        #expect(await store.message(id: m2.id)?.deliveredAt == time)
        #expect(await store.message(id: m1.id)?.readAt == time)
        #expect(await store.message(id: m3.id)?.deliveredAt == time)
        #expect(try await MessagingService.commit([request(.read, in: ab, upTo: "nothing")], at: time, in: store) == [[nil]])
    }

    /// A client's marks of one conversation that arrived together are one mark up to the furthest: it reports every
    /// change, the others none, and ids outside the conversation fail alone.
    @Test func marksThatArrivedTogetherApplyAsOneUpToTheFurthest() async throws {
        let (a, b, c) = (UserID("a"), UserID("b"), UserID("c"))
        let store = ObservedMessageStore()
        let m = (1...4).map { Fixtures.message("m\($0)", from: a, to: b, at: 1000 + Int64($0)) }
        let other = Fixtures.message("o1", from: c, to: b, at: 1010)
        _ = await store.inner.append(m + [other])
        let ab = ConversationID(a, b)
        let time = Timestamp(milliseconds: 2000)
        let request = ReceiptRequest(
            kind: .delivered,
            conversation: ab,
            recipient: b,
            upTo: ["m2", "m3", "missing", "o1", "m1", "m3"].map(MessageID.init)
        )
        let outcomes = try await MessagingService.commit([request], at: time, in: store)
        #expect(
            outcomes == [
                [
                    ReceiptOutcome(changed: 0, upTo: m[1].cursor, time: time), ReceiptOutcome(changed: 3, upTo: m[2].cursor, time: time), nil,
                    nil, ReceiptOutcome(changed: 0, upTo: m[0].cursor, time: time), ReceiptOutcome(changed: 0, upTo: m[2].cursor, time: time),
                ]
            ]
        )
        #expect(await store.applied == [[ReceiptMark(.delivered, in: ab, recipient: b, upTo: m[2].cursor, at: time)]])
        #expect(await store.inner.message(id: m[2].id)?.deliveredAt == time)
        #expect(await store.inner.message(id: m[3].id)?.deliveredAt == nil)
        #expect(await store.inner.message(id: other.id)?.deliveredAt == nil)
    }
}
