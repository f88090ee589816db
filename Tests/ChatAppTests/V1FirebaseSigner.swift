import ChatAuth
import ChatCore
import CryptoExtras
import Foundation
import Hummingbird
import JWTKit
import Synchronization
import X509

/// The claims of a test Firebase ID token, every one settable to build tokens Firebase never would.
struct V1FirebaseClaims: JWTPayload {
    static let projectID = "chatblizz-v1-test"

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

    /// A valid token's claims for `uid`, issued now and valid for an hour.
    init(uid: String, email: String?) {
        let seconds = Timestamp.now().milliseconds / 1000
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

/// A throwaway RSA-2048 Firebase signing key with a self-signed certificate (what Google's endpoint serves).
struct V1FirebaseKey: Sendable {
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

    /// Keys are slow to generate, so the suites share this one.
    static let shared = Result { try V1FirebaseKey(keyID: "v1-key") }

    /// Signs `claims` with RS256, writing `kid` (default: this key's id) into the header.
    func sign(_ claims: V1FirebaseClaims, kid: String? = nil) async throws -> String {
        let kid = JWKIdentifier(string: kid ?? keyID)
        let keys = JWTKeyCollection()
        await keys.add(rsa: privateKey, digestAlgorithm: .sha256, kid: kid)
        var header = JWTHeader()
        header.alg = "RS256"
        header.typ = "JWT"
        return try await keys.sign(claims, kid: kid, header: header)
    }

    /// A valid token for `uid` carrying `email`.
    func token(uid: String, email: String?) async throws -> String {
        try await sign(V1FirebaseClaims(uid: uid, email: email))
    }

    /// `claims` signed with HS256 using the certificate PEM as the HMAC secret (the HS/RS confusion attack).
    func signConfused(_ claims: V1FirebaseClaims) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: Array(certificatePEM.utf8)), digestAlgorithm: .sha256, kid: JWKIdentifier(string: keyID))
        return try await keys.sign(claims, kid: JWKIdentifier(string: keyID))
    }

    /// A token with header `{"alg":"none"}` and no signature.
    func unsigned(_ claims: V1FirebaseClaims) throws -> String {
        func base64URL(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let header = #"{"alg":"none","typ":"JWT","kid":"\#(keyID)"}"#
        return "\(base64URL(Data(header.utf8))).\(base64URL(try JSONEncoder().encode(claims)))."
    }
}

/// A local HTTP endpoint serving `{kid: pem}` as Google's certificate endpoint does.
enum V1CertificateEndpoint {
    /// Runs an endpoint serving `certificates` for the duration of `body`, which gets its URL.
    static func with(_ certificates: [String: String], _ body: @Sendable (String) async throws -> Void) async throws {
        let payload = try JSONEncoder().encode(certificates)
        let router = Router()
        router.get("certs") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(bytes: payload))
            )
        }
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) }
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            defer { group.cancelAll() }
            try await body("http://127.0.0.1:\(port)/certs")
        }
    }
}
