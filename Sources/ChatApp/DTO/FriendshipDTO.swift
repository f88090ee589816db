import ChatCore

/// A friendship or request, seen from the caller.
struct FriendshipDTO: Encodable {
    var user: UserDTO?
    var userId: String
    var status: String
    /// `outgoing` when the caller sent the latest request, `incoming` otherwise.
    var direction: String
    var createdAt: String
    var updatedAt: String

    init(_ friendship: Friendship, caller: UserID, peer: User?) {
        let peerID = friendship.peer(of: caller)
        user = peer.map { UserDTO($0) }
        userId = peerID.rawValue
        status = friendship.status.rawValue
        direction = friendship.requester == caller ? "outgoing" : "incoming"
        createdAt = friendship.createdAt.iso8601
        updatedAt = friendship.updatedAt.iso8601
    }
}

struct FriendshipEnvelope: Encodable {
    var friendship: FriendshipDTO
}

struct FriendshipPageDTO: Encodable {
    var friends: [FriendshipDTO]?
    var requests: [FriendshipDTO]?
    var nextCursor: String?
}

struct UserIDBodyDTO: Decodable {
    var userId: String
}

struct BlockDTO: Encodable {
    var userId: String
    var user: UserDTO?
    var createdAt: String
}

struct BlockListDTO: Encodable {
    var blocks: [BlockDTO]
}
