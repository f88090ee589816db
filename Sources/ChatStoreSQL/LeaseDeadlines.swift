import Synchronization

/// The deadlines of sessions waiting for a pooled connection, checked every `tick` by one task (``run()``) instead of a
/// timer each.
///
/// A timer per session (`Task.sleep`) cost 5–10 % of the server's CPU per message on PostgreSQL, though it almost never
/// fires; a wait here is an entry in a dictionary. A deadline is noticed up to one tick late, never early.
final class LeaseDeadlines: Sendable {
    private typealias Waiter = (deadline: ContinuousClock.Instant, continuation: CheckedContinuation<Void, any Error>)

    private struct State {
        var nextID = 0
        var waiters: [Int: Waiter] = [:]
        var stopped = false
    }

    let tick: Duration
    private let state = Mutex(State())

    init(tick: Duration = .milliseconds(250)) {
        self.tick = tick
    }

    /// Returns once `deadline` has passed (or ``run()`` has ended); throws `CancellationError` when cancelled first.
    func wait(until deadline: ContinuousClock.Instant) async throws {
        let id = state.withLock { state in
            defer { state.nextID &+= 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let now: Result<Void, any Error>? = state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if state.stopped { return .success(()) }
                    state.waiters[id] = (deadline, continuation)
                    return nil
                }
                if let now { continuation.resume(with: now) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Resumes the waiters whose deadline has passed, every tick, until cancelled; then resumes every waiter left.
    func run() async {
        while true {
            do {
                try await Task.sleep(for: tick)
            } catch {
                break
            }
            let now = ContinuousClock.now
            let due = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
                var due: [CheckedContinuation<Void, any Error>] = []
                for (id, waiter) in state.waiters where waiter.deadline <= now {
                    state.waiters[id] = nil
                    due.append(waiter.continuation)
                }
                return due
            }
            for continuation in due { continuation.resume() }
        }
        let left = state.withLock { state in
            state.stopped = true
            defer { state.waiters = [:] }
            return state.waiters.values.map(\.continuation)
        }
        for continuation in left { continuation.resume() }
    }
}
