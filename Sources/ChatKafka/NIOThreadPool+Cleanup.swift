import NIOPosix

extension NIOThreadPool {
    /// Runs `body` on the pool even when the calling task is cancelled (`runIfActive` would skip it): for work that must
    /// happen at shutdown, such as flushing a producer or leaving a consumer group. Nil when the pool has stopped.
    func runEvenIfCancelled<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T? {
        await withCheckedContinuation { continuation in
            submit { state in
                switch state {
                case .active: continuation.resume(returning: body())
                case .cancelled: continuation.resume(returning: nil)
                }
            }
        }
    }
}
