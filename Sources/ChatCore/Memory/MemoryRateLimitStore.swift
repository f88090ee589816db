import Synchronization

/// The in-process ``RateLimitStore``: one node's counters, bounded in the number of keys it remembers (when full,
/// expired windows are dropped, and if that is not enough, everything is forgotten).
public final class MemoryRateLimitStore: RateLimitStore {
    private struct Window {
        var start: Int64
        var length: Int64
        var count: Int
    }

    private let windows = Mutex<[String: Window]>([:])
    private let maxKeys: Int

    /// A store remembering at most `maxKeys` keys.
    public init(maxKeys: Int = 100_000) {
        self.maxKeys = maxKeys
    }

    /// Counts one hit for `key` in its window, measured with `now`.
    public func hit(_ key: String, windowMilliseconds: Int64, now: Timestamp) -> Int {
        windows.withLock { windows in
            if windows.count >= maxKeys, windows[key] == nil {
                windows = windows.filter { now.milliseconds - $0.value.start < $0.value.length }
                if windows.count >= maxKeys { windows.removeAll(keepingCapacity: true) }
            }
            var window = windows[key] ?? Window(start: now.milliseconds, length: windowMilliseconds, count: 0)
            if now.milliseconds - window.start >= window.length {
                window = Window(start: now.milliseconds, length: windowMilliseconds, count: 0)
            }
            window.count += 1
            windows[key] = window
            return window.count
        }
    }
}
