/// Counters for rate limits. A key's fixed window starts with its first hit and lasts `windowMilliseconds`; a hit in a
/// later window starts a new one. Shared implementations (Redis) make a budget hold across every node.
public protocol RateLimitStore: Sendable {
    /// Counts one hit for `key` and returns the number of hits in the key's current window, this one included.
    func hit(_ key: String, windowMilliseconds: Int64, now: Timestamp) async throws -> Int
}
