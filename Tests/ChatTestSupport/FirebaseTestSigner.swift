import ChatCore
import CryptoExtras
import Foundation
import JWTKit
import X509

/// The claims of a Firebase ID token, every one optional and settable, to build tokens Firebase never would.
public struct FirebaseTestClaims: JWTPayload {
    /// The project the ChatAuth tests verify for; the app tests use their own.
    public static let projectID = "chatblizz-test"

    public var sub: String?
    public var iss: String?
    public var aud: String?
    public var exp: Int64?
    public var iat: Int64?
    public var authTime: Int64?
    public var email: String?

    enum CodingKeys: String, CodingKey {
        case sub, iss, aud, exp, iat, email
        case authTime = "auth_time"
    }

    /// A valid token's claims for `uid` in `projectID`, issued at `now` and valid for an hour, as Firebase writes them.
    public init(
        now: Timestamp = .now(),
        uid: String? = "firebase-uid-1",
        email: String? = "alice@example.com",
        projectID: String = FirebaseTestClaims.projectID
    ) {
        let seconds = now.milliseconds / 1000
        sub = uid
        iss = "https://securetoken.google.com/\(projectID)"
        aud = projectID
        iat = seconds
        authTime = seconds - 60
        exp = seconds + 3600
        self.email = email
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// A throwaway Firebase signing key generated at test time: an RSA-2048 key, a self-signed X.509 certificate for it
/// (what Google's endpoint serves) and its key id. It protects nothing.
public struct FirebaseTestKey: Sendable {
    public let keyID: String
    public let privateKey: JWTKit.Insecure.RSA.PrivateKey
    public let certificatePEM: String

    public init(keyID: String) throws {
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
    public static let primary = Result { try FirebaseTestKey(keyID: "key-primary") }
    public static let rotated = Result { try FirebaseTestKey(keyID: "key-rotated") }
    public static let attacker = Result { try FirebaseTestKey(keyID: "key-primary") }

    /// Signs `claims` with RS256 under this key, writing `kid` (default: this key's id) and `typ` into the header.
    public func sign(_ claims: FirebaseTestClaims, kid: String? = nil, typ: String? = "JWT") async throws -> String {
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
    public func signConfused(_ claims: FirebaseTestClaims, alg: String = "HS256") async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: Array(certificatePEM.utf8)), digestAlgorithm: .sha256, kid: JWKIdentifier(string: keyID))
        var header = JWTHeader()
        header.alg = alg
        header.typ = "JWT"
        return try await keys.sign(claims, kid: JWKIdentifier(string: keyID), header: header)
    }

    /// A token with header `{"alg":"none"}`, this key's id and no signature.
    public func unsigned(_ claims: FirebaseTestClaims) throws -> String {
        let header = #"{"alg":"none","typ":"JWT","kid":"\#(keyID)"}"#
        return "\(Self.base64URL(Array(header.utf8))).\(Self.base64URL(Array(try JSONEncoder().encode(claims))))."
    }

    private static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
