import ChatCore
import Foundation
import Synchronization
import Testing

@testable import ChatStoreSQL

/// PostgreSQL connections that the server ends under load (a restart, a failover, `pg_terminate_backend`): every
/// session ends, with its result or as `unavailable` (at the latest when it has waited `pool_timeout` for a
/// connection), and the pool serves sessions again afterwards.
@Suite(.timeLimit(.minutes(10)))
struct PostgresConnectionLossTests {
    @Test func sessionsOnTerminatedConnectionsFinish() async throws {
        guard let url = TestDatabases.postgresURL() else { return }
        let application = "chatblizz-loss-\(UUID().uuidString.prefix(8))"
        guard case .postgres(var configuration, _) = try SQLStoreConfiguration(url: url).backend else {
            Issue.record("\(TestDatabases.postgresURLVariable) is not a postgres:// URL")
            return
        }
        configuration.options.maximumConnections = 8
        configuration.options.additionalStartupParameters.append(("application_name", application))
        let client = SQLDatabaseClient(
            configuration: SQLStoreConfiguration(backend: .postgres(configuration, schema: nil), postgresConnectionWait: .seconds(2))
        )
        let admin = try SQLDatabaseClient(url: url)
        let sessions = 300

        try await admin.withRunning { admin in
            try await client.withRunning { client in
                for round in 0..<12 {
                    let finished = Counter()
                    let running = Counter()
                    // Unstructured on purpose: a session that never finishes must fail this test, not hang it.
                    for _ in 0..<sessions {
                        Task {
                            defer { finished.add(1) }
                            do {
                                try await client.provider.withSession { database in
                                    running.add(1)
                                    defer { running.add(-1) }
                                    try await database.raw("SELECT pg_sleep(0.002)").run()
                                }
                            } catch let error as ChatError where error.code == .unavailable {
                                // A session whose connection the server ended.
                            } catch {
                                Issue.record("round \(round): a session failed with \(error), not as unavailable")
                            }
                        }
                    }
                    for _ in 0..<3 {
                        try await Task.sleep(for: .milliseconds(Int.random(in: 5...30)))
                        try await admin.provider.withSession { database in
                            try await database.raw(
                                """
                                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                                WHERE application_name = \(bind: application) AND pid <> pg_backend_pid()
                                """
                            ).run()
                        }
                    }
                    let deadline = ContinuousClock.now + .seconds(10)
                    while finished.value < sessions, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
                    let unfinished = sessions - finished.value
                    let lostQueries = running.value
                    // A session waits for a connection 2 s at most.
                    #expect(unfinished - lostQueries == 0, "round \(round): \(unfinished - lostQueries) sessions were still waiting for a connection")
                    withKnownIssue(
                        "postgres-nio 1.33 writes a query to a just-closed channel without a promise, and its result never comes",
                        isIntermittent: true
                    ) {
                        #expect(lostQueries == 0, "round \(round): \(lostQueries) queries on a closed connection never finished")
                    }
                    if unfinished > 0 { return }
                }
                // The pool serves sessions again once the terminations stop.
                try await client.ping()
                try await client.provider.withSession { database in try await database.raw("SELECT 1").run() }
            }
        }
    }
}

private final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .relaxed) }
    func add(_ delta: Int) { count.add(delta, ordering: .relaxed) }
}
