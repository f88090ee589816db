import Benchmark
import ChatCore
import ChatStoreSQL
import Foundation
import Synchronization

// `SQLMessageStore.append` on a SQLite file, the embedded default, in batches of 1, 64 and 512 messages (the
// pipeline's group commit turns concurrent sends into such batches; 512 is its largest). With the `.kilo` scaling
// factor each measured iteration appends 1,000 messages, so per-message figures are the reported (unscaled) counts
// divided by 1,000 and the scaled throughput is messages per second.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.instructions, .cpuTotal, .mallocCountTotal, .wallClock, .throughput],
        scalingFactor: .kilo,
        maxDuration: .seconds(5),
        maxIterations: 20,
        // Wall clock is reported, never checked (shared 2-core machine, fsync-bound); the counts are checked with room
        // for noise.
        thresholds: [
            .instructions: BenchmarkThresholds(relative: [.p90: 10]),
            .mallocCountTotal: BenchmarkThresholds(relative: [.p90: 5]),
        ]
    )

    for batchSize in [1, 64, 512] {
        let fixture = SQLiteAppendFixture(batchSize: batchSize)
        Benchmark(
            "SQLMessageStore.append_batch_\(batchSize)",
            configuration: .init(setup: { try await fixture.prepare() }, teardown: { fixture.remove() })
        ) { benchmark in
            let drafts = fixture.drafts(benchmark.scaledIterations.count)
            benchmark.startMeasurement()
            var start = 0
            while start < drafts.count {
                let batch = Array(drafts[start..<min(start + batchSize, drafts.count)])
                let outcomes = try await fixture.client.messages.append(batch)
                precondition(outcomes.count == batch.count && outcomes.allSatisfy(\.created))
                start += batchSize
            }
            benchmark.stopMeasurement()
        }
    }
    changeFeedBenchmarks()
}

/// A migrated SQLite database in a temporary file.
final class SQLiteAppendFixture: Sendable {
    let database: TemporarySQLiteDatabase
    var client: SQLDatabaseClient { database.client }
    let ids = IdentifierGenerator()
    private let sequence = Mutex(0)

    init(batchSize: Int) {
        self.database = TemporarySQLiteDatabase(name: "chatblizz-bench-\(batchSize)")
    }

    func prepare() async throws {
        try await client.migrate()
    }

    /// `count` new messages between two users, each with its own clientMessageId.
    func drafts(_ count: Int) -> [MessageDraft] {
        let alice = UserID("u-alice")
        let bob = UserID("u-bob")
        let first = sequence.withLock { value in
            defer { value += count }
            return value
        }
        return (first..<first + count).map { number in
            let (id, createdAt) = ids.nextMessageID(at: Timestamp.now())
            return Message(
                id: id,
                conversationID: ConversationID(alice, bob),
                senderID: number % 2 == 0 ? alice : bob,
                recipientID: number % 2 == 0 ? bob : alice,
                body: "Are we still on for lunch tomorrow?",
                clientMessageID: "c-\(number)",
                createdAt: createdAt
            )
        }
    }

    func remove() { database.remove() }
}
