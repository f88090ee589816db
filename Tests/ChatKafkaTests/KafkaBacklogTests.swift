import AsyncTestSupport
import ChatCore
import ChatCoreTesting
import Synchronization
import Testing

@testable import ChatKafka

/// The gate alone; `KafkaPipelineTests` runs it with a persister and a broker.
struct KafkaBacklogTests {
    @Test func sendsPassWhileThePersisterKeepsUp() async throws {
        let backlog = KafkaBacklog(limit: 10, timeout: .seconds(5))
        try await backlog.admit()
        backlog.storing(4)
        backlog.update(unread: 6)
        #expect(backlog.unstored == 10)
        try await backlog.admit()
    }

    @Test func heldSendsGoOnceThePersisterCatchesUp() async throws {
        let backlog = KafkaBacklog(limit: 10, timeout: .seconds(30))
        backlog.update(unread: 11)
        let admitted = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<5 {
                group.addTask {
                    try await backlog.admit()
                    admitted.add()
                }
            }
            try await Task.sleep(for: .milliseconds(100))
            #expect(admitted.value == 0)
            // Still behind: the batch being stored counts.
            backlog.storing(5)
            backlog.update(unread: 6)
            try await Task.sleep(for: .milliseconds(50))
            #expect(admitted.value == 0)
            backlog.storing(0)
            backlog.update(unread: 6)
            try await group.waitForAll()
        }
        #expect(admitted.value == 5)
    }

    @Test func aHeldSendFailsAsUnavailableAfterTheTimeout() async throws {
        let backlog = KafkaBacklog(limit: 10, timeout: .milliseconds(200))
        backlog.update(unread: 50)
        let started = ContinuousClock.now
        // Without the deadline the send would wait for ever; the bound is wide because at the start of a parallel
        // test run on two cores this test may not be scheduled for seconds (CI once saw 6 s).
        let failed = await withDeadline(.seconds(60)) {
            await withTaskGroup(of: Void.self) { group in
                // The persister's samples are what let a waiting send see its deadline.
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(25))
                        backlog.update(unread: 50)
                    }
                }
                await Fixtures.expectChatError(.unavailable) { try await backlog.admit() }
                group.cancelAll()
            }
            return true
        }
        #expect(failed == true, "the held send never failed")
        #expect(started.duration(to: .now) >= .milliseconds(200))
    }

    @Test func aCancelledSendStopsWaiting() async throws {
        let backlog = KafkaBacklog(limit: 1, timeout: .seconds(60))
        backlog.update(unread: 2)
        let task = Task { try await backlog.admit() }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }

    @Test func aStoppedPersisterHoldsNothing() async throws {
        let backlog = KafkaBacklog(limit: 1, timeout: .seconds(60))
        backlog.update(unread: 100)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { try await backlog.admit() } }
            try await Task.sleep(for: .milliseconds(50))
            backlog.close()
            try await group.waitForAll()
        }
        backlog.update(unread: 100)
        try await backlog.admit()
    }

    @Test func aLimitOfZeroHoldsNothing() async throws {
        let backlog = KafkaBacklog(limit: 0, timeout: .seconds(60))
        backlog.update(unread: 1_000_000)
        try await backlog.admit()
    }
}

/// A count that tasks add to.
final class Counter: Sendable {
    private let count = Mutex(0)

    var value: Int { count.withLock { $0 } }

    func add() { count.withLock { $0 += 1 } }
}
