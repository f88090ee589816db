/// An in-memory `FriendshipStore`.
public actor MemoryFriendshipStore: FriendshipStore {
    private var rows: [ConversationID: Friendship] = [:]
    private var blockRows: [Block] = []

    public init() {}

    public func friendship(between a: UserID, and b: UserID) -> Friendship? { rows[ConversationID(a, b)] }

    public func insert(_ friendship: Friendship) throws {
        guard rows[friendship.pairKey] == nil else { throw ChatError.conflict("the pair already has a friendship") }
        rows[friendship.pairKey] = friendship
    }

    public func update(_ friendship: Friendship, expectedVersion: Int) -> Bool {
        guard let current = rows[friendship.pairKey], current.version == expectedVersion else { return false }
        rows[friendship.pairKey] = friendship
        return true
    }

    public func friends(of user: UserID, after cursor: FriendshipCursor?, limit: Int) -> [Friendship] {
        page(rows.values.filter { $0.status == .accepted && $0.involves(user) }, after: cursor, limit: limit)
    }

    public func pendingRequests(of user: UserID, direction: FriendRequestDirection, after cursor: FriendshipCursor?, limit: Int) -> [Friendship] {
        let matching = rows.values.filter { row in
            row.status == .pending && (direction == .incoming ? row.addressee == user : row.requester == user)
        }
        return page(matching, after: cursor, limit: limit)
    }

    public func changes(for user: UserID, after cursor: ChangeCursor?, limit: Int) -> [Friendship] {
        rows.values
            .filter { $0.involves(user) && cursor.map($0.changeCursor.isAfter) ?? true }
            .sorted { $0.changeCursor < $1.changeCursor }
            .prefix(max(limit, 0))
            .map { $0 }
    }

    public func friendships(of user: UserID, with others: [UserID]) -> [UserID: Friendship] {
        var result: [UserID: Friendship] = [:]
        for other in others { result[other] = rows[ConversationID(user, other)] }
        return result
    }

    public func insertBlock(_ block: Block) -> Bool {
        guard !blockRows.contains(where: { $0.blocker == block.blocker && $0.blocked == block.blocked }) else { return false }
        blockRows.append(block)
        return true
    }

    public func deleteBlock(blocker: UserID, blocked: UserID) -> Bool {
        let before = blockRows.count
        blockRows.removeAll { $0.blocker == blocker && $0.blocked == blocked }
        return blockRows.count != before
    }

    public func isBlocked(between a: UserID, and b: UserID) -> Bool {
        blockRows.contains { ($0.blocker == a && $0.blocked == b) || ($0.blocker == b && $0.blocked == a) }
    }

    public func allowedPairs(among pairs: [ConversationID]) -> Set<ConversationID> {
        Set(
            pairs.filter { pair in
                guard let row = rows[pair], row.status == .accepted else { return false }
                return !isBlocked(between: row.requester, and: row.addressee)
            }
        )
    }

    public func blockedPeers(of user: UserID, among others: [UserID]) -> Set<UserID> {
        let peers = Set(others)
        var blocked: Set<UserID> = []
        for row in blockRows {
            if row.blocker == user, peers.contains(row.blocked) { blocked.insert(row.blocked) }
            if row.blocked == user, peers.contains(row.blocker) { blocked.insert(row.blocker) }
        }
        return blocked
    }

    public func blocks(by user: UserID) -> [Block] {
        blockRows.filter { $0.blocker == user }.sorted { ($0.createdAt, $0.blocked) > ($1.createdAt, $1.blocked) }
    }

    private func page(_ rows: [Friendship], after cursor: FriendshipCursor?, limit: Int) -> [Friendship] {
        func key(_ row: Friendship) -> (Int64, String) { (row.updatedAt.milliseconds, row.pairKey.rawValue) }
        let bound = cursor.map { ($0.updatedAt.milliseconds, $0.pairKey) }
        return
            rows
            .filter { row in bound.map { key(row) < $0 } ?? true }
            .sorted { key($0) > key($1) }
            .prefix(limit)
            .map { $0 }
    }
}
