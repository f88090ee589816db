/// Friend requests, friendships and blocks.
public struct FriendshipService: Sendable {
    let friendships: any FriendshipStore
    let users: any UserStore
    let events: any EventBus
    let clock: ChatClock
    /// Reused "allowed" answers of ``canMessage(_:_:)``; `nil` checks the store every time.
    let permissions: MessagingPermissionCache?

    public init(
        friendships: any FriendshipStore,
        users: any UserStore,
        events: any EventBus,
        clock: ChatClock = .system,
        permissions: MessagingPermissionCache? = nil
    ) {
        self.friendships = friendships
        self.users = users
        self.events = events
        self.clock = clock
        self.permissions = permissions
    }

    /// Sends a request; if the other user already asked, this accepts theirs instead.
    @discardableResult
    public func sendRequest(from caller: UserID, to other: UserID) async throws -> Friendship {
        guard caller != other else { throw ChatError.validation("you cannot befriend yourself", field: "userId") }
        guard try await users.user(id: other) != nil else { throw ChatError.notFound("user not found") }
        if try await friendships.isBlocked(between: caller, and: other) {
            throw ChatError.forbidden("friend requests between these users are blocked")
        }
        return try await apply(.request, actor: caller, other: other)
    }

    @discardableResult
    public func accept(_ caller: UserID, requestFrom other: UserID) async throws -> Friendship {
        try await apply(.accept, actor: caller, other: other)
    }

    @discardableResult
    public func reject(_ caller: UserID, requestFrom other: UserID) async throws -> Friendship {
        try await apply(.reject, actor: caller, other: other)
    }

    @discardableResult
    public func cancel(_ caller: UserID, requestTo other: UserID) async throws -> Friendship {
        try await apply(.cancel, actor: caller, other: other)
    }

    @discardableResult
    public func unfriend(_ caller: UserID, _ other: UserID) async throws -> Friendship {
        try await apply(.unfriend, actor: caller, other: other)
    }

    /// Blocks `other`: ends any friendship or pending request and stops requests and messages both ways.
    public func block(_ caller: UserID, _ other: UserID) async throws {
        guard caller != other else { throw ChatError.validation("you cannot block yourself", field: "userId") }
        guard try await users.user(id: other) != nil else { throw ChatError.notFound("user not found") }
        let now = clock.now()
        guard try await friendships.insertBlock(Block(blocker: caller, blocked: other, createdAt: now)) else {
            throw ChatError.conflict("this user is already blocked")
        }
        permissions?.invalidate(ConversationID(caller, other))
        for _ in 0..<8 {
            guard let row = try await friendships.friendship(between: caller, and: other),
                row.status == .pending || row.status == .accepted
            else { return }
            let ended = row.changed(to: row.status == .accepted ? .removed : .cancelled, at: now)
            if try await friendships.update(ended, expectedVersion: row.version) {
                permissions?.invalidate(ended.pairKey)
                await events.announce(row.status == .accepted ? .friendRemoved(ended) : .friendRequestCancelled(ended))
                return
            }
        }
        throw ChatError(.conflict, "the friendship changed concurrently; try again")
    }

    public func unblock(_ caller: UserID, _ other: UserID) async throws {
        guard try await friendships.deleteBlock(blocker: caller, blocked: other) else {
            throw ChatError.notFound("this user is not blocked")
        }
        permissions?.invalidate(ConversationID(caller, other))
    }

    public func friends(of caller: UserID, after cursor: FriendshipCursor?, limit: Int) async throws -> [Friendship] {
        try await friendships.friends(of: caller, after: cursor, limit: limit)
    }

    public func requests(
        of caller: UserID,
        direction: FriendRequestDirection,
        after cursor: FriendshipCursor?,
        limit: Int
    ) async throws -> [Friendship] {
        try await friendships.pendingRequests(of: caller, direction: direction, after: cursor, limit: limit)
    }

    public func blocks(of caller: UserID) async throws -> [Block] {
        try await friendships.blocks(by: caller)
    }

    /// Forgets the cached permission of the pair: called for every friendship change announced on the event bus, so a
    /// change made on another node applies here as soon as its event arrives.
    public func forgetPermission(of friendship: Friendship) {
        permissions?.invalidate(friendship.pairKey)
    }

    /// Whether the two may exchange messages: friends, and neither blocks the other.
    public func canMessage(_ a: UserID, _ b: UserID) async throws -> Bool {
        guard let permissions else { return try await friendships.canMessage(between: a, and: b) }
        let pair = ConversationID(a, b)
        let now = ContinuousClock.now
        let cached = permissions.lookup(pair, now: now)
        if cached.allowed { return true }
        let allowed = try await friendships.canMessage(between: a, and: b)
        if allowed { permissions.remember(pair, generation: cached.generation, now: now) }
        return allowed
    }

    /// Re-checks, in one store query, up to `limit` cached permissions that were used after `refreshAfter` (see
    /// ``MessagingPermissionCache``). Returns how many pairs it checked: 0 when none was due or there is no cache.
    @discardableResult
    public func refreshDuePermissions(limit: Int = 500) async throws -> Int {
        guard let permissions else { return 0 }
        let (pairs, generation) = permissions.takeDue(limit: limit)
        guard !pairs.isEmpty else { return 0 }
        let startedAt = ContinuousClock.now
        do {
            let allowed = try await friendships.allowedPairs(among: pairs)
            permissions.refreshed(pairs, allowed: allowed, generation: generation, checkedAt: startedAt)
        } catch {
            permissions.refreshFailed(pairs)
            throw error
        }
        return pairs.count
    }

    /// Wakes whenever cached permissions become due for a re-check; `nil` when there is no cache.
    public var permissionRefreshRequests: AsyncStream<Void>? { permissions?.refreshRequests }

    private func apply(_ action: FriendshipAction, actor: UserID, other: UserID) async throws -> Friendship {
        // Optimistic concurrency: re-read and retry when another request changed the row in between.
        for _ in 0..<8 {
            let current = try await friendships.friendship(between: actor, and: other)
            let transition = try Friendship.transition(current: current, actor: actor, other: other, action: action, at: clock.now())
            switch transition {
            case .insert(let row):
                do {
                    try await friendships.insert(row)
                } catch let error as ChatError where error.code == .conflict {
                    continue
                }
                permissions?.invalidate(row.pairKey)
                await events.announce(.friendRequest(row))
                return row
            case .update(let row):
                guard let current, try await friendships.update(row, expectedVersion: current.version) else { continue }
                permissions?.invalidate(row.pairKey)
                await events.announce(Self.event(for: row, after: action))
                return row
            }
        }
        throw ChatError(.conflict, "the friendship changed concurrently; try again")
    }

    private static func event(for row: Friendship, after action: FriendshipAction) -> DomainEvent {
        switch row.status {
        case .accepted: return .friendRequestAccepted(row)
        case .rejected: return .friendRequestRejected(row)
        case .cancelled: return .friendRequestCancelled(row)
        case .removed: return .friendRemoved(row)
        default: return .friendRequest(row)
        }
    }
}
