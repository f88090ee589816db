import Testing

@testable import ChatStoreSQL

struct LeaseDeadlinesTests {
    /// Not early; "within a tick" only on an idle machine (a clean-clone CI run, starting 400 tests at once, saw 2.9 s
    /// for a 100 ms deadline and a 20 ms tick), so the upper bound only catches a wait that never ends.
    @Test func aWaitEndsAtItsDeadlineNotBefore() async throws {
        let deadlines = LeaseDeadlines(tick: .milliseconds(20))
        let clock = ContinuousClock()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await deadlines.run() }
            let start = clock.now
            try await deadlines.wait(until: start + .milliseconds(100))
            let waited = clock.now - start
            #expect(waited >= .milliseconds(100), "ended early, after \(waited)")
            #expect(waited < .seconds(30), "ended after \(waited)")
            group.cancelAll()
        }
    }

    @Test func aCancelledWaitEndsAtOnce() async throws {
        let deadlines = LeaseDeadlines(tick: .milliseconds(20))
        let clock = ContinuousClock()
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await deadlines.run() }
            let start = clock.now
            let waiter = Task { try await deadlines.wait(until: start + .seconds(3_600)) }
            try? await Task.sleep(for: .milliseconds(50))
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            #expect(clock.now - start < .seconds(5))
            group.cancelAll()
        }
    }

    /// When the clock stops (the database client shuts down), the waits end rather than wait for a tick that never comes.
    @Test func stoppingEndsEveryWait() async throws {
        let deadlines = LeaseDeadlines(tick: .milliseconds(20))
        try await withThrowingTaskGroup(of: Void.self) { group in
            let clock = Task { await deadlines.run() }
            for _ in 0..<10 { group.addTask { try await deadlines.wait(until: .now + .seconds(3_600)) } }
            try await Task.sleep(for: .milliseconds(50))
            clock.cancel()
            try await group.waitForAll()
            // And a wait that starts after the clock stopped ends at once.
            try await deadlines.wait(until: .now + .seconds(3_600))
        }
    }
}
