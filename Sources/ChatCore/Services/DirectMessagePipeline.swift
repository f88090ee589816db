/// The embedded `MessagePipeline`: writes straight to the `MessageStore` with group commit (`GroupCommit`).
///
/// Concurrent submissions are gathered into one `append` call (one transaction) instead of one transaction each.
/// A commit costs far more than a row (on SQLite ~350 µs of CPU for a batch of one against ~40 µs a message in a batch
/// of 64), so commits are also spaced at least `minimumCommitInterval` apart: under light load commits are further
/// apart than that and nothing waits; under heavy load the batches grow instead of the commits multiplying.
public final class DirectMessagePipeline: MessagePipeline {
    private let batches: GroupCommit<MessageDraft, AppendOutcome>

    /// - Parameters:
    ///   - maxBatchSize: the most drafts in one `append`.
    ///   - minimumCommitInterval: the least time between the starts of two commits (zero: commit at once).
    public init(store: any MessageStore, maxBatchSize: Int = 512, minimumCommitInterval: Duration = .zero) {
        self.batches = GroupCommit(maxBatchSize: maxBatchSize, minimumCommitInterval: minimumCommitInterval) { drafts in
            try await store.append(drafts)
        }
    }

    public func submit(_ draft: MessageDraft, origin: String?) async throws -> AppendOutcome {
        try await batches.submit(draft)
    }
}
