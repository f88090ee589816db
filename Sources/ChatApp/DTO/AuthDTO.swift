import ChatAuth
import ChatCore

struct RegisterDTO: Decodable {
    var username: String
    var email: String
    var password: String
}

struct LoginDTO: Decodable {
    var login: String
    var password: String
}

struct RefreshTokenDTO: Decodable {
    var refreshToken: String
}

/// `{user, accessToken, refreshToken}` plus expiry times.
struct AuthSessionDTO: Encodable {
    var user: UserDTO
    var accessToken: String
    var accessTokenExpiresAt: String
    var refreshToken: String
    var refreshTokenExpiresAt: String
    var tokenType = "Bearer"

    init(_ session: AuthSession) {
        user = UserDTO(session.user, includeEmail: true)
        accessToken = session.accessToken
        accessTokenExpiresAt = session.accessTokenExpiresAt.iso8601
        refreshToken = session.refreshToken
        refreshTokenExpiresAt = session.refreshTokenExpiresAt.iso8601
    }
}
