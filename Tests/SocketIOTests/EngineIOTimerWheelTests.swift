import AsyncTestSupport
import Synchronization
import Testing

@testable import SocketIO

/// A timer target that records when it fired and follows a script of next deadlines.
private final class RecordingTarget: EngineIOTimerTarget {
    struct State {
        var fired: [ContinuousClock.Instant] = []
        var next: [ContinuousClock.Instant?]
    }

    let state: Mutex<State>
    let firedTwice: AsyncStream<Void>.Continuation?

    init(next: [ContinuousClock.Instant?], firedTwice: AsyncStream<Void>.Continuation? = nil) {
        self.state = Mutex(State(next: next))
        self.firedTwice = firedTwice
    }

    var fired: [ContinuousClock.Instant] { self.state.withLock { $0.fired } }

    func fireTimers(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        let (next, count) = self.state.withLock { state -> (ContinuousClock.Instant?, Int) in
            state.fired.append(now)
            return (state.next.isEmpty ? nil : state.next.removeFirst(), state.fired.count)
        }
        if count == 2 { self.firedTwice?.yield() }
        return next
    }
}

/// Waits for the first element of `stream`, or gives up after `limit` (returns `false`).
private func waitForFirst(of stream: AsyncStream<Void>, within limit: Duration) async -> Bool {
    let arrived = await withDeadline(limit) {
        var iterator = stream.makeAsyncIterator()
        return await iterator.next() != nil
    }
    return arrived ?? false
}

@Suite struct EngineIOTimerWheelTests {
    @Test func ticksCoverDeadlinesFromAbove() {
        let origin = ContinuousClock.now
        let wheel = EngineIOTimerWheel<RecordingTarget>(granularity: .milliseconds(10), origin: origin)
        #expect(wheel.tick(covering: origin) == 0)
        #expect(wheel.tick(covering: origin + .milliseconds(1)) == 1)
        #expect(wheel.tick(covering: origin + .milliseconds(10)) == 1)
        #expect(wheel.tick(covering: origin + .milliseconds(11)) == 2)
        #expect(wheel.tick(atOrBefore: origin + .milliseconds(19)) == 1)
        #expect(wheel.tick(atOrBefore: origin + .milliseconds(20)) == 2)
        #expect(wheel.instant(ofTick: 3) == origin + .milliseconds(30))
    }

    @Test func granularityFollowsTheShortestTimeoutWithinBounds() {
        let quick = EngineIOConfiguration(pingInterval: .milliseconds(300), pingTimeout: .milliseconds(200), upgradeTimeout: .seconds(1))
        #expect(EngineIOTimerWheel<RecordingTarget>(configuration: quick).granularity == .milliseconds(10))
        #expect(EngineIOTimerWheel<RecordingTarget>(configuration: EngineIOConfiguration()).granularity == .milliseconds(100))
        let tiny = EngineIOConfiguration(pingInterval: .milliseconds(5), pingTimeout: .milliseconds(5), upgradeTimeout: .milliseconds(5))
        #expect(EngineIOTimerWheel<RecordingTarget>(configuration: tiny).granularity == .milliseconds(1))
    }

    /// Each target fires no earlier than its deadline, then again at the deadline it returned; a cancelled target never
    /// fires; an empty wheel parks and wakes for a new schedule. (How late it fires depends on the machine's load, so
    /// only a generous bound is checked; the tick arithmetic is checked above.)
    @Test func firesEachTargetAtItsDeadlinesAndNeverEarly() async throws {
        let wheel = EngineIOTimerWheel<RecordingTarget>(granularity: .milliseconds(10))
        let (twice, continuation) = AsyncStream.makeStream(of: Void.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await wheel.run() }
            // Parked with nothing scheduled, then woken by the first schedule.
            try await Task.sleep(for: .milliseconds(50))
            let start = ContinuousClock.now
            let first = start + .milliseconds(40)
            let second = start + .milliseconds(95)
            let target = RecordingTarget(next: [second, nil], firedTwice: continuation)
            let cancelled = RecordingTarget(next: [])
            wheel.schedule(target, at: first)
            wheel.schedule(cancelled, at: start + .milliseconds(30))
            wheel.cancel(cancelled)
            #expect(wheel.count == 1)
            #expect(await waitForFirst(of: twice, within: .seconds(30)), "the target fired twice")
            let fired = target.fired
            #expect(fired.count == 2)
            if fired.count == 2 {
                #expect(fired[0] >= first && fired[0] < first + .seconds(10))
                #expect(fired[1] >= second && fired[1] < second + .seconds(10))
            }
            try await Task.sleep(for: .milliseconds(40))
            #expect(cancelled.fired.isEmpty)
            #expect(wheel.count == 0)
            wheel.finish()
            try await group.waitForAll()
        }
    }

    /// A deadline already past fires on the next tick rather than being lost behind the wheel's position.
    @Test func aPastDeadlineFiresOnTheNextTick() async throws {
        let wheel = EngineIOTimerWheel<RecordingTarget>(granularity: .milliseconds(10))
        let (twice, continuation) = AsyncStream.makeStream(of: Void.self)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await wheel.run() }
            let now = ContinuousClock.now
            let target = RecordingTarget(next: [now - .seconds(1), nil], firedTwice: continuation)
            wheel.schedule(target, at: now - .seconds(5))
            #expect(await waitForFirst(of: twice, within: .seconds(30)), "the target fired twice")
            #expect(target.fired.count == 2)
            wheel.finish()
        }
    }
}
