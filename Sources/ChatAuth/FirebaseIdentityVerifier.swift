import AsyncHTTPClient
import ChatCore
import Foundation
import JWTKit

/// Verifies Firebase Authentication ID tokens, as the Firebase Admin SDK's `verifyIdToken` does (without the
/// revocation check).
///
/// The header is checked before jwt-kit sees the token, because jwt-kit does not compare the header's `alg` with the
/// key's algorithm: exactly `RS256`, `typ` absent or `JWT`, no `crit`, a `kid`. The claims are checked next, before
/// any key is fetched, so a token for another project or issuer never causes a fetch: `iss` is
/// `https://securetoken.google.com/<projectId>`, `aud` is the project id, `exp` in the future, `iat` and `auth_time`
/// not in the future (with the configured leeway), `sub` 1 to 128 bytes. Then the `kid` is looked up in Google's
/// certificates (see `GooglePublicKeyCache`) and jwt-kit checks the signature with that key.
///
/// Every rejection is `ChatError(.unauthenticated, reason)`; when Google's certificates cannot be fetched it is
/// `ChatError(.unavailable)`, so an outage is a 503, not a 401.
public struct FirebaseIdentityVerifier: IdentityVerifier {
    /// The only algorithm accepted.
    public static let algorithm = "RS256"
    /// Longer tokens are rejected before any parsing (Firebase ID tokens are about 1 KB, more with custom claims).
    public static let maxTokenBytes = 8 * 1024
    /// The `issuer` reported in `VerifiedIdentity`.
    public static let issuerName = "firebase"

    private let configuration: FirebaseConfiguration
    private let cache: GooglePublicKeyCache
    private let clock: ChatClock
    /// Only used to decode payloads before the signature is checked; it holds no key.
    private let parser = JWTKeyCollection()

    /// Creates a verifier that fetches certificates from `source`. Throws `AuthConfigurationError` for an invalid
    /// configuration.
    public init(configuration: FirebaseConfiguration, certificateSource: any FirebaseCertificateSource, clock: ChatClock = .system) throws {
        try configuration.validate()
        self.configuration = configuration
        self.clock = clock
        self.cache = GooglePublicKeyCache(source: certificateSource, configuration: configuration, clock: clock)
    }

    /// Creates a verifier that fetches certificates from `configuration.certificatesURL` with `httpClient`.
    public init(configuration: FirebaseConfiguration, httpClient: HTTPClient = .shared, clock: ChatClock = .system) throws {
        try self.init(
            configuration: configuration,
            certificateSource: HTTPFirebaseCertificateSource(configuration: configuration, httpClient: httpClient),
            clock: clock
        )
    }

    /// Returns the identity in a valid Firebase ID token. Throws `ChatError` with code `.unauthenticated`, or
    /// `.unavailable` when Google's certificates cannot be fetched.
    public func verify(bearerToken: String) async throws -> VerifiedIdentity {
        guard bearerToken.utf8.count <= Self.maxTokenBytes else { throw ChatError.unauthenticated("token too long") }
        let keyID = try checkHeader(of: bearerToken)
        let unverified: FirebaseTokenClaims
        do {
            unverified = try await parser.unverified(bearerToken, as: FirebaseTokenClaims.self)
        } catch {
            throw ChatError.unauthenticated("malformed token")
        }
        _ = try identity(from: unverified)
        guard let keys = try await cache.keys(for: keyID) else { throw ChatError.unauthenticated("unknown token key") }
        let claims: FirebaseTokenClaims
        do {
            claims = try await keys.verify(bearerToken, as: FirebaseTokenClaims.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw ChatError.unauthenticated("invalid token signature")
        } catch {
            throw ChatError.unauthenticated("malformed token")
        }
        return try identity(from: claims)
    }

    /// Checks the header and returns its `kid`.
    private func checkHeader(of token: String) throws -> String {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]),
            let header = try? JSONDecoder().decode(AccessTokenHeader.self, from: Data(headerBytes))
        else { throw ChatError.unauthenticated("malformed token") }
        guard header.alg == Self.algorithm else { throw ChatError.unauthenticated("unsupported token algorithm") }
        guard header.crit == nil, header.typ == nil || header.typ == "JWT" else {
            throw ChatError.unauthenticated("unsupported token header")
        }
        guard let keyID = header.kid, !keyID.isEmpty, keyID.utf8.count <= 256 else {
            throw ChatError.unauthenticated("missing token key id")
        }
        return keyID
    }

    private func identity(from claims: FirebaseTokenClaims) throws -> VerifiedIdentity {
        let now = clock.now()
        let leeway = configuration.leeway.milliseconds
        let latest = now.adding(milliseconds: leeway)
        let expiresAt = Timestamp(claims.exp.value)
        guard claims.iss.value == configuration.issuer else { throw ChatError.unauthenticated("wrong token issuer") }
        guard claims.aud.value == [configuration.projectID] else { throw ChatError.unauthenticated("wrong token audience") }
        guard now < expiresAt.adding(milliseconds: leeway) else { throw ChatError.unauthenticated("token expired") }
        guard Timestamp(claims.iat.value) <= latest else { throw ChatError.unauthenticated("token issued in the future") }
        if let authTime = claims.authTime, Timestamp(authTime.value) > latest {
            throw ChatError.unauthenticated("token authenticated in the future")
        }
        let subject = claims.sub.value
        guard !subject.isEmpty, subject.utf8.count <= 128 else { throw ChatError.unauthenticated("invalid token subject") }
        return VerifiedIdentity(userID: UserID(subject), issuer: Self.issuerName, expiresAt: expiresAt, email: claims.email)
    }
}

/// The Firebase ID-token claims the verifier reads. Checked by `FirebaseIdentityVerifier` against the injected clock
/// rather than in `verify(using:)`, which has no access to it.
struct FirebaseTokenClaims: JWTPayload {
    var sub: SubjectClaim
    var iss: IssuerClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var authTime: IssuedAtClaim?
    var email: String?

    enum CodingKeys: String, CodingKey {
        case sub, iss, aud, exp, iat, email
        case authTime = "auth_time"
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
