import ChatCore
import Foundation

/// The use cases behind `POST /api/v2/auth/register`, `login`, `refresh` and `logout` for built-in accounts.
///
/// Refresh tokens are 32 random bytes in base64url; only their SHA-256 (hex) is stored. Each refresh consumes the
/// token and issues a new one in the same family; presenting a consumed token again revokes the whole family and
/// fails, so a stolen token that is used after its owner refreshed (or vice versa) signs both out. Two concurrent
/// refreshes with the same token therefore also end the session: clients must serialise refreshes.
public struct AuthService: Sendable {
    /// How long a refresh token is valid when not configured (30 days).
    public static let defaultRefreshTokenLifetime: Duration = .seconds(30 * 24 * 3600)

    let userService: UserService
    let users: any UserStore
    let refreshTokens: any RefreshTokenStore
    let signer: AccessTokenSigner
    let hasher: PasswordHasher
    let clock: ChatClock
    let refreshTokenLifetime: Duration

    /// Creates the service from the ports and the token machinery the composition root built.
    public init(
        userService: UserService,
        users: any UserStore,
        refreshTokens: any RefreshTokenStore,
        signer: AccessTokenSigner,
        hasher: PasswordHasher,
        clock: ChatClock = .system,
        refreshTokenLifetime: Duration = AuthService.defaultRefreshTokenLifetime
    ) {
        self.userService = userService
        self.users = users
        self.refreshTokens = refreshTokens
        self.signer = signer
        self.hasher = hasher
        self.clock = clock
        self.refreshTokenLifetime = refreshTokenLifetime
    }

    /// Creates an account with a password and signs it in. Throws `.validationFailed` naming `username`, `email` or
    /// `password`, or `.conflict` naming the field that is taken.
    public func register(username: String, email: String, password: String) async throws -> AuthSession {
        // Cheap checks first, so a bad username does not cost a bcrypt hash.
        try UserValidation.validateUsername(username)
        _ = try UserValidation.normalizedEmail(email)
        let passwordHash = try await hasher.hash(password)
        let user = try await userService.createUser(username: username, email: email, passwordHash: passwordHash)
        return try await startSession(for: user, familyID: nil)
    }

    /// Signs in with a username or email (any case) and a password. Every failure is the same
    /// `ChatError(.unauthenticated, "invalid login or password")`, and takes about as long.
    public func login(login: String, password: String) async throws -> AuthSession {
        let failure = ChatError.unauthenticated("invalid login or password")
        let trimmed = login.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.utf8.count <= UserValidation.maxEmailLength,
            let user = try await users.user(login: trimmed)
        else {
            await hasher.dummyVerify(password)
            throw failure
        }
        guard let hash = try await users.passwordHash(for: user.id) else {
            // An account that signs in through another provider.
            await hasher.dummyVerify(password)
            throw failure
        }
        guard await hasher.verify(password, against: hash) else { throw failure }
        return try await startSession(for: user, familyID: nil)
    }

    /// Exchanges a refresh token for a new pair in the same family. A reused token revokes its family.
    public func refresh(refreshToken: String) async throws -> AuthSession {
        let now = clock.now()
        guard let tokenHash = Self.hash(refreshToken: refreshToken) else { throw ChatError.unauthenticated("invalid refresh token") }
        switch try await refreshTokens.consume(tokenHash: tokenHash, at: now) {
        case .consumed(let record):
            guard let user = try await users.user(id: record.userID) else {
                try await refreshTokens.revokeFamily(record.familyID, at: now)
                throw ChatError.unauthenticated("invalid refresh token")
            }
            return try await startSession(for: user, familyID: record.familyID)
        case .reused(let record):
            // The store revoked the family already; repeating it keeps this safe with any store.
            try await refreshTokens.revokeFamily(record.familyID, at: now)
            throw ChatError.unauthenticated("refresh token reused")
        case .invalid:
            throw ChatError.unauthenticated("invalid refresh token")
        }
    }

    /// Ends the session the refresh token belongs to by revoking its family. Unknown, expired or already revoked
    /// tokens are ignored, so logging out twice succeeds.
    public func logout(refreshToken: String) async throws {
        let now = clock.now()
        guard let tokenHash = Self.hash(refreshToken: refreshToken) else { return }
        switch try await refreshTokens.consume(tokenHash: tokenHash, at: now) {
        case .consumed(let record), .reused(let record):
            try await refreshTokens.revokeFamily(record.familyID, at: now)
        case .invalid:
            return
        }
    }
}
