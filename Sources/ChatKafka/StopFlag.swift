import ServiceLifecycle
import Synchronization

/// Set once, read from any task or thread: how a loop that must finish its round (a batch being stored, a poll of
/// librdkafka) learns that it should stop.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    var isSet: Bool { flag.load(ordering: .acquiring) }

    func set() { flag.store(true, ordering: .releasing) }

    /// Runs `body` with this flag set on graceful shutdown or cancellation, instead of cancelling `body`.
    func settingOnShutdown(_ body: () async -> Void) async {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await body()
            } onGracefulShutdown: {
                self.set()
            }
        } onCancel: {
            self.set()
        }
    }
}
