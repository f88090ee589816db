import DequeModule
import Synchronization

/// Bounds how many connections run their CONNECT handling at once.
///
/// A CONNECT runs the namespace's middlewares (typically a token check that reads a store), so under a burst of new
/// connections thousands of them could be in flight at once, each a task holding the stack memory of its deepest call
/// until it ends, and the heap keeps that memory after they do. Past the limit, a connection's work waits here as a
/// closure, and its task starts only when a slot frees.
final class SocketIOConnectAdmission: Sendable {
    typealias Job = @Sendable () async -> Void

    private struct State {
        var running = 0
        var waiting: Deque<Job> = []
    }

    let limit: Int
    private let state = Mutex(State())

    /// - Parameter limit: the most jobs holding a slot at once (at least 1).
    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Jobs waiting for a slot.
    var waitingCount: Int { self.state.withLock { $0.waiting.count } }

    /// Takes a slot for `job`: `true` if the caller must run it now; otherwise it waits, and a later ``leave()`` hands
    /// it out. A job that holds a slot must call ``leave()`` exactly once, as soon as its CONNECT is handled.
    func enter(_ job: @escaping Job) -> Bool {
        self.state.withLock { state in
            guard state.running < self.limit else {
                state.waiting.append(job)
                return false
            }
            state.running += 1
            return true
        }
    }

    /// Frees a slot: the longest-waiting job, which now holds it and which the caller must run, or `nil`.
    func leave() -> Job? {
        self.state.withLock { state in
            if let next = state.waiting.popFirst() { return next }
            state.running -= 1
            return nil
        }
    }
}
