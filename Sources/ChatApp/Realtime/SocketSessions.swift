import ChatCore
import Synchronization

/// Who each connected socket of this node belongs to, with its event-rate budget. Filled when a socket connects (the
/// middleware has verified its token by then) and emptied on disconnect.
final class SocketSessions: Sendable {
    private struct Session {
        var userID: UserID
        var tokens: Double
        var refilledAt: ContinuousClock.Instant
    }

    private let sessions = Mutex<[String: Session]>([:])
    private let perUser = Mutex<[UserID: Int]>([:])
    private let eventsPerSecond: Double
    private let burst: Double

    init(eventsPerSecond: Int, burst: Int) {
        self.eventsPerSecond = Double(eventsPerSecond)
        self.burst = Double(max(burst, 1))
    }

    /// Registers a socket unless its user already has `limit` sockets here; returns false when refused.
    func register(_ socketID: String, user: UserID, limit: Int) -> Bool {
        let admitted = perUser.withLock { counts in
            guard counts[user, default: 0] < limit else { return false }
            counts[user, default: 0] += 1
            return true
        }
        guard admitted else { return false }
        let replaced = sessions.withLock { sessions in
            sessions.updateValue(Session(userID: user, tokens: burst, refilledAt: .now), forKey: socketID)
        }
        if let replaced { release(replaced.userID) }
        return true
    }

    func remove(_ socketID: String) {
        if let removed = sessions.withLock({ $0.removeValue(forKey: socketID) }) { release(removed.userID) }
    }

    func user(of socketID: String) -> UserID? { sessions.withLock { $0[socketID]?.userID } }

    /// How many sockets the user has on this node.
    func count(of user: UserID) -> Int { perUser.withLock { $0[user, default: 0] } }

    /// Takes one event from the socket's budget (a token bucket refilled at `eventsPerSecond`); false when empty.
    func allowEvent(_ socketID: String) -> Bool {
        let now = ContinuousClock.Instant.now
        return sessions.withLock { sessions in
            guard var session = sessions[socketID] else { return false }
            let elapsed = session.refilledAt.duration(to: now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            session.tokens = min(burst, session.tokens + seconds * eventsPerSecond)
            session.refilledAt = now
            guard session.tokens >= 1 else {
                sessions[socketID] = session
                return false
            }
            session.tokens -= 1
            sessions[socketID] = session
            return true
        }
    }

    private func release(_ user: UserID) {
        perUser.withLock { counts in
            let remaining = counts[user, default: 1] - 1
            counts[user] = remaining > 0 ? remaining : nil
        }
    }
}
