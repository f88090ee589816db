import Synchronization
import Testing

@testable import SocketIO

/// A polling GET whose request is cancelled (the client went away) ends, however early the cancellation came, and
/// closes its session as engine.io does ("transport close").
struct EngineIOPollingCancellationTests {
    /// Cancelled before it starts, the GET's cancellation handler runs before its waiter is stored; it used to stay
    /// parked until the next ping (for ever here, with no timer wheel running).
    @Test func aGetCancelledBeforeItWaitsEndsAtOnce() async throws {
        let io = SocketIOServer(configuration: SocketIOConfiguration(connectTimeout: .seconds(120)))
        for round in 0..<20 {
            let client = try await TestPollingClient.connect(io.engine)
            let cancelled = try await Self.status(of: client, cancelled: true)
            #expect(cancelled == 400, "round \(round): the cancelled GET was answered \(cancelled.map(String.init) ?? "never")")
            // The session is closed: the next GET is refused at once instead of waiting.
            let next = try await Self.status(of: client, cancelled: false)
            #expect(next == 400, "round \(round): a GET after the aborted one was answered \(next.map(String.init) ?? "never")")
        }
    }

    /// The status of a GET on `client`'s session, cancelled as soon as it is created when `cancelled`; nil when it has
    /// not ended after 10 s. The GET runs in an unstructured task, so that one that never ends fails the test instead
    /// of hanging the run.
    private static func status(of client: TestPollingClient, cancelled: Bool) async throws -> Int? {
        let status = Mutex<Int?>(nil)
        let get = Task {
            let response = await client.get()
            status.withLock { $0 = response.status }
        }
        if cancelled { get.cancel() }
        let deadline = ContinuousClock.now + .seconds(10)
        while status.withLock({ $0 }) == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        return status.withLock { $0 }
    }
}
