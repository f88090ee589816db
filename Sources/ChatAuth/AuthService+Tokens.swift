import ChatCore
import Crypto

extension AuthService {
    /// Byte count of a refresh token before encoding.
    static let refreshTokenByteCount = 32

    /// Issues an access token and a refresh token, in `familyID` or a new family.
    func startSession(for user: User, familyID: String?) async throws -> AuthSession {
        let access = try await signer.sign(userID: user.id)
        let now = clock.now()
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<Self.refreshTokenByteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let refreshToken = Base64URL.encode(secret)
        let record = RefreshTokenRecord(
            tokenHash: Self.sha256Hex(secret),
            userID: user.id,
            familyID: familyID ?? IdentifierGenerator.randomToken(length: 22),
            createdAt: now,
            expiresAt: now.adding(milliseconds: refreshTokenLifetime.milliseconds)
        )
        try await refreshTokens.insert(record)
        return AuthSession(
            user: user,
            accessToken: access.token,
            accessTokenExpiresAt: access.expiresAt,
            refreshToken: refreshToken,
            refreshTokenExpiresAt: record.expiresAt
        )
    }

    /// The stored form of a presented refresh token, or nil when it cannot be one of ours.
    static func hash(refreshToken: String) -> String? {
        guard refreshToken.utf8.count <= 64, let bytes = Base64URL.decode(refreshToken), bytes.count == refreshTokenByteCount else {
            return nil
        }
        return sha256Hex(bytes)
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
