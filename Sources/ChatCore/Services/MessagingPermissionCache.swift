import Synchronization

/// Remembers which pairs of users may message each other, so the check before every message does not reach the store
/// each time.
///
/// Only "allowed" is remembered: a refusal is always checked again, so a new friendship takes effect at once. An entry
/// ends after `ttl`, or at once when ``invalidate(_:)`` is called for its pair. `FriendshipService` invalidates after
/// every friendship or block change it commits, and the realtime fan-out invalidates for the changes other nodes
/// announce on the event bus; `ttl` bounds how long a node that missed such an announcement can be wrong.
///
/// A check that started before an invalidation never stores its (possibly stale) answer: every invalidation advances a
/// generation, and ``remember(_:generation:now:)`` only stores when the generation is the one its check started with.
public final class MessagingPermissionCache: Sendable {
    private struct State {
        var expiries: [ConversationID: ContinuousClock.Instant] = [:]
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())
    /// How long an "allowed" answer is reused.
    public let ttl: Duration
    /// The most pairs kept; when full, expired entries are dropped first, then everything.
    public let capacity: Int

    public init(ttl: Duration = .seconds(2), capacity: Int = 100_000) {
        self.ttl = ttl
        self.capacity = max(1, capacity)
    }

    /// Whether `pair` is known to be allowed at `now`, and the generation to pass to ``remember(_:generation:now:)``.
    public func lookup(_ pair: ConversationID, now: ContinuousClock.Instant) -> (allowed: Bool, generation: UInt64) {
        self.state.withLock { state in
            guard let expiry = state.expiries[pair] else { return (false, state.generation) }
            if expiry > now { return (true, state.generation) }
            state.expiries[pair] = nil
            return (false, state.generation)
        }
    }

    /// Stores that `pair` was found allowed by a check that started at `now` with `generation`.
    public func remember(_ pair: ConversationID, generation: UInt64, now: ContinuousClock.Instant) {
        self.state.withLock { state in
            guard state.generation == generation else { return }
            if state.expiries.count >= self.capacity, state.expiries[pair] == nil {
                state.expiries = state.expiries.filter { $0.value > now }
                if state.expiries.count >= self.capacity { state.expiries.removeAll(keepingCapacity: true) }
            }
            state.expiries[pair] = now + self.ttl
        }
    }

    /// Forgets `pair`, and makes every check already running not store its answer.
    public func invalidate(_ pair: ConversationID) {
        self.state.withLock { state in
            state.generation &+= 1
            state.expiries[pair] = nil
        }
    }

    /// The number of pairs remembered (expired ones included until they are looked up or evicted).
    public var count: Int { self.state.withLock { $0.expiries.count } }
}
