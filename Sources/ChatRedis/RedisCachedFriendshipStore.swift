import ChatCore
import Logging

/// A `FriendshipStore` that caches the first page of each user's pending friend requests (the inbox and the sent
/// list) in Redis, shared by every node, in front of the real store.
///
/// The first ``pageSize`` requests of each direction are kept as JSON under
/// `<prefix>:cache:friend-requests:<user>:<incoming|outgoing>` (default TTL 1 minute); a first-page call with a limit up
/// to ``pageSize`` is answered from that list. Every row write (`insert`, a successful `update`) replaces the four
/// keys of the pair (both users, both directions) with tombstones after the store has committed. Blocks do not change
/// pending rows by themselves (the service ends a pending request with an `update`). Everything else goes to the store.
/// Redis failures never fail a call.
public struct RedisCachedFriendshipStore<Base: FriendshipStore>: FriendshipStore {
    private let base: Base
    private let keys: RedisKeys
    private let cache: RedisCachedEntries
    /// How many requests per direction are cached; larger pages go to the store.
    public let pageSize: Int

    /// - Parameters:
    ///   - ttl: how long an entry lives without invalidation (default 1 minute).
    ///   - tombstone: how long an invalidated key refuses refills from readers that started before the write (2 s).
    public init(
        base: Base,
        client: RedisClient,
        keys: RedisKeys = RedisKeys(),
        pageSize: Int = 100,
        ttl: Duration = .seconds(60),
        tombstone: Duration = .seconds(2),
        logger: Logger = Logger(label: "chatblizz.redis.cache")
    ) {
        self.base = base
        self.keys = keys
        self.pageSize = pageSize
        self.cache = RedisCachedEntries(
            client: client,
            ttlMilliseconds: ttl.redisMilliseconds,
            tombstoneMilliseconds: tombstone.redisMilliseconds,
            logger: logger
        )
    }

    public func pendingRequests(
        of user: UserID,
        direction: FriendRequestDirection,
        after cursor: FriendshipCursor?,
        limit: Int
    ) async throws -> [Friendship] {
        guard cursor == nil, limit > 0, limit <= self.pageSize else {
            return try await self.base.pendingRequests(of: user, direction: direction, after: cursor, limit: limit)
        }
        let key = self.keys.cachedFriendRequests(user.rawValue, direction: direction.rawValue)
        if let bytes = await self.cache.get([key]).first ?? nil, let rows = RedisCachedEntries.decode([Friendship].self, from: bytes) {
            return Array(rows.prefix(limit))
        }
        let rows = try await self.base.pendingRequests(of: user, direction: direction, after: nil, limit: self.pageSize)
        if let json = RedisCachedEntries.encode(rows) { await self.cache.fill([(key, json)]) }
        return Array(rows.prefix(limit))
    }

    public func insert(_ friendship: Friendship) async throws {
        try await self.base.insert(friendship)
        await self.invalidate(friendship)
    }

    public func update(_ friendship: Friendship, expectedVersion: Int) async throws -> Bool {
        let updated = try await self.base.update(friendship, expectedVersion: expectedVersion)
        if updated { await self.invalidate(friendship) }
        return updated
    }

    private func invalidate(_ friendship: Friendship) async {
        await self.cache.invalidate(
            [friendship.requester, friendship.addressee].flatMap { user in
                FriendRequestDirection.allCases.map { self.keys.cachedFriendRequests(user.rawValue, direction: $0.rawValue) }
            }
        )
    }

    // MARK: Not cached

    public func friendship(between a: UserID, and b: UserID) async throws -> Friendship? {
        try await self.base.friendship(between: a, and: b)
    }

    public func friends(of user: UserID, after cursor: FriendshipCursor?, limit: Int) async throws -> [Friendship] {
        try await self.base.friends(of: user, after: cursor, limit: limit)
    }

    public func changes(for user: UserID, after cursor: ChangeCursor?, limit: Int) async throws -> [Friendship] {
        try await self.base.changes(for: user, after: cursor, limit: limit)
    }

    public func friendships(of user: UserID, with others: [UserID]) async throws -> [UserID: Friendship] {
        try await self.base.friendships(of: user, with: others)
    }

    public func insertBlock(_ block: Block) async throws -> Bool {
        try await self.base.insertBlock(block)
    }

    public func deleteBlock(blocker: UserID, blocked: UserID) async throws -> Bool {
        try await self.base.deleteBlock(blocker: blocker, blocked: blocked)
    }

    public func isBlocked(between a: UserID, and b: UserID) async throws -> Bool {
        try await self.base.isBlocked(between: a, and: b)
    }

    public func blocks(by user: UserID) async throws -> [Block] {
        try await self.base.blocks(by: user)
    }

    public func canMessage(between a: UserID, and b: UserID) async throws -> Bool {
        try await self.base.canMessage(between: a, and: b)
    }

    public func allowedPairs(among pairs: [ConversationID]) async throws -> Set<ConversationID> {
        try await self.base.allowedPairs(among: pairs)
    }

    public func blockedPeers(of user: UserID, among others: [UserID]) async throws -> Set<UserID> {
        try await self.base.blockedPeers(of: user, among: others)
    }
}
