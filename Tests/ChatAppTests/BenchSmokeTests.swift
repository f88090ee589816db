import Foundation
import ProcessTestSupport
import Testing

/// `chatblizz-bench` against a real `chatblizz serve` (every scenario, briefly) and against a python-socketio relay:
/// the load generator must run, verify its messages and exit 0.
@Suite("chatblizz-bench smoke", .serialized, .timeLimit(.minutes(10)))
struct BenchSmokeTests {
    /// `chatblizz-bench`, built by `swift build` / `swift test` next to the test bundle like `chatblizz`.
    static var benchBinary: String? {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidate = directory.appendingPathComponent("chatblizz-bench").path
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }

    /// The server settings the benchmark needs (registration and per-socket event limits lifted).
    static let serverEnvironment = [
        "CHATBLIZZ_AUTH_RATE_LIMIT": "100000", "CHATBLIZZ_SOCKET_RATE_LIMIT": "100000", "CHATBLIZZ_BCRYPT_COST": "4",
    ]

    /// `chatblizz-bench`, once both it and `chatblizz` are known to be built next to the test bundle; nil, after
    /// recording an issue, when one is missing.
    static func requireBinaries() -> String? {
        guard let bench = benchBinary else {
            Issue.record("chatblizz-bench was not found next to the test bundle (\(CommandLine.arguments[0])): run swift build first")
            return nil
        }
        guard Interop.serverBinary != nil else {
            Issue.record("the chatblizz executable was not found next to the test bundle")
            return nil
        }
        return bench
    }

    @Test func everyScenarioAgainstChatBlizz() async throws {
        guard let bench = Self.requireBinaries() else { return }
        let server = try await ServerProcess.start(environment: Self.serverEnvironment)
        try await server.running {
            let common = ["--url", server.baseURL, "--server-pid", String(server.child.pid)]
            let jsonPath = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString).json").path
            defer { try? FileManager.default.removeItem(atPath: jsonPath) }

            let connect = try await Self.run(bench, ["connect", "--sockets", "50", "--duration", "2", "--warmup", "0", "--json", jsonPath] + common)
            #expect(connect.output.contains("verification: sockets=50 connected=50 open_after_hold=50"), "\(connect.output)")
            #expect(connect.output.contains("server RSS growth per connection"), "\(connect.output)")
            let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: jsonPath))) as? [String: Any]
            #expect(report?["scenario"] as? String == "connect")

            // With receipts, as a chat client sends them: the run fails unless every mark_delivered is acknowledged ok.
            let open = try await Self.run(
                bench,
                ["chat", "--pairs", "10", "--rate", "400", "--duration", "3", "--warmup", "0.5", "--receipts"] + common
            )
            Self.expectVerified(open.output)
            #expect(open.output.contains("server CPU per delivered message"), "\(open.output)")
            #expect(open.output.contains("receipts acknowledged ok"), "\(open.output)")
            // 3 s of window: 30 slots of 100 ms.
            #expect(open.output.contains(#/100 ms slots with a delivery over 50 ms +[0-9]+ of 30\b/#), "\(open.output)")

            let closed = try await Self.run(
                bench,
                ["chat", "--pairs", "10", "--devices", "2", "--closed-loop", "--in-flight", "2", "--duration", "3", "--warmup", "0.5"] + common
            )
            Self.expectVerified(closed.output)

            let history = try await Self.run(
                bench,
                ["history", "--messages", "240", "--clients", "3", "--page-size", "50", "--duration", "2", "--warmup", "0"] + common
            )
            #expect(history.output.contains(" bad=0"), "\(history.output)")
            #expect(!history.output.contains("verification: walks=0 "), "\(history.output)")
        }
    }

    @Test func chatAgainstPythonSocketIORelay() async throws {
        guard let bench = Self.benchBinary else {
            Issue.record("chatblizz-bench was not found next to the test bundle (\(CommandLine.arguments[0]))")
            return
        }
        guard let python = ProcessInfo.processInfo.environment["CHATBLIZZ_PYTHON"] else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("CHATBLIZZ_PYTHON is not set: scripts/test provides the python-socketio venv for the relay run")
            }
            return
        }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interop/bench/relay.py").path
        var relay: ChildProcess?
        var port = 0
        for _ in 0..<5 {
            port = Int.random(in: 20_000..<60_000)
            let child = try ChildProcess(python, [script, "--port", String(port)])
            if await Self.waitForHealth(port: port, while: child) {
                relay = child
                break
            }
            child.kill()
            _ = await child.finish(timeout: .seconds(5))
        }
        guard let relay else {
            Issue.record("the python-socketio relay did not start")
            return
        }
        let pid = String(relay.pid)
        let result = try await Self.run(
            bench,
            ["chat", "--target", "relay", "--url", "http://127.0.0.1:\(port)", "--server-pid", pid, "--pairs", "10", "--devices", "2"]
                + ["--rate", "200", "--duration", "2", "--warmup", "0.5"]
        )
        relay.kill()
        _ = await relay.finish(timeout: .seconds(10))
        Self.expectVerified(result.output)
    }

    /// Runs the bench and expects exit status 0; the output is attached to any failure.
    static func run(_ bench: String, _ arguments: [String]) async throws -> ChildProcess.Result {
        let child = try ChildProcess(bench, arguments)
        let result = await child.finish(timeout: .seconds(90))
        #expect(result.status == 0, "chatblizz-bench \(arguments.first ?? "") exited \(result.status):\n\(result.output)")
        return result
    }

    /// The `chat` verification line: everything sent was acknowledged and delivered exactly once.
    static func expectVerified(_ output: String) {
        let pattern = /verification: sent=(\d+) acked=(\d+) delivered_once=(\d+) duplicates=(\d+) lost=(\d+)/
        guard let match = output.firstMatch(of: pattern) else {
            Issue.record("no verification line in:\n\(output)")
            return
        }
        let (sent, acked, once, duplicates, lost) = (Int(match.1) ?? -1, Int(match.2) ?? -2, Int(match.3) ?? -3, Int(match.4), Int(match.5))
        #expect(sent > 0, "\(output)")
        #expect(acked == sent && once == sent, "\(output)")
        #expect(duplicates == 0 && lost == 0, "\(output)")
    }

    private static func waitForHealth(port: Int, while child: ChildProcess) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, child.isRunning {
            if HTTPProbe.isOK(port: port, path: "/health") { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}
