import ChatCore
import ChatCoreTesting
import Synchronization
import Testing

/// A store that counts `append` calls and can be made slow or failing, to observe group commit.
private actor CountingStore: MessageStore {
    let inner = MemoryMessageStore()
    var appendCalls: [Int] = []
    /// When each `append` began.
    var appendStarts: [ContinuousClock.Instant] = []
    var failNext = false

    func failOnce() { failNext = true }

    func append(_ drafts: [MessageDraft]) async throws -> [AppendOutcome] {
        appendCalls.append(drafts.count)
        appendStarts.append(.now)
        try await Task.sleep(for: .milliseconds(5))
        if failNext {
            failNext = false
            throw ChatError(.unavailable, "disk on fire")
        }
        return await inner.append(drafts)
    }

    func message(id: MessageID) async throws -> Message? { await inner.message(id: id) }
    func messages(sentWith keys: [ClientMessageKey]) async throws -> [Message] { await inner.messages(sentWith: keys) }
    func messages(ids: [MessageID]) async throws -> [Message] { await inner.messages(ids: ids) }
    func page(of conversation: ConversationID, _ request: MessagePageRequest) async throws -> MessagePage {
        await inner.page(of: conversation, request)
    }
    func edit(id: MessageID, body: String, at time: Timestamp) async throws -> Message? { await inner.edit(id: id, body: body, at: time) }
    func delete(id: MessageID, at time: Timestamp) async throws -> Message? { await inner.delete(id: id, at: time) }
    func markRead(in conversation: ConversationID, reader: UserID, upTo: MessageCursor, at time: Timestamp) async throws -> Int {
        await inner.markRead(in: conversation, reader: reader, upTo: upTo, at: time)
    }
    func markDelivered(in conversation: ConversationID, recipient: UserID, upTo: MessageCursor, at time: Timestamp) async throws -> Int {
        await inner.markDelivered(in: conversation, recipient: recipient, upTo: upTo, at: time)
    }
    func unreadCounts(for user: UserID) async throws -> [UserID: Int] { await inner.unreadCounts(for: user) }
    func changes(for user: UserID, after cursor: ChangeCursor?, limit: Int) async throws -> [Message] {
        await inner.changes(for: user, after: cursor, limit: limit)
    }
    func conversations(of user: UserID, after cursor: ConversationCursor?, limit: Int) async throws -> [ConversationSummary] {
        await inner.conversations(of: user, after: cursor, limit: limit)
    }
}

@Suite("Group commit")
struct DirectMessagePipelineTests {
    @Test func concurrentSubmissionsShareTransactions() async throws {
        let store = CountingStore()
        let pipeline = DirectMessagePipeline(store: store)
        let ids = IdentifierGenerator()
        let count = 400
        let outcomes = try await withThrowingTaskGroup(of: AppendOutcome.self) { group in
            for index in 0..<count {
                group.addTask {
                    let (id, time) = ids.nextMessageID(at: Timestamp(milliseconds: 1_000))
                    return try await pipeline.submit(
                        Fixtures.message(id.rawValue, from: UserID("a"), to: UserID("b"), at: time.milliseconds, clientMessageID: "k\(index % 300)")
                    )
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.count == count)
        #expect(outcomes.filter(\.created).count == 300, "duplicate keys resolve to one message")
        let calls = await store.appendCalls
        #expect(calls.reduce(0, +) == count)
        #expect(calls.count < count / 4, "submissions were batched: \(calls.count) transactions for \(count) messages")
        let stored = try await store.page(of: ConversationID(UserID("a"), UserID("b")), MessagePageRequest(limit: 1000))
        #expect(stored.messages.count == 300)
    }

    /// A leader that comes sooner than the minimum interval after the last commit waits out the rest of it, and what
    /// arrives meanwhile shares its commit. Only lower bounds on time are checked, so a loaded machine cannot fail it.
    @Test func commitsAreSpacedByTheMinimumInterval() async throws {
        let store = CountingStore()
        let interval = Duration.seconds(2)
        let pipeline = DirectMessagePipeline(store: store, minimumCommitInterval: interval)
        _ = try await pipeline.submit(Fixtures.message("first", from: UserID("a"), to: UserID("b"), at: 1))
        let outcomes = try await withThrowingTaskGroup(of: AppendOutcome.self) { group in
            for index in 0..<10 {
                group.addTask {
                    try await pipeline.submit(Fixtures.message("m\(index)", from: UserID("a"), to: UserID("b"), at: Int64(2 + index)))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter(\.created).count == 10)
        let calls = await store.appendCalls
        #expect(calls.first == 1)
        #expect(calls.reduce(0, +) == 11)
        #expect(calls.count < 11, "the submissions shared commits: \(calls)")
        // The second leader slept until two seconds after the first commit began; the store sees each `append` a little
        // after its commit began, so half the interval leaves room for a slow hop.
        let starts = await store.appendStarts
        for (earlier, later) in zip(starts, starts.dropFirst()) {
            #expect(later - earlier >= interval / 2, "commits \(later - earlier) apart")
        }
    }

    @Test func aFailedBatchFailsOnlyItsOwnSubmitters() async throws {
        let store = CountingStore()
        let pipeline = DirectMessagePipeline(store: store)
        await store.failOnce()
        await #expect(throws: ChatError.self) {
            try await pipeline.submit(Fixtures.message("m1", from: UserID("a"), to: UserID("b"), at: 1))
        }
        let outcome = try await pipeline.submit(Fixtures.message("m2", from: UserID("a"), to: UserID("b"), at: 2))
        #expect(outcome.created)
        #expect(try await store.message(id: MessageID("m1")) == nil)
    }
}
