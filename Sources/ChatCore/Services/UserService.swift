/// How the caller stands towards another user, as shown in search results and profiles.
public struct Relationship: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let none = Relationship(rawValue: "none")
    public static let friends = Relationship(rawValue: "friends")
    /// The caller sent a request that is pending.
    public static let outgoingRequest = Relationship(rawValue: "outgoing_request")
    /// The other user sent the caller a request that is pending.
    public static let incomingRequest = Relationship(rawValue: "incoming_request")
    /// The caller blocks the other user.
    public static let blocked = Relationship(rawValue: "blocked")

    /// The relationship a friendship row implies for `caller`.
    public init(_ friendship: Friendship?, caller: UserID) {
        switch friendship?.status {
        case .accepted?: self = .friends
        case .pending? where friendship?.requester == caller: self = .outgoingRequest
        case .pending?: self = .incomingRequest
        default: self = .none
        }
    }
}

/// Changes to the caller's own profile; nil leaves a field unchanged.
public struct ProfileChanges: Hashable, Sendable {
    public var username: String?
    public var displayName: String??
    public var avatarURL: String??

    public init(username: String? = nil, displayName: String?? = nil, avatarURL: String?? = nil) {
        self.username = username
        self.displayName = displayName
        self.avatarURL = avatarURL
    }
}

/// Accounts and user search.
public struct UserService: Sendable {
    let users: any UserStore
    let friendships: any FriendshipStore
    let events: any EventBus
    let ids: IdentifierGenerator
    let clock: ChatClock
    let limits: ChatLimits

    public init(
        users: any UserStore,
        friendships: any FriendshipStore,
        events: any EventBus,
        ids: IdentifierGenerator,
        clock: ChatClock = .system,
        limits: ChatLimits = .init()
    ) {
        self.users = users
        self.friendships = friendships
        self.events = events
        self.ids = ids
        self.clock = clock
        self.limits = limits
    }

    /// Creates an account after validating every field. `id` is given for accounts whose id comes from elsewhere
    /// (Firebase uids); otherwise a new one is made.
    public func createUser(
        id: UserID? = nil,
        username: String,
        email: String,
        displayName: String? = nil,
        avatarURL: String? = nil,
        passwordHash: String? = nil
    ) async throws -> User {
        try UserValidation.validateUsername(username)
        let email = try UserValidation.normalizedEmail(email)
        try UserValidation.validateDisplayName(displayName)
        try UserValidation.validateAvatarURL(avatarURL)
        let now = clock.now()
        let user = User(
            id: id ?? ids.nextUserID(),
            username: username,
            email: email,
            displayName: displayName,
            avatarURL: avatarURL,
            createdAt: now,
            updatedAt: now
        )
        try await users.insert(user, passwordHash: passwordHash)
        return user
    }

    public func user(_ id: UserID) async throws -> User {
        guard let user = try await users.user(id: id) else { throw ChatError.notFound("user not found") }
        return user
    }

    /// The user, or nil when there is none.
    public func userIfExists(_ id: UserID) async throws -> User? {
        try await users.user(id: id)
    }

    public func updateProfile(of id: UserID, _ changes: ProfileChanges) async throws -> User {
        var user = try await user(id)
        if let username = changes.username {
            try UserValidation.validateUsername(username)
            user.username = username
        }
        if let displayName = changes.displayName {
            try UserValidation.validateDisplayName(displayName)
            user.displayName = displayName
        }
        if let avatarURL = changes.avatarURL {
            try UserValidation.validateAvatarURL(avatarURL)
            user.avatarURL = avatarURL
        }
        user.updatedAt = clock.now()
        try await users.update(user)
        await events.announce(.userUpdated(user))
        return user
    }

    /// Searches users for `caller`, each hit with the caller's relationship to it.
    public func search(
        caller: UserID,
        query: String,
        after cursor: UserSearchCursor?,
        limit: Int
    ) async throws -> [(hit: UserSearchHit, relationship: Relationship)] {
        let trimmed = query.trimmingSpaces()
        guard !trimmed.isEmpty, trimmed.count <= limits.maxSearchQueryLength else {
            throw ChatError.validation("q must be 1 to \(limits.maxSearchQueryLength) characters", field: "q")
        }
        // Users who block the caller are left out (the caller blocking them still shows, as `blocked`, so it can be
        // undone). Skipped hits are refilled from the next store pages, so a short page still means the end.
        var results: [(hit: UserSearchHit, relationship: Relationship)] = []
        var position = cursor
        for _ in 0..<Self.maxSearchRounds {
            let wanted = limit - results.count
            let hits = try await users.search(trimmed, excluding: caller, after: position, limit: wanted)
            let ids = hits.map(\.user.id)
            let rows = try await friendships.friendships(of: caller, with: ids)
            let eitherWay = try await friendships.blockedPeers(of: caller, among: ids)
            let byCaller = eitherWay.isEmpty ? [] : Set(try await friendships.blocks(by: caller).map(\.blocked))
            for hit in hits {
                if byCaller.contains(hit.user.id) {
                    results.append((hit, .blocked))
                } else if !eitherWay.contains(hit.user.id) {
                    results.append((hit, Relationship(rows[hit.user.id], caller: caller)))
                }
            }
            guard hits.count == wanted, results.count < limit, let last = hits.last else { break }
            position = last.cursor
        }
        return results
    }

    /// How many store pages one search may read to fill a page around users who block the caller.
    static let maxSearchRounds = 5
}

extension String {
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[start...end])
    }
}
