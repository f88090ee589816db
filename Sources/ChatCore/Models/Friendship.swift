/// The state of the one friendship row a pair of users can have.
public struct FriendshipStatus: Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// A request waits for the addressee.
    public static let pending = FriendshipStatus(rawValue: "pending")
    public static let accepted = FriendshipStatus(rawValue: "accepted")
    public static let rejected = FriendshipStatus(rawValue: "rejected")
    public static let cancelled = FriendshipStatus(rawValue: "cancelled")
    /// They were friends and one of them ended it (unfriend or block).
    public static let removed = FriendshipStatus(rawValue: "removed")

    /// A new request may be made from this state.
    public var allowsNewRequest: Bool { self == .rejected || self == .cancelled || self == .removed }

    public init(from decoder: any Decoder) throws { self.rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// The friendship between two users: one row per unordered pair, holding who asked whom.
public struct Friendship: Hashable, Sendable, Codable {
    /// Who sent the latest request.
    public var requester: UserID
    /// Who received it.
    public var addressee: UserID
    public var status: FriendshipStatus
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    /// Incremented on every change; stores update a row only when the version they read is still current.
    public var version: Int

    public init(
        requester: UserID,
        addressee: UserID,
        status: FriendshipStatus,
        createdAt: Timestamp,
        updatedAt: Timestamp,
        version: Int = 1
    ) {
        self.requester = requester
        self.addressee = addressee
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }

    /// The pair's key, independent of who asked whom.
    public var pairKey: ConversationID { ConversationID(requester, addressee) }

    public func involves(_ user: UserID) -> Bool { requester == user || addressee == user }

    /// The other side of the pair, seen from `user`.
    public func peer(of user: UserID) -> UserID { requester == user ? addressee : requester }
}

/// Which requests to list, seen from the caller.
public enum FriendRequestDirection: String, Sendable, Hashable, Codable, CaseIterable {
    /// Requests others sent to the caller.
    case incoming
    /// Requests the caller sent.
    case outgoing
}

/// A keyset cursor into friendship lists, ordered newest change first by `(updatedAt, pairKey)` descending.
public struct FriendshipCursor: Hashable, Sendable, Codable {
    public var updatedAt: Timestamp
    public var pairKey: String

    public init(updatedAt: Timestamp, pairKey: String) {
        self.updatedAt = updatedAt
        self.pairKey = pairKey
    }

    public init(_ friendship: Friendship) {
        self.init(updatedAt: friendship.updatedAt, pairKey: friendship.pairKey.rawValue)
    }
}

/// A block: `blocker` stops all requests and messages between the two, in both directions.
public struct Block: Hashable, Sendable, Codable {
    public var blocker: UserID
    public var blocked: UserID
    public var createdAt: Timestamp

    public init(blocker: UserID, blocked: UserID, createdAt: Timestamp) {
        self.blocker = blocker
        self.blocked = blocked
        self.createdAt = createdAt
    }
}
