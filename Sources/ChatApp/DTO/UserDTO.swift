import ChatCore

/// A user on the v2 wire. The email is only shown to its owner.
struct UserDTO: Encodable {
    var id: String
    var username: String
    var email: String?
    var displayName: String?
    var avatarUrl: String?
    var createdAt: String
    var updatedAt: String

    init(_ user: User, includeEmail: Bool = false) {
        id = user.id.rawValue
        username = user.username
        email = includeEmail ? user.email : nil
        displayName = user.displayName
        avatarUrl = user.avatarURL
        createdAt = user.createdAt.iso8601
        updatedAt = user.updatedAt.iso8601
    }
}

struct UserEnvelope: Encodable {
    var user: UserDTO
}

/// A search result: the user and how the caller stands towards them.
struct UserSearchResultDTO: Encodable {
    var user: UserDTO
    var relationship: String
}

struct UserSearchPageDTO: Encodable {
    var users: [UserSearchResultDTO]
    var nextCursor: String?
}

/// `PATCH /api/v2/me`: absent keys stay unchanged, `null` clears `displayName` or `avatarUrl`.
struct ProfilePatchDTO: Decodable {
    var changes: ProfileChanges

    enum CodingKeys: String, CodingKey {
        case username, displayName, avatarUrl
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        changes = ProfileChanges()
        changes.username = try container.decodeIfPresent(String.self, forKey: .username)
        if container.contains(.displayName) {
            changes.displayName = .some(try container.decodeNil(forKey: .displayName) ? nil : try container.decode(String.self, forKey: .displayName))
        }
        if container.contains(.avatarUrl) {
            changes.avatarURL = .some(try container.decodeNil(forKey: .avatarUrl) ? nil : try container.decode(String.self, forKey: .avatarUrl))
        }
    }
}
