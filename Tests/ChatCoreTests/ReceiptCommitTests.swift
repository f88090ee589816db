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
            ReceiptRequest(kind: kind, conversation: conversation, recipient: b, upTo: MessageID(upTo))
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
                ReceiptOutcome(changed: 2, upTo: m2.cursor, time: time), nil, nil, ReceiptOutcome(changed: 1, upTo: m1.cursor, time: time),
                ReceiptOutcome(changed: 1, upTo: m3.cursor, time: time),
            ]
        )
        #expect(await store.message(id: m2.id)?.deliveredAt == time)
        #expect(await store.message(id: m1.id)?.readAt == time)
        #expect(await store.message(id: m3.id)?.deliveredAt == time)
        #expect(try await MessagingService.commit([request(.read, in: ab, upTo: "nothing")], at: time, in: store) == [nil])
    }
}
