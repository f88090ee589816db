/// A refresh token as stored: only its SHA-256 hash is kept. Tokens rotate: each use consumes the token and issues a
/// new one in the same family; presenting a consumed token again revokes the whole family (theft detection).
public struct RefreshTokenRecord: Hashable, Sendable {
    public var tokenHash: String
    public var userID: UserID
    public var familyID: String
    public var createdAt: Timestamp
    public var expiresAt: Timestamp
    public var consumedAt: Timestamp?
    public var revokedAt: Timestamp?

    public init(
        tokenHash: String,
        userID: UserID,
        familyID: String,
        createdAt: Timestamp,
        expiresAt: Timestamp,
        consumedAt: Timestamp? = nil,
        revokedAt: Timestamp? = nil
    ) {
        self.tokenHash = tokenHash
        self.userID = userID
        self.familyID = familyID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.consumedAt = consumedAt
        self.revokedAt = revokedAt
    }
}

/// What consuming a refresh token found.
public enum RefreshTokenConsumption: Hashable, Sendable {
    /// The token was valid and is now consumed.
    case consumed(RefreshTokenRecord)
    /// The token had been consumed before: its family is now revoked.
    case reused(RefreshTokenRecord)
    /// Unknown, expired or revoked.
    case invalid
}
