import Foundation
import Testing

/// The real `chatblizz serve` process driven by python-socketio clients (a Socket.IO implementation we did not write)
/// and raw WebSockets: the realtime acceptance scenarios.
@Suite("Realtime end to end with python-socketio", .serialized, .timeLimit(.minutes(10)))
struct RealtimeInteropTests {
    @Test(arguments: TestBackend.allCases)
    func multiDeviceHistoryMatchesRESTDespiteReconnects(_ backend: TestBackend) async throws {
        guard await Interop.available() else { return }
        let directory = FileManager.default.temporaryDirectory.path
        guard let url = try await backend.databaseURL(directory: "\(directory)/chatblizz-md-\(UUID().uuidString)") else { return }
        let server = try await ServerProcess.start(databaseURL: backend == .sqlite ? nil : url)
        let output = try await server.running { try await Interop.run("multi_device.py", [server.baseURL, "--messages", "1000", "--chaos", "40"]) }
        #expect(output.contains("OK messages=1000"), "\(output)")
    }

    @Test func presenceTypingReceiptsOfflineSyncAndRecovery() async throws {
        guard await Interop.available() else { return }
        let server = try await ServerProcess.start()
        let output = try await server.running { try await Interop.run("realtime_features.py", [server.baseURL]) }
        #expect(output.contains(" passed, 0 failed"), "\(output)")
    }

    @Test func rateLimitAndSocketsPerUser() async throws {
        guard await Interop.available() else { return }
        let secret = String(repeating: "cd", count: 32)
        let server = try await ServerProcess.start(environment: [
            "CHATBLIZZ_SOCKET_RATE_LIMIT": "5", "CHATBLIZZ_MAX_SOCKETS_PER_USER": "3", "CHATBLIZZ_JWT_SECRET": "hex:\(secret)",
        ])
        let output = try await server.running { try await Interop.run("limits.py", [server.baseURL, "--secret-hex", secret]) }
        #expect(output.contains(" passed, 0 failed"), "\(output)")
    }

    /// `GET /metrics` counts connections, refusals, answered events and disconnects as python-socketio clients cause them.
    @Test func metricsCountSocketEvents() async throws {
        guard await Interop.available() else { return }
        let token = "metrics-token-0123456789"
        let server = try await ServerProcess.start(environment: ["CHATBLIZZ_METRICS_TOKEN": token])
        let output = try await server.running { try await Interop.run("metrics.py", [server.baseURL, "--metrics-token", token]) }
        #expect(output.contains(" passed, 0 failed"), "\(output)")
    }

    /// The same over the Kafka pipeline: the messages are counted as stored once the persister stores them, and the
    /// persister's backlog is exposed.
    @Test func metricsCountSocketEventsOverKafka() async throws {
        guard await Interop.available(), var environment = TestKafka.environment() else { return }
        let token = "metrics-token-0123456789"
        environment["CHATBLIZZ_METRICS_TOKEN"] = token
        let server = try await ServerProcess.start(environment: environment)
        let output = try await server.running {
            try await Interop.run("metrics.py", [server.baseURL, "--metrics-token", token, "--kafka"])
        }
        #expect(output.contains(" passed, 0 failed"), "\(output)")
    }

    /// The original app's socket flow (`register`, original payload names) next to a v2 device of the same user.
    @Test func originalClientSocketFlow() async throws {
        guard await Interop.available() else { return }
        let server = try await ServerProcess.start()
        let output = try await server.running { try await Interop.run("v1_socket.py", [server.baseURL]) }
        #expect(output.contains(" passed, 0 failed"), "\(output)")
    }

    @Test func killNineLosesNoAcknowledgedMessage() async throws {
        try await Self.crashAndRestart()
    }

    /// The same crash with the Kafka pipeline: a message is acknowledged once the broker has it, so the messages the
    /// killed server acknowledged but had not stored yet are stored by the restarted one.
    @Test func killNineLosesNoAcknowledgedMessageOverKafka() async throws {
        guard let kafka = TestKafka.environment() else { return }
        try await Self.crashAndRestart(environment: kafka, settleSeconds: 60)
    }

    /// `crash.py`: SIGKILL a server while clients send, restart it on the same data, check every acknowledged message.
    static func crashAndRestart(environment: [String: String] = [:], settleSeconds: Int = 0) async throws {
        guard await Interop.available(), let binary = Interop.serverBinary else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chatblizz-crash-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = try await Interop.run(
            "crash.py",
            ["--server-bin", binary, "--data-dir", directory, "--seconds", "2", "--settle", String(settleSeconds)],
            environment: environment
        )
        #expect(output.contains("OK acked="), "\(output)")
    }

    /// Several devices per user with reconnects, over the Kafka pipeline: every message arrives once on every device
    /// and history matches.
    @Test func multiDeviceOverKafka() async throws {
        guard await Interop.available(), let kafka = TestKafka.environment() else { return }
        let server = try await ServerProcess.start(environment: kafka)
        let (output, log) = try await server.running {
            (try await Interop.run("multi_device.py", [server.baseURL, "--messages", "500", "--chaos", "20"]), server.logTail())
        }
        #expect(output.contains("OK messages=500"), "\(output)\nserver log:\n\(log)")
    }

    /// Three nodes sharing PostgreSQL and Redis: cross-node delivery, global presence, a SIGKILLed node, a Redis restart.
    @Test func threeNodesActAsOneThroughRedis() async throws {
        guard await Interop.available(), let binary = Interop.serverBinary else { return }
        let environment = ProcessInfo.processInfo.environment
        guard let postgres = try await TestBackend.postgres.databaseURL(directory: ""), let redis = environment["CHATBLIZZ_TEST_REDIS_SERVER_BIN"]
        else {
            if environment["CI"] == "true", environment["CHATBLIZZ_TEST_REDIS_SERVER_BIN"] == nil {
                Issue.record("CHATBLIZZ_TEST_REDIS_SERVER_BIN is not set: scripts/test starts Redis for the multi-node test")
            }
            return
        }
        let base = postgres.components(separatedBy: "schema=").first?.trimmingCharacters(in: CharacterSet(charactersIn: "?&")) ?? postgres
        let output = try await Interop.run("multi_node.py", ["--server-bin", binary, "--postgres-url", base, "--redis-bin", redis])
        #expect(output.contains(" passed, 0 failed"), "\(output)")
    }
}
