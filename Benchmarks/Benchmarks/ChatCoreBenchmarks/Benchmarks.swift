import Benchmark
import ChatCore
import Synchronization

// The send path on the in-memory backend: validation, the friendship check, the group-commit pipeline, the store
// and the event bus, without sockets or JSON. With the `.kilo` scaling factor each measured iteration sends 1,000
// messages, so per-message figures are the reported (unscaled) counts divided by 1,000 and the scaled throughput is
// messages per second.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.instructions, .cpuTotal, .mallocCountTotal, .wallClock, .throughput],
        scalingFactor: .kilo,
        maxDuration: .seconds(5),
        maxIterations: 20,
        // Wall clock is reported, never checked (shared 2-core machine); the counts are checked with room for noise.
        // Mallocs get 10 %: how many sends the pipeline batches together depends on scheduling.
        thresholds: [
            .instructions: BenchmarkThresholds(relative: [.p90: 10]),
            .mallocCountTotal: BenchmarkThresholds(relative: [.p90: 10]),
        ]
    )

    let sequential = SendPathFixture()
    Benchmark(
        "MessagingService.send_sequential",
        configuration: .init(setup: { try await sequential.prepare() })
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            let outcome = try await sequential.sendOne()
            precondition(outcome.created)
        }
        // The one in-process subscriber (the Socket.IO gateway in the app) receives every message.
        try await sequential.drain(benchmark.scaledIterations.count)
    }

    let concurrent = SendPathFixture()
    Benchmark(
        "MessagingService.send_64_concurrent_senders",
        configuration: .init(setup: { try await concurrent.prepare() })
    ) { benchmark in
        // 64 tasks send at once, as 64 sockets would, so the pipeline's group commit batches them.
        let total = benchmark.scaledIterations.count
        let senders = 64
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sender in 0..<senders {
                let count = total / senders + (sender < total % senders ? 1 : 0)
                group.addTask {
                    for _ in 0..<count {
                        let outcome = try await concurrent.sendOne()
                        precondition(outcome.created)
                    }
                }
            }
            try await group.waitForAll()
        }
        try await concurrent.drain(total)
    }
}

/// Two friends on memory stores, one service, and one subscriber of the event bus.
final class SendPathFixture: Sendable {
    let alice = UserID("u-alice")
    let bob = UserID("u-bob")
    let users = MemoryUserStore()
    let friendships = MemoryFriendshipStore()
    let messages = MemoryMessageStore()
    let events = MemoryEventBus()
    let service: MessagingService
    let subscription: EventDrain
    let counter = Counter()

    init() {
        let friendshipService = FriendshipService(friendships: friendships, users: users, events: events)
        self.service = MessagingService(
            messages: messages,
            pipeline: DirectMessagePipeline(store: messages),
            friendships: friendshipService,
            users: users,
            events: events,
            ids: IdentifierGenerator()
        )
        self.subscription = EventDrain(events.subscribe())
    }

    /// Creates the users and their accepted friendship once, before the first iteration.
    func prepare() async throws {
        guard await users.user(id: alice) == nil else { return }
        let now = Timestamp.now()
        try await users.insert(User(id: alice, username: "alice", email: "alice@example.com", createdAt: now, updatedAt: now), passwordHash: nil)
        try await users.insert(User(id: bob, username: "bob", email: "bob@example.com", createdAt: now, updatedAt: now), passwordHash: nil)
        try await friendships.insert(Friendship(requester: alice, addressee: bob, status: .accepted, createdAt: now, updatedAt: now))
    }

    /// Sends one message with a clientMessageId never used before.
    func sendOne() async throws -> AppendOutcome {
        let sequence = counter.next()
        return try await service.send(
            from: sequence % 2 == 0 ? alice : bob,
            to: sequence % 2 == 0 ? bob : alice,
            text: "Are we still on for lunch tomorrow?",
            clientMessageID: "c-\(sequence)"
        )
    }

    func drain(_ count: Int) async throws {
        try await subscription.receive(count)
    }
}

/// Reads events off the bus.
actor EventDrain {
    private var iterator: AsyncStream<DomainEvent>.Iterator

    init(_ stream: AsyncStream<DomainEvent>) { self.iterator = stream.makeAsyncIterator() }

    func receive(_ count: Int) async throws {
        // A copy: an actor cannot call a mutating async method on its stored property. The iterator is a view of the
        // stream's shared storage, so the copy advances the same stream.
        var events = iterator
        for _ in 0..<count {
            guard let event = await events.next(isolation: self) else { throw CancellationError() }
            blackHole(event)
        }
        iterator = events
    }
}

/// A unique sequence number per send.
final class Counter: Sendable {
    private let value = Mutex(0)

    func next() -> Int {
        value.withLock { value in
            value += 1
            return value
        }
    }
}
