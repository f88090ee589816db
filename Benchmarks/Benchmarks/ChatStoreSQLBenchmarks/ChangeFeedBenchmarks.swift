import Benchmark
import ChatCore
import ChatStoreSQL
import Foundation
import Synchronization

/// `SQLMessageStore.changes` (the message half of `sync`) on a SQLite file: one user with 200 conversations of 25
/// messages each, the user's messages to the peer marked delivered, so that a page merges changed and unchanged messages from
/// every conversation. One measured iteration is one page (no scaling).
func changeFeedBenchmarks() {
    func configuration(_ fixture: ChangeFeedFixture) -> Benchmark.Configuration {
        .init(scalingFactor: .one, setup: { try await fixture.prepare() }, teardown: { fixture.remove() })
    }
    // A device syncing from the start: the first 200 changes.
    let first = ChangeFeedFixture(conversations: 200, messagesPerConversation: 25)
    Benchmark("SQLMessageStore.changes_first_page_200", configuration: configuration(first)) { benchmark in
        let page = try await first.client.messages.changes(for: first.user, after: nil, limit: 200)
        precondition(page.count == 200)
        blackHole(page)
    }
    // A device that is up to date: every conversation is looked at, and nothing comes back.
    let caughtUp = ChangeFeedFixture(conversations: 200, messagesPerConversation: 25)
    Benchmark("SQLMessageStore.changes_caught_up", configuration: configuration(caughtUp)) { benchmark in
        let page = try await caughtUp.client.messages.changes(for: caughtUp.user, after: caughtUp.lastChange(), limit: 200)
        precondition(page.isEmpty)
        blackHole(page)
    }
}

/// A migrated SQLite database in a temporary file holding the change feed workload.
final class ChangeFeedFixture: Sendable {
    let database = TemporarySQLiteDatabase(name: "chatblizz-feed")
    var client: SQLDatabaseClient { database.client }
    let user = UserID("u-syncing")
    let conversations: Int
    let messagesPerConversation: Int
    private let last = Mutex<ChangeCursor?>(nil)

    init(conversations: Int, messagesPerConversation: Int) {
        self.conversations = conversations
        self.messagesPerConversation = messagesPerConversation
    }

    func prepare() async throws {
        try await client.migrate()
        let ids = IdentifierGenerator()
        var time = Timestamp(milliseconds: 1_700_000_000_000)
        for peerNumber in 0..<conversations {
            let peer = UserID("u-peer-\(peerNumber)")
            var drafts: [MessageDraft] = []
            for number in 0..<messagesPerConversation {
                time = time.adding(milliseconds: 1)
                let (id, createdAt) = ids.nextMessageID(at: time)
                let outgoing = number.isMultiple(of: 2)
                drafts.append(
                    Message(
                        id: id,
                        conversationID: ConversationID(user, peer),
                        senderID: outgoing ? user : peer,
                        recipientID: outgoing ? peer : user,
                        body: "Are we still on for lunch tomorrow?",
                        clientMessageID: "c-\(peerNumber)-\(number)",
                        createdAt: createdAt
                    )
                )
            }
            _ = try await client.messages.append(drafts)
            // Every message to the peer delivered soon after it was sent, in one batch of marks.
            let marks = drafts.filter { $0.recipientID == peer }.map { draft in
                ReceiptMark(.delivered, in: draft.conversationID, recipient: peer, upTo: draft.cursor, at: draft.createdAt.adding(milliseconds: 1))
            }
            _ = try await client.messages.apply(marks)
        }
        let everything = try await client.messages.changes(for: user, after: nil, limit: conversations * messagesPerConversation + 1)
        precondition(everything.count == conversations * messagesPerConversation)
        last.withLock { $0 = everything.last?.changeCursor }
    }

    func lastChange() -> ChangeCursor? { last.withLock { $0 } }

    func remove() { database.remove() }
}
