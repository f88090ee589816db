import JWTKit

/// How access tokens are signed and checked. Shared by `AccessTokenSigner` and `JWTIdentityVerifier`.
public struct AccessTokenConfiguration: Sendable {
    /// The HS256 secret.
    public var secret: SigningSecret
    /// The `kid` header; tokens with another key id are rejected.
    public var keyID: String
    /// The `iss` claim written and required.
    public var issuer: String
    /// The `aud` claim written and required.
    public var audience: String
    /// How long an access token is valid (default 15 minutes).
    public var lifetime: Duration
    /// Clock skew tolerated for `exp` and `iat`, at most 30 seconds (default 30 seconds).
    public var leeway: Duration

    /// The longest leeway accepted.
    public static let maxLeeway: Duration = .seconds(30)

    /// Creates a configuration; every value but the secret has a production default.
    public init(
        secret: SigningSecret,
        keyID: String = "cb1",
        issuer: String = "chatblizz",
        audience: String = "chatblizz",
        lifetime: Duration = .seconds(15 * 60),
        leeway: Duration = .seconds(30)
    ) {
        self.secret = secret
        self.keyID = keyID
        self.issuer = issuer
        self.audience = audience
        self.lifetime = lifetime
        self.leeway = leeway
    }

    func validate() throws {
        guard !keyID.isEmpty, !issuer.isEmpty, !audience.isEmpty else {
            throw AuthConfigurationError("access token key id, issuer and audience must not be empty")
        }
        guard lifetime >= .seconds(1) else { throw AuthConfigurationError("access token lifetime must be at least 1 second") }
        guard leeway >= .zero, leeway <= Self.maxLeeway else {
            throw AuthConfigurationError("access token leeway must be between 0 and 30 seconds")
        }
    }
}

extension AccessTokenConfiguration {
    /// The one HS256 key, under `keyID`, that both the signer and the verifier use. Validates the configuration first.
    func makeKeyCollection() async throws -> JWTKeyCollection {
        try validate()
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(key: secret.symmetricKey), digestAlgorithm: .sha256, kid: JWKIdentifier(string: keyID))
        return keys
    }
}
