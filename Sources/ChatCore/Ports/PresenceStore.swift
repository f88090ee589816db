/// Whether a user is online, and when they were last seen.
public struct Presence: Hashable, Sendable, Codable {
    public var userID: UserID
    public var online: Bool
    /// When the user's last socket went away; nil while online or if never seen.
    public var lastSeen: Timestamp?

    public init(userID: UserID, online: Bool, lastSeen: Timestamp?) {
        self.userID = userID
        self.online = online
        self.lastSeen = lastSeen
    }
}

/// Which users have sockets on which nodes. Counts are kept per node, and each node heartbeats; a node that stops
/// (crashed) is forgotten after the store's TTL, so its users go offline within a bounded time even though nobody
/// disconnected them.
public protocol PresenceStore: Sendable {
    /// A socket of `user` connected on `node`. Returns true when this made the user online (their first socket anywhere).
    func socketConnected(_ user: UserID, node: String, at time: Timestamp) async throws -> Bool
    /// A socket of `user` on `node` went away. Returns true when the user has no socket left anywhere; their `lastSeen`
    /// becomes `time`.
    func socketDisconnected(_ user: UserID, node: String, at time: Timestamp) async throws -> Bool
    func presence(of users: [UserID]) async throws -> [Presence]
    /// Keeps `node` alive. Call it well within the TTL.
    func heartbeat(node: String, at time: Timestamp) async throws
    /// Forgets nodes whose heartbeat is older than the TTL and returns the users that went offline because of it (each
    /// with `lastSeen` set), so the caller can tell their friends.
    func sweepExpiredNodes(at time: Timestamp) async throws -> [Presence]
}
