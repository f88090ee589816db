import Foundation
import ProcessTestSupport
import Testing

/// SIGTERM to a `chatblizz serve` that is busy with chat traffic: the graceful shutdown (close every socket, run their
/// disconnect handling, close the store) ends on its own, well before the shutdown timeout, and the process exits 0.
@Suite("Shutdown under load", .serialized, .timeLimit(.minutes(10)))
struct ShutdownUnderLoadTests {
    @Test func sigtermDuringChatTrafficExitsCleanly() async throws {
        guard let bench = BenchSmokeTests.requireBinaries() else { return }
        var environment = BenchSmokeTests.serverEnvironment
        environment["CHATBLIZZ_SHUTDOWN_TIMEOUT_S"] = "60"
        let server = try await ServerProcess.start(environment: environment)
        defer { try? FileManager.default.removeItem(atPath: server.dataDirectory) }
        let load = try ChildProcess(
            bench,
            ["chat", "--url", server.baseURL, "--pairs", "200", "--closed-loop", "--in-flight", "4", "--duration", "30", "--warmup", "0"]
        )
        defer { load.killAndWait() }

        // Until messages flow: the server has stored some (the bench prints nothing before its run ends).
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, load.isRunning, await Self.storedMessages(server) < 2_000 {
            try await Task.sleep(for: .milliseconds(200))
        }
        try #require(load.isRunning, "the load ended early:\n\(load.output())")
        try #require(await Self.storedMessages(server) >= 2_000, "no chat traffic after 60 s:\n\(load.output())")

        let clock = ContinuousClock()
        let signalled = clock.now
        server.child.kill()
        let result = await server.child.finish(timeout: .seconds(90))
        let took = clock.now - signalled
        #expect(result.status == 0, "exit status \(result.status):\n\(server.logTail())")
        // The timeout is 60 s: a shutdown that needed it was cancelled, not graceful.
        #expect(took < .seconds(20), "the shutdown took \(took):\n\(server.logTail())")
    }

    /// Messages in the server's SQLite database so far (read with python3's sqlite3, like an operator would).
    static func storedMessages(_ server: ServerProcess) async -> Int {
        let query = "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from messages').fetchone()[0])"
        guard let probe = try? ChildProcess(Interop.python, ["-c", query, "\(server.dataDirectory)/chatblizz.sqlite"]) else { return 0 }
        let result = await probe.finish(timeout: .seconds(10))
        return Int(result.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }
}
