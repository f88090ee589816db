/// Where a device left off in its user's change feeds.
public struct SyncCursor: Hashable, Sendable, Codable {
    public var messages: ChangeCursor?
    public var friendships: ChangeCursor?

    public init(messages: ChangeCursor? = nil, friendships: ChangeCursor? = nil) {
        self.messages = messages
        self.friendships = friendships
    }
}

/// One page of what a device missed: messages (new, edited, deleted, delivered, read) and friendship changes, each in
/// change order. Items are upserts: apply them by id.
public struct SyncPage: Hashable, Sendable {
    public var messages: [Message]
    public var friendships: [Friendship]
    /// Pass this back to continue.
    public var cursor: SyncCursor
    /// More changes are waiting: call again with `cursor` right away.
    public var hasMore: Bool

    public init(messages: [Message], friendships: [Friendship], cursor: SyncCursor, hasMore: Bool) {
        self.messages = messages
        self.friendships = friendships
        self.cursor = cursor
        self.hasMore = hasMore
    }
}

/// Catch-up for devices that were away: everything that changed for a user since a cursor.
///
/// Changes are ordered by their `updatedAt`, which is taken before the write commits, so a change committing late could
/// carry a time just behind a cursor a device already holds. The cursor therefore never passes "now minus the settling
/// window": the newest few seconds are returned again on the next call, and devices apply items by id.
public struct SyncService: Sendable {
    let messages: any MessageStore
    let friendships: any FriendshipStore
    let clock: ChatClock
    let settlingWindowMilliseconds: Int64

    public init(
        messages: any MessageStore,
        friendships: any FriendshipStore,
        clock: ChatClock = .system,
        settlingWindowMilliseconds: Int64 = 5_000
    ) {
        self.messages = messages
        self.friendships = friendships
        self.clock = clock
        self.settlingWindowMilliseconds = settlingWindowMilliseconds
    }

    public func sync(_ user: UserID, after cursor: SyncCursor, limit: Int) async throws -> SyncPage {
        let limit = max(1, limit)
        async let messagePage = messages.changes(for: user, after: cursor.messages, limit: limit)
        async let friendshipPage = friendships.changes(for: user, after: cursor.friendships, limit: limit)
        let (changedMessages, changedFriendships) = try await (messagePage, friendshipPage)
        let settled = ChangeCursor(updatedAt: clock.now().adding(milliseconds: -settlingWindowMilliseconds), id: "")
        // A full page continues exactly after its last item, so paging always makes progress. A short page means the
        // device has caught up: its cursor steps back to the settling bound so the next call looks at the newest few
        // seconds again.
        func advance(_ previous: ChangeCursor?, _ last: ChangeCursor?, full: Bool) -> ChangeCursor? {
            if full, let last { return last }
            guard let reached = last ?? previous else { return nil }
            return min(reached, settled)
        }
        return SyncPage(
            messages: changedMessages,
            friendships: changedFriendships,
            cursor: SyncCursor(
                messages: advance(cursor.messages, changedMessages.last?.changeCursor, full: changedMessages.count == limit),
                friendships: advance(cursor.friendships, changedFriendships.last?.changeCursor, full: changedFriendships.count == limit)
            ),
            hasMore: changedMessages.count == limit || changedFriendships.count == limit
        )
    }
}
