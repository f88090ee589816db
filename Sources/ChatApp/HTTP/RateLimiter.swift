import ChatCore
import Synchronization

/// A fixed-window counter per key (for example a client address), bounded in the number of keys it remembers.
final class RateLimiter: Sendable {
    private struct Window {
        var start: Int64
        var count: Int
    }

    private let limit: Int
    private let windowMilliseconds: Int64
    private let maxKeys: Int
    private let windows = Mutex<[String: Window]>([:])

    init(limit: Int, windowMilliseconds: Int64 = 60_000, maxKeys: Int = 100_000) {
        self.limit = limit
        self.windowMilliseconds = windowMilliseconds
        self.maxKeys = maxKeys
    }

    /// Counts one attempt for `key`; throws `rateLimited` once the window's limit is used up.
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
        guard allowed else { throw ChatError(.rateLimited, "too many attempts; try again in a minute") }
    }
}
