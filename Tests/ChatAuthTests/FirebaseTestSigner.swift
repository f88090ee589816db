import ChatAuth
import ChatCore
import CryptoExtras
import Foundation
import JWTKit
import Testing
import X509

/// The claims of a Firebase ID token, every one optional and settable, to build tokens Firebase never would.
struct FirebaseTestClaims: JWTPayload {
    static let projectID = "chatblizz-test"

    var sub: String?
    var iss: String?
    var aud: String?
    var exp: Int64?
    var iat: Int64?
    var authTime: Int64?
    var email: String?

    enum CodingKeys: String, CodingKey {
        case sub, iss, aud, exp, iat, email
        case authTime = "auth_time"
    }

    /// A valid token's claims for `uid`, issued at `now` and valid for an hour, as Firebase writes them.
    init(now: Timestamp, uid: String? = "firebase-uid-1", email: String? = "alice@example.com") {
        let seconds = now.milliseconds / 1000
        sub = uid
        iss = "https://securetoken.google.com/\(Self.projectID)"
        aud = Self.projectID
        iat = seconds
        authTime = seconds - 60
        exp = seconds + 3600
        self.email = email
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// A throwaway Firebase signing key generated at test time: an RSA-2048 key, a self-signed X.509 certificate for it
/// (what Google's endpoint serves) and its key id. It protects nothing.
struct FirebaseTestKey: Sendable {
    let keyID: String
    let privateKey: JWTKit.Insecure.RSA.PrivateKey
    let certificatePEM: String

    init(keyID: String) throws {
        let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let certificateKey = Certificate.PrivateKey(rsa)
        let name = try DistinguishedName { CommonName("securetoken.system.gserviceaccount.com") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: certificateKey.publicKey,
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(86400),
            issuer: name,
            subject: name,
            signatureAlgorithm: .sha256WithRSAEncryption,
            extensions: Certificate.Extensions(),
            issuerPrivateKey: certificateKey
        )
        self.keyID = keyID
        self.privateKey = try JWTKit.Insecure.RSA.PrivateKey(backing: rsa)
        self.certificatePEM = try certificate.serializeAsPEM().pemString
    }

    /// Keys are slow to generate, so the suites share these.
    static let primary = Result { try FirebaseTestKey(keyID: "key-primary") }
    static let rotated = Result { try FirebaseTestKey(keyID: "key-rotated") }
    static let attacker = Result { try FirebaseTestKey(keyID: "key-primary") }

    /// Signs `claims` with RS256 under this key, writing `kid` (default: this key's id) and `typ` into the header.
    func sign(_ claims: FirebaseTestClaims, kid: String? = nil, typ: String? = "JWT") async throws -> String {
        let kid = JWKIdentifier(string: kid ?? keyID)
        let keys = JWTKeyCollection()
        await keys.add(rsa: privateKey, digestAlgorithm: .sha256, kid: kid)
        var header = JWTHeader()
        header.alg = "RS256"
        header.typ = typ
        return try await keys.sign(claims, kid: kid, header: header)
    }

    /// Signs `claims` with HMAC-SHA256 using this key's certificate PEM as the secret (the HS/RS confusion attack),
    /// with `alg` written into the header as given.
    func signConfused(_ claims: FirebaseTestClaims, alg: String) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: Array(certificatePEM.utf8)), digestAlgorithm: .sha256, kid: JWKIdentifier(string: keyID))
        var header = JWTHeader()
        header.alg = alg
        header.typ = "JWT"
        return try await keys.sign(claims, kid: JWKIdentifier(string: keyID), header: header)
    }

    /// A token with header `{"alg":"none"}`, this key's id and no signature.
    func unsigned(_ claims: FirebaseTestClaims) throws -> String {
        let header = #"{"alg":"none","typ":"JWT","kid":"\#(keyID)"}"#
        return "\(TokenForge.base64URL(Array(header.utf8))).\(TokenForge.base64URL(Array(try JSONEncoder().encode(claims))))."
    }
}

/// A verifier for the test project that fetches from `url`, on `clock`.
func makeFirebaseVerifier(url: String, clock: TestClock) throws -> FirebaseIdentityVerifier {
    try FirebaseIdentityVerifier(
        configuration: FirebaseConfiguration(projectID: FirebaseTestClaims.projectID, certificatesURL: url),
        clock: clock.chatClock
    )
}

/// Runs `body` with a verifier whose local endpoint serves the primary key.
func withVerifier(
    maxAge: Int? = 3600,
    _ body: @Sendable (FirebaseIdentityVerifier, FirebaseCertificateEndpoint, TestClock, FirebaseTestKey) async throws -> Void
) async throws {
    let key = try FirebaseTestKey.primary.get()
    try await FirebaseCertificateEndpoint.with([key.keyID: key.certificatePEM], maxAge: maxAge) { endpoint, url in
        let clock = TestClock()
        try await body(try makeFirebaseVerifier(url: url, clock: clock), endpoint, clock, key)
    }
}

/// Expects `verifier` to reject `token` with `ChatError(code, reason)`.
func expectRejected(
    _ token: String,
    by verifier: FirebaseIdentityVerifier,
    reason: String,
    code: ChatError.Code = .unauthenticated,
    sourceLocation: SourceLocation = #_sourceLocation
) async {
    do {
        let identity = try await verifier.verify(bearerToken: token)
        Issue.record("token was accepted for \(identity.userID)", sourceLocation: sourceLocation)
    } catch let error as ChatError {
        #expect(error.code == code, sourceLocation: sourceLocation)
        #expect(error.message == reason, sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error type \(error)", sourceLocation: sourceLocation)
    }
}
