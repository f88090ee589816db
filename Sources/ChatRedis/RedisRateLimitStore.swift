import ChatCore

/// The Redis ``RateLimitStore``: one counter per key (`<prefix>:rate-limit:<key>`), incremented and given its window as
/// a TTL in one Lua script, so every node counts into the same window atomically. The window starts with the first
/// hit, as in `MemoryRateLimitStore`; Redis expires it (the `now` argument is not used: Redis's clock decides).
public struct RedisRateLimitStore: RateLimitStore {
    private let client: RedisClient
    private let keys: RedisKeys

    public init(client: RedisClient, keys: RedisKeys = RedisKeys()) {
        self.client = client
        self.keys = keys
    }

    /// - Throws: ``RedisError`` when Redis cannot be reached; callers decide whether to fail open.
    public func hit(_ key: String, windowMilliseconds: Int64, now: Timestamp) async throws -> Int {
        let reply = try await Self.hitScript.run(
            on: client,
            keys: [keys.rateLimit(key)],
            arguments: [String(max(1, windowMilliseconds))]
        )
        guard let count = reply.int64 else { throw RedisError.unexpectedReply(reply) }
        return Int(count)
    }

    /// INCR, and a TTL when the key is new (or lost its TTL): the window.
    static let hitScript = RedisScript(
        """
        local count = redis.call('INCR', KEYS[1])
        if count == 1 or redis.call('PTTL', KEYS[1]) < 0 then
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
        end
        return count
        """
    )
}

extension RedisKeys {
    /// A rate-limit counter with its window as TTL: `chatblizz:rate-limit:<key>` (for example `login:<address>`).
    public func rateLimit(_ key: String) -> String { "\(prefix):rate-limit:\(key)" }
}
