import Synchronization

/// Runs `operation` for at most `limit`: its result, or `nil` if it had not finished by then (it is then cancelled).
///
/// For tests that wait on something that may never happen: they fail after the limit instead of hanging the run.
public func withDeadline<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async -> T) async -> T? {
    await withTaskGroup(of: T?.self) { group in
        group.addTask { await operation() }
        group.addTask {
            try? await Task.sleep(for: limit)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

/// Runs `operation` in a task of its own: its result, or `nil` if it had not finished after `limit` (the task is then
/// cancelled and left behind).
///
/// For tests of waits that might last for ever whatever the cancellation, the very bugs they look for: `withDeadline`
/// waits for its operation to end, so such a bug would hang the run instead of failing the test.
public func valueWithin<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async -> T) async -> T? {
    let result = Mutex<T?>(nil)
    let task = Task {
        let value = await operation()
        result.withLock { $0 = value }
    }
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if let value = result.withLock({ $0 }) { return value }
        do {
            try await Task.sleep(for: .milliseconds(5))
        } catch {
            break
        }
    }
    task.cancel()
    return result.withLock { $0 }
}
