import ChatCore
import Logging
import Synchronization

/// A fixed-window counter per key (for example a client address), bounded in the number of keys it remembers.
///
/// ``check(_:now:)`` counts on this node only. ``acquire(_:now:)`` counts in the `shared` store when there is one
/// (Redis: one budget for every node) and falls back to this node's counters, with a warning, while the shared store
/// fails: a Redis outage never refuses a request that the local limit allows.
final class RateLimiter: Sendable {
    private struct Window {
        var start: Int64
        var count: Int
    }

    private let limit: Int
    private let windowMilliseconds: Int64
    private let maxKeys: Int
    private let windows = Mutex<[String: Window]>([:])
    private let shared: (any RateLimitStore)?
    private let logger: Logger

    init(
        limit: Int,
        windowMilliseconds: Int64 = 60_000,
        maxKeys: Int = 100_000,
        shared: (any RateLimitStore)? = nil,
        logger: Logger = Logger(label: "chatblizz.rate-limit")
    ) {
        self.limit = limit
        self.windowMilliseconds = windowMilliseconds
        self.maxKeys = maxKeys
        self.shared = shared
        self.logger = logger
    }

    /// Counts one attempt for `key` on this node; throws `rateLimited` once the window's limit is used up.
    func check(_ key: String, now: Timestamp = .now()) throws {
        let allowed = windows.withLock { windows -> Bool in
            if windows.count >= maxKeys {
                windows = windows.filter { now.milliseconds - $0.value.start < windowMilliseconds }
                if windows.count >= maxKeys { windows.removeAll(keepingCapacity: true) }
            }
            var window = windows[key] ?? Window(start: now.milliseconds, count: 0)
            if now.milliseconds - window.start >= windowMilliseconds { window = Window(start: now.milliseconds, count: 0) }
            window.count += 1
            windows[key] = window
            return window.count <= limit
        }
        guard allowed else { throw Self.limited }
    }

    /// Counts one attempt for `key` in the shared store (every node's attempts together); throws `rateLimited` once
    /// the window's limit is used up. Without a shared store, or while it fails, counts on this node (``check(_:now:)``).
    func acquire(_ key: String, now: Timestamp = .now()) async throws {
        guard let shared else { return try check(key, now: now) }
        let count: Int
        do {
            count = try await shared.hit(key, windowMilliseconds: windowMilliseconds, now: now)
        } catch {
            logger.warning("Shared rate limit unavailable; counting on this node", metadata: ["rate_limit.key": "\(key)", "error": "\(error)"])
            return try check(key, now: now)
        }
        guard count <= limit else { throw Self.limited }
    }

    private static var limited: ChatError { ChatError(.rateLimited, "too many attempts; try again in a minute") }
}
