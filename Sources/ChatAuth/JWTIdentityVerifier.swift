import ChatCore
import Foundation
import JWTKit

/// Verifies ChatBlizz access tokens (see `AccessTokenSigner`).
///
/// jwt-kit picks the key by `kid` and checks the signature with that key's own algorithm, but it does not compare the
/// header's `alg` with that algorithm: a token saying `alg: RS256` (or `none`) with a valid HMAC would pass. So the
/// header is checked here first: exactly `HS256`, our `kid`, no `crit`. Then jwt-kit verifies the signature, and the
/// claims are checked against the injected clock: `exp` and `iat` with a small leeway, `iss`, `aud`, a non-empty
/// `sub`. Every failure is `ChatError(.unauthenticated, reason)` with a short reason and no details.
public struct JWTIdentityVerifier: IdentityVerifier {
    /// The only algorithm accepted.
    public static let algorithm = "HS256"
    /// Longer tokens are rejected before any parsing (ours are about 300 bytes).
    public static let maxTokenBytes = 8 * 1024
    /// The `issuer` reported in `VerifiedIdentity`.
    public static let issuerName = "chatblizz"

    private let keys: JWTKeyCollection
    private let configuration: AccessTokenConfiguration
    private let clock: ChatClock

    /// Creates a verifier. Throws `AuthConfigurationError` for an invalid configuration.
    public init(configuration: AccessTokenConfiguration, clock: ChatClock = .system) async throws {
        self.keys = try await configuration.makeKeyCollection()
        self.configuration = configuration
        self.clock = clock
    }

    /// Returns the identity in a valid access token, or throws `ChatError` with code `.unauthenticated`.
    public func verify(bearerToken: String) async throws -> VerifiedIdentity {
        guard bearerToken.utf8.count <= Self.maxTokenBytes else { throw ChatError.unauthenticated("token too long") }
        try checkHeader(of: bearerToken)
        let claims: AccessTokenClaims
        do {
            claims = try await keys.verify(bearerToken, as: AccessTokenClaims.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw ChatError.unauthenticated("invalid token signature")
        } catch {
            throw ChatError.unauthenticated("malformed token")
        }
        return try identity(from: claims)
    }

    private func checkHeader(of token: String) throws {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]),
            let header = try? JSONDecoder().decode(AccessTokenHeader.self, from: Data(headerBytes))
        else { throw ChatError.unauthenticated("malformed token") }
        guard header.alg == Self.algorithm else { throw ChatError.unauthenticated("unsupported token algorithm") }
        guard header.kid == configuration.keyID else { throw ChatError.unauthenticated("unknown token key") }
        guard header.crit == nil, header.typ == nil || header.typ == "JWT" else {
            throw ChatError.unauthenticated("unsupported token header")
        }
    }

    private func identity(from claims: AccessTokenClaims) throws -> VerifiedIdentity {
        let now = clock.now()
        let leeway = configuration.leeway.milliseconds
        let expiresAt = Timestamp(claims.exp.value)
        let issuedAt = Timestamp(claims.iat.value)
        guard now < expiresAt.adding(milliseconds: leeway) else { throw ChatError.unauthenticated("token expired") }
        guard issuedAt <= now.adding(milliseconds: leeway) else { throw ChatError.unauthenticated("token issued in the future") }
        guard claims.iss.value == configuration.issuer else { throw ChatError.unauthenticated("wrong token issuer") }
        guard claims.aud.value.contains(configuration.audience) else { throw ChatError.unauthenticated("wrong token audience") }
        let subject = claims.sub.value
        guard !subject.isEmpty, subject.utf8.count <= 128 else { throw ChatError.unauthenticated("invalid token subject") }
        return VerifiedIdentity(userID: UserID(subject), issuer: Self.issuerName, expiresAt: expiresAt)
    }
}
