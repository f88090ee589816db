import Foundation
import ProcessTestSupport

/// A `chatblizz serve` process on a free port with its own data directory.
struct ServerProcess {
    let child: ChildProcess
    let port: Int
    let dataDirectory: String
    var baseURL: String { "http://127.0.0.1:\(port)" }

    static func start(databaseURL: String? = nil, environment: [String: String] = [:]) async throws -> ServerProcess {
        guard let binary = Interop.serverBinary else { throw ChildProcessError("chatblizz binary missing") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chatblizz-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for attempt in 0..<5 {
            let port = Int.random(in: 20_000..<60_000)
            var env = ["CHATBLIZZ_BCRYPT_COST": "4", "CHATBLIZZ_SOCKET_RATE_LIMIT": "10000", "CHATBLIZZ_LOG_LEVEL": "warning"]
            if let databaseURL { env["CHATBLIZZ_DATABASE_URL"] = databaseURL }
            env.merge(environment) { _, new in new }
            let child = try ChildProcess(
                binary,
                ["serve", "--host", "127.0.0.1", "--port", String(port), "--data-dir", directory],
                environment: env,
                outputTo: "\(directory)/server-\(attempt).log"
            )
            let server = ServerProcess(child: child, port: port, dataDirectory: directory)
            if await server.waitUntilReady() { return server }
            child.kill()
        }
        throw ChildProcessError("chatblizz serve did not become ready; logs in \(directory)")
    }

    private func waitUntilReady() async -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            guard child.isRunning else { return false }
            if HTTPProbe.isOK(port: port, path: "/ready") { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// Runs `body`, then stops the server whether `body` threw or not.
    func running<T>(_ body: () async throws -> T) async throws -> T {
        do {
            let result = try await body()
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }

    /// The end of the server's output so far, for failure messages.
    func logTail(bytes: Int = 6_000) -> String {
        let text = (try? String(contentsOfFile: child.outputPath, encoding: .utf8)) ?? ""
        return String(text.suffix(bytes))
    }

    func stop() async {
        child.kill()
        _ = await child.finish(timeout: .seconds(30))
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }
}
