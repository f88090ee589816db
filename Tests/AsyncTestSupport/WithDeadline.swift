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
