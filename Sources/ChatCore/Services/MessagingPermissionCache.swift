import Synchronization

/// Remembers which pairs of users may message each other, so the check before every message does not reach the store
/// each time.
///
/// Only "allowed" is remembered: a refusal is always checked again, so a new friendship takes effect at once. An entry
/// ends `ttl` after the check that made it, or at once when ``invalidate(_:)`` is called for its pair.
/// `FriendshipService` invalidates after every friendship or block change it commits, and the realtime fan-out
/// invalidates for the changes other nodes announce on the event bus; `ttl` bounds how long a node that missed such an
/// announcement can be wrong.
///
/// An entry used after `refreshAfter` is queued for a re-check in the background (``takeDue()``,
/// ``refreshed(_:allowed:generation:checkedAt:)``), so a pair that keeps messaging keeps its entry and its messages do
/// not wait for the store when it would expire. The re-checks of many pairs are one store query
/// (`FriendshipService.refreshDuePermissions`), instead of one per pair on the message path.
///
/// A check that started before an invalidation never stores its (possibly stale) answer: every invalidation advances a
/// generation, and an answer is only stored when the generation is the one its check started with.
public final class MessagingPermissionCache: Sendable {
    private struct Entry {
        var checkedAt: ContinuousClock.Instant
        var isQueued = false
    }

    private struct State {
        var entries: [ConversationID: Entry] = [:]
        var due: [ConversationID] = []
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())
    private let wakeups: AsyncStream<Void>.Continuation
    /// Yields whenever pairs become due for a re-check; the refresher drains them with ``takeDue()``.
    public let refreshRequests: AsyncStream<Void>
    /// How long an "allowed" answer is reused.
    public let ttl: Duration
    /// How old an entry is when its next use queues a re-check.
    public let refreshAfter: Duration
    /// The most pairs kept; when full, expired entries are dropped first, then everything.
    public let capacity: Int

    /// - Parameter refreshAfter: the age at which a used entry is re-checked in the background; half of `ttl` when nil.
    public init(ttl: Duration = .seconds(2), refreshAfter: Duration? = nil, capacity: Int = 100_000) {
        self.ttl = ttl
        self.refreshAfter = min(max(refreshAfter ?? ttl / 2, .zero), ttl)
        self.capacity = max(1, capacity)
        (self.refreshRequests, self.wakeups) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    deinit { self.wakeups.finish() }

    /// Whether `pair` is known to be allowed at `now`, and the generation to pass to ``remember(_:generation:now:)``.
    public func lookup(_ pair: ConversationID, now: ContinuousClock.Instant) -> (allowed: Bool, generation: UInt64) {
        let (result, wake) = self.state.withLock { state -> ((Bool, UInt64), Bool) in
            guard let entry = state.entries[pair] else { return ((false, state.generation), false) }
            let age = now - entry.checkedAt
            if age >= self.ttl {
                state.entries[pair] = nil
                return ((false, state.generation), false)
            }
            guard age >= self.refreshAfter, !entry.isQueued else { return ((true, state.generation), false) }
            state.entries[pair]?.isQueued = true
            state.due.append(pair)
            return ((true, state.generation), state.due.count == 1)
        }
        if wake { self.wakeups.yield() }
        return result
    }

    /// Stores that `pair` was found allowed by a check that started at `now` with `generation`.
    public func remember(_ pair: ConversationID, generation: UInt64, now: ContinuousClock.Instant) {
        self.state.withLock { state in
            guard state.generation == generation else { return }
            self.store(pair, in: &state, now: now)
        }
    }

    /// Forgets `pair`, and makes every check already running not store its answer.
    public func invalidate(_ pair: ConversationID) {
        self.state.withLock { state in
            state.generation &+= 1
            state.entries[pair] = nil
        }
    }

    /// The pairs queued for a re-check since the last call, and the generation to pass back with their answers.
    public func takeDue(limit: Int = .max) -> (pairs: [ConversationID], generation: UInt64) {
        self.state.withLock { state in
            let count = min(max(limit, 0), state.due.count)
            let pairs = Array(state.due.prefix(count))
            state.due.removeFirst(count)
            return (pairs, state.generation)
        }
    }

    /// Applies the answers of a re-check of `pairs` that started at `checkedAt` with `generation`: allowed pairs keep
    /// their entry for `ttl` from `checkedAt`, the others lose it. After an invalidation in between nothing changes but
    /// that the pairs can be queued again; a pair whose entry is gone meanwhile (expired, evicted) is not added back.
    public func refreshed(
        _ pairs: [ConversationID],
        allowed: Set<ConversationID>,
        generation: UInt64,
        checkedAt: ContinuousClock.Instant
    ) {
        self.state.withLock { state in
            let current = state.generation == generation
            for pair in pairs {
                guard var entry = state.entries[pair] else { continue }
                entry.isQueued = false
                if current, entry.checkedAt < checkedAt { entry.checkedAt = checkedAt }
                state.entries[pair] = current && !allowed.contains(pair) ? nil : entry
            }
        }
    }

    /// Lets `pairs` be queued again after their re-check failed; their entries expire as usual meanwhile.
    public func refreshFailed(_ pairs: [ConversationID]) {
        self.state.withLock { state in
            for pair in pairs { state.entries[pair]?.isQueued = false }
        }
    }

    /// The number of pairs remembered (expired ones included until they are looked up or evicted).
    public var count: Int { self.state.withLock { $0.entries.count } }

    private func store(_ pair: ConversationID, in state: inout State, now: ContinuousClock.Instant) {
        if state.entries.count >= self.capacity, state.entries[pair] == nil {
            state.entries = state.entries.filter { now - $0.value.checkedAt < self.ttl }
            if state.entries.count >= self.capacity { state.entries.removeAll(keepingCapacity: true) }
        }
        state.entries[pair] = Entry(checkedAt: now)
    }
}
