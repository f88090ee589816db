import ChatCore
import Synchronization

/// The sends this node produced lately, by `(sender, clientMessageID)`, so that a retried send gets the message of the
/// first one even before the consumer has stored it; and a gate, so that two sends with the same key on this node take
/// turns.
final class RecentSends: Sendable {
    enum Claim {
        /// The key was sent lately: this is its message.
        case sent(Message)
        /// The caller holds the key until it calls `finish`.
        case claimed
        /// Another send with the key is in flight; wait for it with `wait(for:)`.
        case busy
    }

    private struct State {
        var sent: [String: (message: Message, at: ContinuousClock.Instant)] = [:]
        var inFlight: [String: [CheckedContinuation<Message?, Never>]] = [:]
    }

    private let state = Mutex(State())
    private let retention: Duration
    private let capacity: Int

    /// - Parameters:
    ///   - retention: how long a sent key is remembered (long enough for the consumer to store it).
    ///   - capacity: the most keys remembered; older ones are forgotten first.
    init(retention: Duration = .seconds(120), capacity: Int = 100_000) {
        self.retention = retention
        self.capacity = capacity
    }

    func claim(_ key: String) -> Claim {
        state.withLock { state in
            if let entry = state.sent[key], entry.at.duration(to: .now) < retention { return .sent(entry.message) }
            if state.inFlight[key] != nil { return .busy }
            state.inFlight[key] = []
            return .claimed
        }
    }

    /// Waits for the send in flight with `key`: its message, or nil when it failed.
    func wait(for key: String) async -> Message? {
        await withCheckedContinuation { continuation in
            let resumeNow: Message?? = state.withLock { state in
                if state.inFlight[key] != nil {
                    state.inFlight[key]?.append(continuation)
                    return .none
                }
                return .some(state.sent[key]?.message)
            }
            if case .some(let message) = resumeNow { continuation.resume(returning: message) }
        }
    }

    /// Ends a claim: remembers `message` (nil: the send failed) and wakes the sends that waited for it.
    func finish(_ key: String, with message: Message?) {
        let waiters = state.withLock { state in
            let waiters = state.inFlight.removeValue(forKey: key) ?? []
            if let message {
                state.sent[key] = (message, .now)
                if state.sent.count > capacity { prune(&state) }
            }
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: message) }
    }

    /// Forgets expired keys, then the oldest until a tenth of the capacity is free.
    private func prune(_ state: inout State) {
        let now = ContinuousClock.now
        state.sent = state.sent.filter { $0.value.at.duration(to: now) < retention }
        let excess = state.sent.count - capacity * 9 / 10
        guard excess > 0 else { return }
        for key in state.sent.sorted(by: { $0.value.at < $1.value.at }).prefix(excess).map(\.key) { state.sent[key] = nil }
    }
}
