import AsyncTestSupport
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
            let cancelled = await Self.status(of: client, cancelled: true)
            #expect(cancelled == 400, "round \(round): the cancelled GET was answered \(cancelled.map(String.init) ?? "never")")
            // The session is closed: the next GET is refused at once instead of waiting.
            let next = await Self.status(of: client, cancelled: false)
            #expect(next == 400, "round \(round): a GET after the aborted one was answered \(next.map(String.init) ?? "never")")
        }
    }

    /// The status of a GET on `client`'s session, cancelled as soon as it is created when `cancelled`; nil when it has
    /// not ended after 10 s.
    private static func status(of client: TestPollingClient, cancelled: Bool) async -> Int? {
        await valueWithin(.seconds(10)) {
            withUnsafeCurrentTask { task in
                if cancelled { task?.cancel() }
            }
            return await client.get().status
        }
    }
}
