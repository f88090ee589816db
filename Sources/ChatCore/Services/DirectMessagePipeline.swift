import Synchronization

/// The embedded `MessagePipeline`: writes straight to the `MessageStore` with group commit.
///
/// Concurrent submissions are gathered into one `append` call (one transaction) instead of one transaction each. There
/// is no background task: the first submitter to find the pipeline idle becomes the leader, commits its draft together
/// with everything queued meanwhile, answers the followers, and hands leadership to the oldest waiter if more arrived.
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
    }

    private let store: any MessageStore
    private let maxBatchSize: Int
    private let state = Mutex(State())

    public init(store: any MessageStore, maxBatchSize: Int = 512) {
        self.store = store
        self.maxBatchSize = max(1, maxBatchSize)
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
        let followers = state.withLock { state in
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
