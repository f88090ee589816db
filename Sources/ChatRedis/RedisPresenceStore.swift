import ChatCore
import Logging

/// The Redis `PresenceStore`, with the semantics of `MemoryPresenceStore` shared by every node.
///
/// Per user a hash of node → socket count (present only while online) and a last-seen time; per node a set of its
/// users and a heartbeat in a sorted set. Connect, disconnect and sweep are Lua scripts, so the online/offline
/// transition they report is atomic across nodes. Expiry compares heartbeats with the time passed to
/// ``sweepExpiredNodes(at:)``, exactly like the in-memory store.
public struct RedisPresenceStore: PresenceStore {
    private let client: RedisClient
    private let keys: RedisKeys
    private let ttlMilliseconds: Int64

    /// - Parameter ttlMilliseconds: how long a node stays alive after its last heartbeat.
    public init(client: RedisClient, keys: RedisKeys = RedisKeys(), ttlMilliseconds: Int64 = 30_000) {
        self.client = client
        self.keys = keys
        self.ttlMilliseconds = ttlMilliseconds
    }

    /// Atomically counts the socket and tells whether this was the user's first one anywhere.
    public func socketConnected(_ user: UserID, node: String, at time: Timestamp) async throws -> Bool {
        let reply = try await Self.connectScript.run(
            on: client,
            keys: [keys.presenceUser(user.rawValue), keys.nodeUsers(node), keys.heartbeats],
            arguments: [node, user.rawValue, String(time.milliseconds)]
        )
        return try Self.flag(reply)
    }

    /// Atomically uncounts the socket; the last one anywhere sets `lastSeen` and returns true.
    public func socketDisconnected(_ user: UserID, node: String, at time: Timestamp) async throws -> Bool {
        let reply = try await Self.disconnectScript.run(
            on: client,
            keys: [keys.presenceUser(user.rawValue), keys.nodeUsers(node), keys.lastSeen(user.rawValue)],
            arguments: [node, user.rawValue, String(time.milliseconds)]
        )
        return try Self.flag(reply)
    }

    /// Online flags and last-seen times in one round trip.
    public func presence(of users: [UserID]) async throws -> [Presence] {
        guard !users.isEmpty else { return [] }
        let reply = try await Self.presenceScript.run(
            on: client,
            keys: users.flatMap { [keys.presenceUser($0.rawValue), keys.lastSeen($0.rawValue)] },
            arguments: []
        )
        guard let values = reply.elements, values.count == users.count * 2 else { throw RedisError.unexpectedReply(reply) }
        return users.enumerated().map { index, user in
            let online = values[index * 2].int64 == 1
            let lastSeen = values[index * 2 + 1].int64.map { Timestamp(milliseconds: $0) }
            return Presence(userID: user, online: online, lastSeen: online ? nil : lastSeen)
        }
    }

    /// Records the node's heartbeat (used by the sweep) and refreshes its `PX ttl` liveness key.
    public func heartbeat(node: String, at time: Timestamp) async throws {
        _ = try await Self.heartbeatScript.run(
            on: client,
            keys: [keys.heartbeats, keys.nodeAlive(node)],
            arguments: [node, String(time.milliseconds), String(max(ttlMilliseconds, 1))]
        )
    }

    /// Forgets nodes whose heartbeat is older than the TTL at `time`, atomically, and returns who went offline.
    public func sweepExpiredNodes(at time: Timestamp) async throws -> [Presence] {
        let reply = try await Self.sweepScript.run(
            on: client,
            keys: [keys.heartbeats],
            arguments: [
                String(time.milliseconds - ttlMilliseconds), String(time.milliseconds), keys.nodeUsersPrefix, keys.presenceUserPrefix,
                keys.lastSeenPrefix, keys.nodeAlivePrefix,
            ]
        )
        guard let users = reply.elements else { throw RedisError.unexpectedReply(reply) }
        return users.compactMap(\.string).map { Presence(userID: UserID($0), online: false, lastSeen: time) }
    }

    private static func flag(_ reply: RESPValue) throws -> Bool {
        guard let value = reply.int64 else { throw RedisError.unexpectedReply(reply) }
        return value == 1
    }
}
