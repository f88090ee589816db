import ChatCore
import Foundation
import JWTKit

/// A signed access token and the moment it stops being accepted.
public struct AccessToken: Hashable, Sendable {
    /// The compact JWT.
    public var token: String
    /// The token's `exp`.
    public var expiresAt: Timestamp

    /// Creates a value.
    public init(token: String, expiresAt: Timestamp) {
        self.token = token
        self.expiresAt = expiresAt
    }
}

/// Issues short-lived HS256 access tokens: header `{alg: HS256, typ: JWT, kid}`, claims `sub` (user id), `iss`,
/// `aud`, `iat`, `exp` (whole seconds) and a random `jti`.
public struct AccessTokenSigner: Sendable {
    private let keys: JWTKeyCollection
    private let configuration: AccessTokenConfiguration
    private let clock: ChatClock

    /// Creates a signer. Throws `AuthConfigurationError` for an invalid configuration.
    public init(configuration: AccessTokenConfiguration, clock: ChatClock = .system) async throws {
        self.keys = try await configuration.makeKeyCollection()
        self.configuration = configuration
        self.clock = clock
    }

    /// How long the tokens this signer issues are valid.
    public var lifetime: Duration { configuration.lifetime }

    /// Signs an access token for `userID`, valid from now for the configured lifetime.
    public func sign(userID: UserID) async throws -> AccessToken {
        let issuedSeconds = clock.now().milliseconds / 1000
        let expiresSeconds = issuedSeconds + max(1, configuration.lifetime.milliseconds / 1000)
        let claims = AccessTokenClaims(
            sub: SubjectClaim(value: userID.rawValue),
            iss: IssuerClaim(value: configuration.issuer),
            aud: AudienceClaim(value: [configuration.audience]),
            exp: ExpirationClaim(value: Date(timeIntervalSince1970: Double(expiresSeconds))),
            iat: IssuedAtClaim(value: Date(timeIntervalSince1970: Double(issuedSeconds))),
            jti: IDClaim(value: IdentifierGenerator.randomToken(length: 22))
        )
        var header = JWTHeader()
        header.alg = JWTIdentityVerifier.algorithm
        header.typ = "JWT"
        let token = try await keys.sign(claims, kid: JWKIdentifier(string: configuration.keyID), header: header)
        return AccessToken(token: token, expiresAt: Timestamp(milliseconds: expiresSeconds * 1000))
    }
}
