import Foundation
import Logging
import NIOCore

/// The shared mechanics of the Redis read-through caches (``RedisCachedUserStore``, ``RedisCachedFriendshipStore``).
///
/// Invalidation writes a short-lived tombstone (`-`) instead of deleting, and fills use `SET … NX`: a reader on another
/// node that fetched the old value from the database just before a write cannot put it back into the cache while the
/// tombstone lives. Every call is best effort: a Redis failure is reported as a miss (logged at debug: the client
/// already warns about the lost connection), so a cache never makes a request fail. Failed invalidations log errors.
struct RedisCachedEntries: Sendable {
    let client: RedisClient
    let ttlMilliseconds: Int64
    let tombstoneMilliseconds: Int64
    let logger: Logger

    static let tombstone = "-"

    /// Values of `keys` in order; nil for a miss, a tombstone, or when Redis fails.
    func get(_ keys: [String]) async -> [ByteBuffer?] {
        guard !keys.isEmpty else { return [] }
        do {
            let reply = try await self.client.send(RedisCommand("MGET", keys))
            let values = reply.elements ?? []
            return keys.indices.map { index in
                guard index < values.count, let bytes = values[index].bytes, bytes.readableBytes > 0,
                    bytes.getString(at: bytes.readerIndex, length: bytes.readableBytes) != Self.tombstone
                else { return nil }
                return bytes
            }
        } catch {
            self.logger.debug("Cache read failed; using the database", metadata: ["error": "\(error)"])
            return keys.map { _ in nil }
        }
    }

    /// Stores values unless a key holds a value or a tombstone already.
    func fill(_ entries: [(key: String, value: ByteBuffer)]) async {
        guard !entries.isEmpty else { return }
        do {
            _ = try await Self.fillScript.run(
                on: self.client,
                keys: entries.map(\.key),
                arguments: [String(self.ttlMilliseconds)] + entries.map { String(buffer: $0.value) }
            )
        } catch {
            self.logger.debug("Cache fill failed", metadata: ["error": "\(error)"])
        }
    }

    /// Replaces keys with tombstones. Failure is logged: the entries then live until their TTL.
    func invalidate(_ keys: [String]) async {
        guard !keys.isEmpty else { return }
        do {
            _ = try await Self.invalidateScript.run(on: self.client, keys: keys, arguments: [String(self.tombstoneMilliseconds)])
        } catch {
            self.logger.error(
                "Cache invalidation failed; stale entries live until their TTL",
                metadata: ["error": "\(error)", "redis.keys": "\(keys)"]
            )
        }
    }

    /// `SET key value PX ttl NX` for every key: ARGV[1] the TTL, ARGV[i + 1] the value of KEYS[i].
    static let fillScript = RedisScript(
        """
        for i, key in ipairs(KEYS) do
            redis.call('SET', key, ARGV[i + 1], 'PX', ARGV[1], 'NX')
        end
        return #KEYS
        """
    )

    /// A tombstone with a short TTL on every key.
    static let invalidateScript = RedisScript(
        """
        for _, key in ipairs(KEYS) do
            redis.call('SET', key, '-', 'PX', ARGV[1])
        end
        return #KEYS
        """
    )

    static func encode(_ value: some Encodable) -> ByteBuffer? {
        guard let data = try? JSONEncoder().encode(value) else { return nil }
        return ByteBuffer(bytes: data)
    }

    static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) -> T? {
        try? JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
    }
}

extension RedisKeys {
    /// A cached user, JSON: `chatblizz:cache:user:<id>`.
    public func cachedUser(_ id: String) -> String { "\(prefix):cache:user:\(id)" }

    /// The id of the user whose username or email (lower-cased) is `login`: `chatblizz:cache:user-login:<login>`.
    public func cachedUserLogin(_ login: String) -> String { "\(prefix):cache:user-login:\(login)" }

    /// The first page of a user's pending friend requests in one direction, JSON:
    /// `chatblizz:cache:friend-requests:<user>:<incoming|outgoing>`.
    public func cachedFriendRequests(_ user: String, direction: String) -> String {
        "\(prefix):cache:friend-requests:\(user):\(direction)"
    }
}
