/// An account.
public struct User: Hashable, Sendable, Codable {
    public var id: UserID
    /// Unique case-insensitively; shown to other users.
    public var username: String
    /// Unique case-insensitively; stored lower-cased.
    public var email: String
    public var displayName: String?
    public var avatarURL: String?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: UserID,
        username: String,
        email: String,
        displayName: String? = nil,
        avatarURL: String? = nil,
        createdAt: Timestamp,
        updatedAt: Timestamp
    ) {
        self.id = id
        self.username = username
        self.email = email
        self.displayName = displayName
        self.avatarURL = avatarURL
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The key uniqueness and search use for the username.
    public var usernameKey: String { username.lowercased() }
}

/// A keyset cursor into user search results, ordered by `(rank, usernameKey, id)` where rank 0 is a prefix match.
public struct UserSearchCursor: Hashable, Sendable, Codable {
    public var rank: Int
    public var usernameKey: String
    public var id: UserID

    public init(rank: Int, usernameKey: String, id: UserID) {
        self.rank = rank
        self.usernameKey = usernameKey
        self.id = id
    }
}

/// One user search result with the rank used for ordering.
public struct UserSearchHit: Hashable, Sendable {
    public var user: User
    /// 0 when the username starts with the query, 1 when the query appears elsewhere in username or display name.
    public var rank: Int

    public init(user: User, rank: Int) {
        self.user = user
        self.rank = rank
    }

    public var cursor: UserSearchCursor { UserSearchCursor(rank: rank, usernameKey: user.usernameKey, id: user.id) }
}
