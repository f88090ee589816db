/// How a transaction that the database aborted as a deadlock victim or a serialization failure runs again.
///
/// Such an abort is the database's way to resolve two transactions that collided, and running the loser again is the
/// expected answer. InnoDB picks victims among concurrent inserts into one unique index (the idempotency key of
/// messages), so with many senders in one conversation a transaction can lose several times in a row: it gets
/// `maximumAttempts` tries, and before each new try it pauses for a random time up to a bound that doubles from
/// `firstPause` to `longestPause`, so that the transactions that collided do not meet again in lockstep.
struct TransactionRetry: Sendable {
    var maximumAttempts: Int
    var firstPause: Duration
    var longestPause: Duration

    /// Eight attempts, pausing at most 2, 4, 8, … ms and never more than 100 ms: at most about half a second in all.
    static let standard = TransactionRetry(maximumAttempts: 8, firstPause: .milliseconds(2), longestPause: .milliseconds(100))

    /// Runs `body`, running it again while it fails with an error that `isRetryable` accepts and attempts remain; the
    /// last error is thrown as it is.
    func run<R>(isRetryable: (any Error) -> Bool = SQLFlavor.isRetryable, _ body: () async throws -> R) async throws -> R {
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch  where attempt < maximumAttempts && isRetryable(error) {
                try await Task.sleep(for: pause(before: attempt + 1))
                attempt += 1
            }
        }
    }

    /// A random pause before `attempt` (2 or more): between zero and `firstPause` doubled `attempt - 2` times, capped
    /// at `longestPause`.
    func pause(before attempt: Int) -> Duration {
        let doublings = min(max(attempt - 2, 0), 30)
        let bound = min(firstPause * (1 << doublings), longestPause)
        let nanoseconds = bound.components.seconds * 1_000_000_000 + bound.components.attoseconds / 1_000_000_000
        guard nanoseconds > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...nanoseconds))
    }
}
