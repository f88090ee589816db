import AsyncTestSupport
import ChatApp
import Logging
import ServiceLifecycle
import Testing

/// A service that ignores graceful shutdown and ends only when cancelled, like a disconnect handler waiting for a
/// database that is gone.
private struct StuckOnShutdown: Service {
    let cancelled: AsyncStream<Void>.Continuation

    func run() async throws {
        try? await Task.sleep(for: .seconds(3_600))
        if Task.isCancelled { cancelled.yield() }
    }
}

@Suite("Shutdown timeout")
struct ShutdownTimeoutTests {
    @Test func signalsStartAGracefulShutdown() throws {
        let configuration = ServiceGroupConfiguration(
            chatBlizz: StuckOnShutdown(cancelled: AsyncStream.makeStream().1),
            try AppConfiguration(environment: [:]),
            logger: Logger(label: "test")
        )
        #expect(configuration.gracefulShutdownSignals == [.sigterm, .sigint])
        #expect(configuration.maximumGracefulShutdownDuration == .seconds(30))
        #expect(configuration.maximumCancellationDuration == .seconds(10))
    }

    /// With `CHATBLIZZ_SHUTDOWN_TIMEOUT_S=1`, a graceful shutdown that cannot finish is cancelled after a second instead
    /// of hanging (the test gives up after 60 s rather than hang the run).
    @Test func aShutdownThatCannotFinishIsCancelledAfterTheTimeout() async throws {
        let appConfiguration = try AppConfiguration(environment: ["CHATBLIZZ_SHUTDOWN_TIMEOUT_S": "1"])
        let (cancellations, cancelled) = AsyncStream<Void>.makeStream()
        var configuration = ServiceGroupConfiguration(
            chatBlizz: StuckOnShutdown(cancelled: cancelled),
            appConfiguration,
            logger: Logger(label: "test")
        )
        // The test triggers the shutdown itself; the test process's own signals stay untouched, and a cancellation that
        // did not end would fail the test at its deadline rather than stop the test process.
        configuration.gracefulShutdownSignals = []
        configuration.maximumCancellationDuration = nil
        let group = ServiceGroup(configuration: configuration)
        let clock = ContinuousClock()
        let start = clock.now
        let finished = await withDeadline(.seconds(60)) {
            await withTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try? await group.run() }
                try? await Task.sleep(for: .milliseconds(100))
                await group.triggerGracefulShutdown()
            }
            return true
        }
        #expect(finished == true, "the service group was still running 60 s after the graceful shutdown began")
        #expect(clock.now - start >= .seconds(1))
        var iterator = cancellations.makeAsyncIterator()
        #expect(await iterator.next() != nil)
    }
}
