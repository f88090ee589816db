/// An in-memory `PresenceStore` with the same TTL semantics as the shared one.
public actor MemoryPresenceStore: PresenceStore {
    private var sockets: [UserID: [String: Int]] = [:]
    private var lastSeen: [UserID: Timestamp] = [:]
    private var heartbeats: [String: Timestamp] = [:]
    private let ttlMilliseconds: Int64

    public init(ttlMilliseconds: Int64 = 30_000) { self.ttlMilliseconds = ttlMilliseconds }

    public func socketConnected(_ user: UserID, node: String, at time: Timestamp) -> Bool {
        let wasOnline = isOnline(user)
        sockets[user, default: [:]][node, default: 0] += 1
        if heartbeats[node] == nil { heartbeats[node] = time }
        return !wasOnline
    }

    public func socketDisconnected(_ user: UserID, node: String, at time: Timestamp) -> Bool {
        guard var nodes = sockets[user], let count = nodes[node] else { return !isOnline(user) }
        nodes[node] = count > 1 ? count - 1 : nil
        sockets[user] = nodes.isEmpty ? nil : nodes
        guard !isOnline(user) else { return false }
        lastSeen[user] = time
        return true
    }

    public func presence(of users: [UserID]) -> [Presence] {
        users.map { Presence(userID: $0, online: isOnline($0), lastSeen: isOnline($0) ? nil : lastSeen[$0]) }
    }

    public func heartbeat(node: String, at time: Timestamp) { heartbeats[node] = time }

    public func sweepExpiredNodes(at time: Timestamp) -> [Presence] {
        let expired = Set(heartbeats.filter { time.milliseconds - $0.value.milliseconds > ttlMilliseconds }.keys)
        guard !expired.isEmpty else { return [] }
        for node in expired { heartbeats[node] = nil }
        var wentOffline: [Presence] = []
        for (user, nodes) in sockets where !Set(nodes.keys).isDisjoint(with: expired) {
            let remaining = nodes.filter { !expired.contains($0.key) }
            sockets[user] = remaining.isEmpty ? nil : remaining
            if remaining.isEmpty {
                lastSeen[user] = time
                wentOffline.append(Presence(userID: user, online: false, lastSeen: time))
            }
        }
        return wentOffline
    }

    private func isOnline(_ user: UserID) -> Bool { !(sockets[user]?.isEmpty ?? true) }
}
