import Synchronization

/// Gathers concurrent submissions into batches for one `commit` call each: group commit.
///
/// There is no background task: the first submitter to find it idle becomes the leader, commits its input together with
/// everything queued meanwhile, answers the followers, and hands leadership to the oldest waiter if more arrived.
/// Commits are also spaced at least `minimumCommitInterval` apart: a leader that comes sooner after the previous commit
/// waits out the rest of the interval, gathering what arrives meanwhile. Under light load commits are further apart
/// than that and nothing waits; under heavy load the batches grow instead of the commits multiplying.
public final class GroupCommit<Input: Sendable, Output: Sendable>: Sendable {
    private enum Wakeup: Sendable {
        case done(Output)
        /// The waiter must lead the next batch.
        case lead
    }

    private struct Waiter {
        var input: Input
        var continuation: CheckedContinuation<Wakeup, any Error>
    }

    private struct State {
        var busy = false
        var queue: [Waiter] = []
        /// When the last commit started.
        var lastCommit: ContinuousClock.Instant?
    }

    private let commit: @Sendable ([Input]) async throws -> [Output]
    private let maxBatchSize: Int
    private let minimumCommitInterval: Duration
    private let state = Mutex(State())

    /// - Parameters:
    ///   - maxBatchSize: the most inputs in one `commit`.
    ///   - minimumCommitInterval: the least time between the starts of two commits (zero: commit at once).
    ///   - commit: commits a batch and returns one output per input, in order; a throw fails the whole batch.
    public init(
        maxBatchSize: Int = 512,
        minimumCommitInterval: Duration = .zero,
        commit: @escaping @Sendable ([Input]) async throws -> [Output]
    ) {
        self.commit = commit
        self.maxBatchSize = max(1, maxBatchSize)
        self.minimumCommitInterval = max(minimumCommitInterval, .zero)
    }

    /// Commits `input` with whatever else is submitted meanwhile; returns its output once its batch is committed.
    public func submit(_ input: Input) async throws -> Output {
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
                    state.queue.append(Waiter(input: input, continuation: continuation))
                    return true
                }
                if !queued { continuation.resume(returning: Wakeup.lead) }
            }
            if case .done(let output) = wakeup { return output }
        }
        return try await lead(input)
    }

    /// Commits `input` and the queued inputs as one batch, then passes leadership on.
    private func lead(_ input: Input) async throws -> Output {
        if minimumCommitInterval > .zero {
            let (last, queued) = state.withLock { ($0.lastCommit, $0.queue.count) }
            if let last, queued < maxBatchSize - 1, ContinuousClock.now < last + minimumCommitInterval {
                // Cancellation only cuts the wait short; the input is committed regardless.
                try? await Task.sleep(until: last + minimumCommitInterval, tolerance: minimumCommitInterval / 4, clock: .continuous)
            }
        }
        let followers = state.withLock { state in
            state.lastCommit = .now
            let count = min(state.queue.count, maxBatchSize - 1)
            defer { state.queue.removeFirst(count) }
            return Array(state.queue.prefix(count))
        }
        let result: Result<[Output], any Error>
        do {
            let outputs = try await commit([input] + followers.map(\.input))
            guard outputs.count == followers.count + 1 else {
                throw ChatError(.internalError, "a group commit returned \(outputs.count) results for \(followers.count + 1) inputs")
            }
            result = .success(outputs)
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
        case .success(let outputs):
            for (index, follower) in followers.enumerated() { follower.continuation.resume(returning: .done(outputs[index + 1])) }
            return outputs[0]
        case .failure(let error):
            for follower in followers { follower.continuation.resume(throwing: error) }
            throw error
        }
    }
}
