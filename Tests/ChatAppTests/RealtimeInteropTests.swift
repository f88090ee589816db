import Foundation
import Testing

/// The real `chatblizz serve` process driven by python-socketio clients (a Socket.IO implementation we did not write)
/// and raw WebSockets: the realtime acceptance scenarios.
@Suite("Realtime end to end with python-socketio", .serialized)
struct RealtimeInteropTests {
    @Test(arguments: TestBackend.allCases)
    func multiDeviceHistoryMatchesRESTDespiteReconnects(_ backend: TestBackend) async throws {
        guard await Interop.available() else { return }
        let directory = FileManager.default.temporaryDirectory.path
        guard let url = backend.databaseURL(directory: "\(directory)/chatblizz-md-\(UUID().uuidString)") else { return }
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

    @Test func killNineLosesNoAcknowledgedMessage() async throws {
        guard await Interop.available(), let binary = Interop.serverBinary else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chatblizz-crash-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = Int.random(in: 20_000..<60_000)
        let output = try await Interop.run(
            "crash.py",
            ["--server-bin", binary, "--port", String(port), "--data-dir", directory, "--seconds", "2"]
        )
        #expect(output.contains("OK acked="), "\(output)")
    }
}
