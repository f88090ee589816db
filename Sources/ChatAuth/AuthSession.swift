import ChatCore

/// What register, login and refresh return: the account and a fresh token pair.
public struct AuthSession: Hashable, Sendable {
    /// The signed-in account.
    public var user: User
    /// A short-lived JWT for the `Authorization: Bearer` header.
    public var accessToken: String
    /// When `accessToken` stops being accepted.
    public var accessTokenExpiresAt: Timestamp
    /// An opaque, single-use token to get the next pair from `refresh`.
    public var refreshToken: String
    /// When `refreshToken` stops being accepted.
    public var refreshTokenExpiresAt: Timestamp

    /// Creates a value.
    public init(user: User, accessToken: String, accessTokenExpiresAt: Timestamp, refreshToken: String, refreshTokenExpiresAt: Timestamp) {
        self.user = user
        self.accessToken = accessToken
        self.accessTokenExpiresAt = accessTokenExpiresAt
        self.refreshToken = refreshToken
        self.refreshTokenExpiresAt = refreshTokenExpiresAt
    }
}
