import AsyncTestSupport
import Testing

/// The in-process test server's own guarantee: a server that cannot start fails its test instead of hanging the run.
struct TestServerTests {
    /// HummingbirdTesting's live framework waits, without a bound and without reacting to cancellation, for the port
    /// of a server that a failed `beforeServerStarts` step (the migration) never starts. In one CI run a MariaDB
    /// migration that could not take its lock hung the whole run that way.
    @Test func aServerThatCannotMigrateFailsInsteadOfHanging() async throws {
        let outcome: Result<Bool, any Error>? = await valueWithin(.seconds(60)) {
            do {
                let ran = try await TestServer.run(
                    .sqlite,
                    startTimeout: .seconds(20),
                    configure: { $0.databaseURL = "postgres://nobody@127.0.0.1:1/none?sslmode=disable&pool_timeout=1" }
                ) { _ in }
                return .success(ran)
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .failure(let error):
            #expect(error is TestServerError, "\(error)")
        case .success(let ran):
            Issue.record("a server on an unreachable database ran its test body (ran: \(ran))")
        case nil:
            Issue.record("TestServer.run still waits 60 s after its database could not be migrated")
        }
    }
}
