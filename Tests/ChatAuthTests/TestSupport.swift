import ChatAuth
import ChatCore
import Foundation
import JWTKit
import Synchronization

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let current: Mutex<Timestamp>

    init(_ start: Timestamp = Timestamp(milliseconds: 1_764_000_000_000)) {
        current = Mutex(start)
    }

    var now: Timestamp { current.withLock { $0 } }

    func advance(seconds: Int64) {
        current.withLock { $0 = $0.adding(milliseconds: seconds * 1000) }
    }

    var chatClock: ChatClock { ChatClock { self.now } }
}

/// Everything the auth tests need, wired over the memory stores.
struct AuthFixture {
    static let secretBytes = [UInt8](repeating: 7, count: 32)

    let clock = TestClock()
    let users = MemoryUserStore()
    let refreshTokens = MemoryRefreshTokenStore()
    let configuration: AccessTokenConfiguration
    let service: AuthService
    let verifier: JWTIdentityVerifier

    init() async throws {
        configuration = AccessTokenConfiguration(secret: try SigningSecret(bytes: Self.secretBytes))
        let userService = UserService(
            users: users,
            friendships: MemoryFriendshipStore(),
            events: MemoryEventBus(),
            ids: IdentifierGenerator(),
            clock: clock.chatClock
        )
        service = AuthService(
            userService: userService,
            users: users,
            refreshTokens: refreshTokens,
            signer: try await AccessTokenSigner(configuration: configuration, clock: clock.chatClock),
            hasher: try PasswordHasher(cost: 4),
            clock: clock.chatClock
        )
        verifier = try await JWTIdentityVerifier(configuration: configuration, clock: clock.chatClock)
    }
}

/// Claims with every field optional, to build tokens the real signer never would.
struct LooseClaims: JWTPayload {
    var sub: String?
    var iss: String?
    var aud: String?
    var exp: Int64?
    var iat: Int64?
    var jti: String?

    init(now: Timestamp, sub: String? = "user1", iss: String? = "chatblizz", aud: String? = "chatblizz", lifetime: Int64 = 900) {
        self.sub = sub
        self.iss = iss
        self.aud = aud
        self.iat = now.milliseconds / 1000
        self.exp = now.milliseconds / 1000 + lifetime
        self.jti = "test"
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

enum TokenForge {
    /// Signs `claims` with HMAC-SHA256 under `secret`, writing `alg` and `kid` into the header as given: jwt-kit keeps
    /// a header's `alg` as written, whatever key signs.
    static func hmac(
        _ claims: LooseClaims,
        secret: [UInt8] = AuthFixture.secretBytes,
        alg: String = "HS256",
        kid: String = "cb1"
    ) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
        var header = JWTHeader()
        header.alg = alg
        header.typ = "JWT"
        return try await keys.sign(claims, kid: JWKIdentifier(string: kid), header: header)
    }

    /// `token` with its header replaced by `header` (JSON text); the signature no longer matches.
    static func withHeader(_ token: String, _ header: String) -> String {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        return "\(base64URL(Array(header.utf8))).\(parts[1]).\(parts[2])"
    }

    /// A token with header `{"alg":"none"}` and no signature.
    static func none(_ claims: LooseClaims) throws -> String {
        let payload = try JSONEncoder().encode(claims)
        return "\(base64URL(Array(#"{"alg":"none","typ":"JWT","kid":"cb1"}"#.utf8))).\(base64URL(Array(payload)))."
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
