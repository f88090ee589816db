import ChatCore
import Logging
import NIOCore

/// A `UserStore` that caches lookups by id and by login in Redis, shared by every node, in front of the real store.
///
/// - `user(id:)` and `users(ids:)` read `<prefix>:cache:user:<id>` (the user as JSON); `user(login:)` maps the
///   lower-cased login to an id (`<prefix>:cache:user-login:<login>`) and checks that the cached user still has that
///   username or email. Misses are read from the store and filled with a TTL (default 5 minutes). Absent users are not
///   cached, so a new user is visible at once.
/// - `insert` and `update` write to the store first, then replace the user's id key and login keys (old and new
///   username and email) with tombstones, on every node at once since the cache is shared.
/// - Password hashes and searches always go to the store.
/// - Redis failures never fail a call: reads fall back to the store; a failed invalidation is logged and the stale
///   entry lives until its TTL.
public struct RedisCachedUserStore<Base: UserStore>: UserStore {
    private let base: Base
    private let keys: RedisKeys
    private let cache: RedisCachedEntries

    /// - Parameters:
    ///   - ttl: how long an entry lives without invalidation (default 5 minutes).
    ///   - tombstone: how long an invalidated key refuses refills from readers that started before the write (2 s).
    public init(
        base: Base,
        client: RedisClient,
        keys: RedisKeys = RedisKeys(),
        ttl: Duration = .seconds(300),
        tombstone: Duration = .seconds(2),
        logger: Logger = Logger(label: "chatblizz.redis.cache")
    ) {
        self.base = base
        self.keys = keys
        self.cache = RedisCachedEntries(
            client: client,
            ttlMilliseconds: ttl.redisMilliseconds,
            tombstoneMilliseconds: tombstone.redisMilliseconds,
            logger: logger
        )
    }

    public func insert(_ user: User, passwordHash: String?) async throws {
        try await self.base.insert(user, passwordHash: passwordHash)
        await self.cache.invalidate(self.keys(of: user))
    }

    public func user(id: UserID) async throws -> User? {
        try await self.users(ids: [id]).first
    }

    public func users(ids: [UserID]) async throws -> [User] {
        let unique = Array(Set(ids))
        let cached = await self.cache.get(unique.map { self.keys.cachedUser($0.rawValue) })
        var found: [User] = []
        var missing: [UserID] = []
        for (id, bytes) in zip(unique, cached) {
            if let bytes, let user = RedisCachedEntries.decode(User.self, from: bytes), user.id == id {
                found.append(user)
            } else {
                missing.append(id)
            }
        }
        guard !missing.isEmpty else { return found }
        let loaded = try await self.base.users(ids: missing)
        await self.cache.fill(loaded.compactMap { user in RedisCachedEntries.encode(user).map { (self.keys.cachedUser(user.id.rawValue), $0) } })
        return found + loaded
    }

    public func user(login: String) async throws -> User? {
        let key = login.lowercased()
        if let bytes = await self.cache.get([self.keys.cachedUserLogin(key)]).first ?? nil {
            let id = UserID(String(buffer: bytes))
            if let user = try await self.user(id: id), user.usernameKey == key || user.email.lowercased() == key {
                return user
            }
        }
        guard let user = try await self.base.user(login: login) else { return nil }
        var entries = [(key: self.keys.cachedUserLogin(key), value: ByteBuffer(string: user.id.rawValue))]
        if let json = RedisCachedEntries.encode(user) { entries.append((self.keys.cachedUser(user.id.rawValue), json)) }
        await self.cache.fill(entries)
        return user
    }

    public func passwordHash(for id: UserID) async throws -> String? {
        try await self.base.passwordHash(for: id)
    }

    public func update(_ user: User) async throws {
        let previous = try await self.base.user(id: user.id)
        try await self.base.update(user)
        await self.cache.invalidate(self.keys(of: user) + (previous.map { self.keys(of: $0) } ?? []))
    }

    public func search(_ query: String, excluding: UserID, after cursor: UserSearchCursor?, limit: Int) async throws -> [UserSearchHit] {
        try await self.base.search(query, excluding: excluding, after: cursor, limit: limit)
    }

    private func keys(of user: User) -> [String] {
        [
            self.keys.cachedUser(user.id.rawValue),
            self.keys.cachedUserLogin(user.usernameKey),
            self.keys.cachedUserLogin(user.email.lowercased()),
        ]
    }
}

extension Duration {
    /// Whole milliseconds, at least 1 (Redis refuses a zero `PX`).
    var redisMilliseconds: Int64 {
        max(1, self.components.seconds * 1000 + self.components.attoseconds / 1_000_000_000_000_000)
    }
}
