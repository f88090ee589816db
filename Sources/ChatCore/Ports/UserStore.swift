/// Accounts. Usernames are unique case-insensitively (by `User.usernameKey`); emails are unique as stored, and callers
/// store them lower-cased (`UserValidation.normalizedEmail`). A clash throws `ChatError` with code `.conflict` and the
/// clashing field (`username`, `email` or `id`).
public protocol UserStore: Sendable {
    /// Stores a new user with an optional password hash (nil for accounts that sign in through another provider).
    func insert(_ user: User, passwordHash: String?) async throws
    func user(id: UserID) async throws -> User?
    /// Users by id, in no particular order; unknown ids are left out.
    func users(ids: [UserID]) async throws -> [User]
    /// The user whose username or email equals `login`, case-insensitively.
    func user(login: String) async throws -> User?
    func passwordHash(for id: UserID) async throws -> String?
    /// Replaces the user's profile fields. Throws `.notFound` for an unknown id, `.conflict` on a username clash.
    func update(_ user: User) async throws
    /// Users whose username or display name contains `query` (case-insensitively, `%` and `_` taken literally), or whose
    /// email equals it, excluding `excluding`. Ordered by `(rank, usernameKey, id)`: username prefix matches first.
    func search(_ query: String, excluding: UserID, after cursor: UserSearchCursor?, limit: Int) async throws -> [UserSearchHit]
}

/// Refresh tokens for the built-in accounts.
public protocol RefreshTokenStore: Sendable {
    func insert(_ record: RefreshTokenRecord) async throws
    /// Atomically consumes the token with this hash if it is current. A second consumption of the same token revokes
    /// its family and reports `.reused`.
    func consume(tokenHash: String, at now: Timestamp) async throws -> RefreshTokenConsumption
    /// Revokes every token of a family (logout of one device).
    func revokeFamily(_ familyID: String, at now: Timestamp) async throws
}
