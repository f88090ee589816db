import Synchronization

/// The embedded `MessagePipeline`: writes straight to the `MessageStore` with group commit.
///
/// Concurrent submissions are gathered into one `append` call (one transaction) instead of one transaction each. There
/// is no background task: the first submitter to find the pipeline idle becomes the leader, commits its draft together
/// with everything queued meanwhile, answers the followers, and hands leadership to the oldest waiter if more arrived.
///
/// A commit costs far more than a row (on SQLite ~350 µs of CPU for a batch of one against ~40 µs a message in a batch
/// of 64), so commits are also spaced at least `minimumCommitInterval` apart: a leader that comes sooner after the
/// previous commit waits out the rest of the interval, gathering what arrives meanwhile. Under light load commits are
/// further apart than that and nothing waits; under heavy load the batches grow instead of the commits multiplying.
public final class DirectMessagePipeline: MessagePipeline {
    private enum Wakeup {
        case done(AppendOutcome)
        /// The waiter must lead the next batch.
        case lead
    }

    private struct Waiter {
        var draft: MessageDraft
        var continuation: CheckedContinuation<Wakeup, any Error>
    }

    private struct State {
        var busy = false
        var queue: [Waiter] = []
        /// When the last commit started.
        var lastCommit: ContinuousClock.Instant?
    }

    private let store: any MessageStore
    private let maxBatchSize: Int
    private let minimumCommitInterval: Duration
    private let state = Mutex(State())

    /// - Parameters:
    ///   - maxBatchSize: the most drafts in one `append`.
    ///   - minimumCommitInterval: the least time between the starts of two commits (zero: commit at once).
    public init(store: any MessageStore, maxBatchSize: Int = 512, minimumCommitInterval: Duration = .zero) {
        self.store = store
        self.maxBatchSize = max(1, maxBatchSize)
        self.minimumCommitInterval = max(minimumCommitInterval, .zero)
    }

    public func submit(_ draft: MessageDraft) async throws -> AppendOutcome {
        let leads = state.withLock { state in
            if state.busy { return false }
            state.busy = true
            return true
        }
        if !leads {
            let wakeup = try await withCheckedThrowingContinuation { continuation in
                let queued = state.withLock { state in
                    guard state.busy else {
                        state.busy = true
                        return false
                    }
                    state.queue.append(Waiter(draft: draft, continuation: continuation))
                    return true
                }
                if !queued { continuation.resume(returning: Wakeup.lead) }
            }
            if case .done(let outcome) = wakeup { return outcome }
        }
        return try await lead(draft)
    }

    /// Commits `draft` and the queued drafts as one batch, then passes leadership on.
    private func lead(_ draft: MessageDraft) async throws -> AppendOutcome {
        if minimumCommitInterval > .zero {
            let (last, queued) = state.withLock { ($0.lastCommit, $0.queue.count) }
            if let last, queued < maxBatchSize - 1, ContinuousClock.now < last + minimumCommitInterval {
                // Cancellation only cuts the wait short; the draft is committed regardless.
                try? await Task.sleep(until: last + minimumCommitInterval, tolerance: minimumCommitInterval / 4, clock: .continuous)
            }
        }
        let followers = state.withLock { state in
            state.lastCommit = .now
            let count = min(state.queue.count, maxBatchSize - 1)
            defer { state.queue.removeFirst(count) }
            return Array(state.queue.prefix(count))
        }
        let result: Result<[AppendOutcome], any Error>
        do {
            result = .success(try await store.append([draft] + followers.map(\.draft)))
        } catch {
            result = .failure(error)
        }
        let next = state.withLock { state -> Waiter? in
            guard !state.queue.isEmpty else {
                state.busy = false
                return nil
            }
            return state.queue.removeFirst()
        }
        next?.continuation.resume(returning: .lead)
        switch result {
        case .success(let outcomes):
            for (index, follower) in followers.enumerated() { follower.continuation.resume(returning: .done(outcomes[index + 1])) }
            return outcomes[0]
        case .failure(let error):
            for follower in followers { follower.continuation.resume(throwing: error) }
            throw error
        }
    }
}
