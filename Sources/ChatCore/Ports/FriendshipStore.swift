/// Friendships and blocks. The domain's `FriendshipService` decides the transitions; the store keeps one row per pair
/// and applies changes with optimistic concurrency so two racing requests cannot both win.
public protocol FriendshipStore: Sendable {
    func friendship(between a: UserID, and b: UserID) async throws -> Friendship?
    /// Inserts a new pair. Throws `.conflict` when the pair already has a row.
    func insert(_ friendship: Friendship) async throws
    /// Replaces the pair's row if its stored version is still `expectedVersion`; returns false otherwise.
    func update(_ friendship: Friendship, expectedVersion: Int) async throws -> Bool
    /// The user's accepted friendships, newest change first.
    func friends(of user: UserID, after cursor: FriendshipCursor?, limit: Int) async throws -> [Friendship]
    /// Pending requests to (`incoming`) or from (`outgoing`) the user, newest first.
    func pendingRequests(
        of user: UserID,
        direction: FriendRequestDirection,
        after cursor: FriendshipCursor?,
        limit: Int
    ) async throws -> [Friendship]
    /// The user's friendship rows changed after `cursor` (all when nil), in `(updatedAt, pairKey)` order, for sync.
    func changes(for user: UserID, after cursor: ChangeCursor?, limit: Int) async throws -> [Friendship]
    /// The status of the user's friendship with each of `others` that has a row.
    func friendships(of user: UserID, with others: [UserID]) async throws -> [UserID: Friendship]
    /// Adds a block; returns false if it already existed.
    func insertBlock(_ block: Block) async throws -> Bool
    /// Removes a block; returns false if there was none.
    func deleteBlock(blocker: UserID, blocked: UserID) async throws -> Bool
    /// Whether either user blocks the other.
    func isBlocked(between a: UserID, and b: UserID) async throws -> Bool
    /// The blocks the user made, newest first.
    func blocks(by user: UserID) async throws -> [Block]
    /// Which of `others` have a block with `user`, in either direction.
    func blockedPeers(of user: UserID, among others: [UserID]) async throws -> Set<UserID>
    /// Whether the two users are accepted friends and neither blocks the other: the check before every message.
    func canMessage(between a: UserID, and b: UserID) async throws -> Bool
    /// Which of the pairs may message: ``canMessage(between:and:)`` for many pairs at once (at most 1,000).
    func allowedPairs(among pairs: [ConversationID]) async throws -> Set<ConversationID>
}

extension FriendshipStore {
    /// One ``isBlocked(between:and:)`` per peer; stores override it with a single query.
    public func blockedPeers(of user: UserID, among others: [UserID]) async throws -> Set<UserID> {
        var blocked: Set<UserID> = []
        for other in others where try await isBlocked(between: user, and: other) { blocked.insert(other) }
        return blocked
    }

    /// ``friendship(between:and:)`` then ``isBlocked(between:and:)``; SQL stores answer it with one query.
    public func canMessage(between a: UserID, and b: UserID) async throws -> Bool {
        guard let row = try await friendship(between: a, and: b), row.status == .accepted else { return false }
        return try await !isBlocked(between: a, and: b)
    }
}
