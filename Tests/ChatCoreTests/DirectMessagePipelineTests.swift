import ChatCore
import ChatCoreTesting
import Synchronization
import Testing

@Suite("Group commit")
struct DirectMessagePipelineTests {
    @Test func concurrentSubmissionsShareTransactions() async throws {
        let store = ObservedMessageStore(appendDelay: .milliseconds(5))
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
        let store = ObservedMessageStore(appendDelay: .milliseconds(5))
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
        let store = ObservedMessageStore(appendDelay: .milliseconds(5))
        let pipeline = DirectMessagePipeline(store: store)
        await store.failAppends(1)
        await #expect(throws: ChatError.self) {
            try await pipeline.submit(Fixtures.message("m1", from: UserID("a"), to: UserID("b"), at: 1))
        }
        let outcome = try await pipeline.submit(Fixtures.message("m2", from: UserID("a"), to: UserID("b"), at: 2))
        #expect(outcome.created)
        #expect(try await store.message(id: MessageID("m1")) == nil)
    }
}
