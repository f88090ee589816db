import JWTKit

/// The payload of a ChatBlizz access token. Decoding fails when a claim is missing, which the verifier reports as a
/// malformed token. The claims are checked by `JWTIdentityVerifier` against the injected clock rather than in
/// `verify(using:)`, which has no access to it.
struct AccessTokenClaims: JWTPayload {
    var sub: SubjectClaim
    var iss: IssuerClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var jti: IDClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// The header fields the verifier checks before handing the token to jwt-kit.
struct AccessTokenHeader: Decodable {
    var alg: String?
    var kid: String?
    var typ: String?
    var crit: [String]?
}
