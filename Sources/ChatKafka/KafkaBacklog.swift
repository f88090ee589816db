import ChatCore
import Synchronization

/// How far this node's persister is behind, and the gate that holds sends while it is too far.
///
/// A send is acknowledged once the brokers have its record, so without a bound the topic could grow faster than the
/// persister stores it, and every message would reach its recipient later and later. The persister reports the records
/// of its partitions that it has not stored (``update(unread:)`` and ``storing(_:)``); while they are more than `limit`, ``admit()`` holds
/// new sends, and fails one with `ChatError(.unavailable)` when it has waited `timeout` (the client sends it again, with
/// the same `clientMessageId`). Sends are held before their record is produced, so an acknowledged message is never
/// affected.
///
/// Each node bounds its own persister: under even load every node's persister lags alike, but a node that persists no
/// partition (more nodes than partitions) never holds its sends.
public final class KafkaBacklog: Sendable {
    /// The most unstored records before sends are held; 0 holds none.
    public let limit: Int
    /// How long a held send waits before it fails.
    public let timeout: Duration
    /// Whether sends pass without waiting: the fast path reads only this.
    private let open = Atomic<Bool>(true)
    /// The records of the batch being stored.
    private let batch = Atomic<Int>(0)
    private let state = Mutex(State())

    private struct Waiter {
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var unstored = 0
        var closed = false
        var nextID = 0
        var waiters: [Int: Waiter] = [:]
    }

    public init(limit: Int, timeout: Duration) {
        self.limit = limit
        self.timeout = timeout
    }

    /// The unstored records last reported.
    public var unstored: Int { state.withLock { $0.unstored } }

    /// Whether new sends are being held.
    public var isHolding: Bool { !open.load(ordering: .relaxed) }

    /// Returns at once while the persister keeps up; otherwise waits until it catches up, or throws
    /// `ChatError(.unavailable)` after `timeout`, or `CancellationError` when the task is cancelled.
    public func admit() async throws {
        if open.load(ordering: .relaxed) { return }
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let admitted = state.withLock { state -> Bool in
                    if state.closed || limit == 0 || state.unstored <= limit || Task.isCancelled { return true }
                    state.waiters[id] = Waiter(deadline: .now + timeout, continuation: continuation)
                    return false
                }
                if admitted { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }

    /// The persister polled `count` records and stores them (0: it stored them); counted from the next ``update(unread:)``.
    public func storing(_ count: Int) {
        batch.store(count, ordering: .relaxed)
    }

    /// Records how many records of its partitions the persister has not polled; with the batch it is storing, they are
    /// the unstored records. Releases the held sends when those are `limit` or fewer, and fails the ones that have
    /// waited their `timeout`.
    public func update(unread: Int) {
        let unstored = unread + batch.load(ordering: .relaxed)
        let now = ContinuousClock.now
        var released: [CheckedContinuation<Void, any Error>] = []
        var expired: [CheckedContinuation<Void, any Error>] = []
        state.withLock { state in
            guard !state.closed else { return }
            state.unstored = unstored
            let keepsUp = limit == 0 || unstored <= limit
            open.store(keepsUp, ordering: .relaxed)
            if keepsUp {
                released = state.waiters.values.map(\.continuation)
                state.waiters.removeAll()
            } else {
                for (id, waiter) in state.waiters where waiter.deadline <= now {
                    expired.append(waiter.continuation)
                    state.waiters[id] = nil
                }
            }
        }
        for continuation in released { continuation.resume() }
        let error = ChatError(.unavailable, "messages are being sent faster than they are stored; send it again later")
        for continuation in expired { continuation.resume(throwing: error) }
    }

    /// The persister stopped: nothing is held any more (the records still reach the brokers, and another node, or
    /// this one when it starts again, stores them).
    public func close() {
        let waiters = state.withLock { state in
            state.closed = true
            state.unstored = 0
            open.store(true, ordering: .relaxed)
            defer { state.waiters.removeAll() }
            return state.waiters.values.map(\.continuation)
        }
        for continuation in waiters { continuation.resume() }
    }
}
