import ChatAuth
import ChatCore
import Hummingbird

/// What the v2 controllers need, built once by `buildApplication`.
struct APIDependencies: Sendable {
    var users: UserService
    var friends: FriendshipService
    var messaging: MessagingService
    var files: FileService
    /// How long a presigned download URL stays valid (S3 only).
    var fileURLExpiry: Duration
    /// Signs the token-free file links of v1 payloads (`GET /api/v1/files/{fileId}` checks them).
    var fileLinks: FileLinkSigner
    var auth: AuthService
    var userStore: any UserStore
    var limits: ChatLimits
    var maxJSONBodyBytes: Int
    var authLimiter: RateLimiter

    func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        try await JSONBody.decode(type, from: request, limit: maxJSONBodyBytes)
    }

    /// The page size from `?limit=`.
    func pageSize(_ request: Request) throws -> Int {
        guard let text = request.uri.queryParameters.get("limit") else { return limits.defaultPageSize }
        guard let value = Int(text) else { throw ChatError.invalidRequest("limit must be an integer", field: "limit") }
        return try limits.pageSize(value)
    }

    /// Users by id for building DTOs.
    func usersByID(_ ids: [UserID]) async throws -> [UserID: User] {
        guard !ids.isEmpty else { return [:] }
        return Dictionary(try await userStore.users(ids: ids).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

extension ChatRequestContext {
    /// A user id from the path, checked for shape (unknown ids are the services' 404).
    func pathUserID(_ name: String = "userId") throws -> UserID {
        guard let value = parameters.get(name), !value.isEmpty, value.utf8.count <= 128,
            !value.unicodeScalars.contains(where: { $0.value < 0x21 || $0 == ":" })
        else { throw ChatError.notFound("user not found") }
        return UserID(value)
    }
}

/// Checks a user id that came in a body.
func bodyUserID(_ value: String, field: String = "userId") throws -> UserID {
    guard !value.isEmpty, value.utf8.count <= 128, !value.unicodeScalars.contains(where: { $0.value < 0x21 || $0 == ":" }) else {
        throw ChatError.validation("\(field) is not a valid user id", field: field)
    }
    return UserID(value)
}
