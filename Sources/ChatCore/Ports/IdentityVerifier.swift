/// Who a bearer token says the caller is, after the token was verified.
public struct VerifiedIdentity: Hashable, Sendable {
    public var userID: UserID
    /// Which verifier accepted the token (`chatblizz`, `firebase`).
    public var issuer: String
    public var expiresAt: Timestamp?
    /// The email the token carries, when it carries one (Firebase).
    public var email: String?

    public init(userID: UserID, issuer: String, expiresAt: Timestamp? = nil, email: String? = nil) {
        self.userID = userID
        self.issuer = issuer
        self.expiresAt = expiresAt
        self.email = email
    }
}

/// Turns a bearer token into a verified identity, or throws `ChatError` with code `.unauthenticated`.
/// "Who am I" always comes from here, never from a body, path or query.
public protocol IdentityVerifier: Sendable {
    func verify(bearerToken: String) async throws -> VerifiedIdentity
}
