import Foundation
import Glibc
import Testing

/// A child process writing its output to a file (not a pipe: a pipe's write end can leak into other children, and then
/// the reader never sees end-of-file), awaited without blocking a thread.
final class ChildProcess: Sendable {
    struct Result: Sendable {
        var status: Int32
        var output: String
    }

    let process: Process
    let outputPath: String

    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], outputTo file: String? = nil) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["PYTHONUNBUFFERED"] = "1"
        env.merge(environment) { _, new in new }
        process.environment = env
        outputPath = file ?? FileManager.default.temporaryDirectory.appendingPathComponent("chatblizz-child-\(UUID().uuidString).log").path
        guard FileManager.default.createFile(atPath: outputPath, contents: nil) else { throw ChildProcessError("cannot create \(outputPath)") }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        try handle.close()
    }

    /// Waits for the exit (terminating the process after `timeout`) and returns its status and output.
    func finish(timeout: Duration) async -> Result {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                try? await Task.sleep(for: .seconds(1))
                if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, output: text)
    }

    func kill() {
        if process.isRunning { process.terminate() }
    }
}

/// The interop environment: the `chatblizz` binary built next to the tests and a Python with python-socketio.
enum Interop {
    static var python: String { ProcessInfo.processInfo.environment["CHATBLIZZ_PYTHON"] ?? "/usr/bin/python3" }

    /// `Tests/Interop`, where the scenario scripts live, one folder per area (`chat`, `v1`, …).
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Interop")
    }

    /// `chatblizz`, built by `swift test` into the same directory as the test bundle.
    static var serverBinary: String? {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidate = directory.appendingPathComponent("chatblizz").path
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }

    /// Whether the scenarios can run here. Under `CI=true` a missing piece is a failure, never a silent skip.
    static func available() async -> Bool {
        let ci = ProcessInfo.processInfo.environment["CI"] == "true"
        guard serverBinary != nil else {
            Issue.record("the chatblizz executable was not found next to the test bundle (\(CommandLine.arguments[0]))")
            return false
        }
        do {
            let probe = try ChildProcess(python, ["-c", "import socketio, aiohttp, websocket, requests, cryptography"])
            if await probe.finish(timeout: .seconds(30)).status == 0 { return true }
        } catch {}
        if ci { Issue.record("python-socketio is not importable with \(python): scripts/test installs it into .venv-test") }
        return false
    }

    /// Runs the scenario script `Tests/Interop/<folder>/<script>` and expects it to exit 0; its report is attached to
    /// any failure.
    static func run(
        _ script: String,
        _ arguments: [String],
        in folder: String = "chat",
        environment: [String: String] = [:],
        timeout: Duration = .seconds(300)
    ) async throws -> String {
        let path = root.appendingPathComponent(folder).appendingPathComponent(script).path
        let child = try ChildProcess(python, [path] + arguments, environment: environment)
        let result = await child.finish(timeout: timeout)
        #expect(result.status == 0, "\(script) failed:\n\(result.output)")
        return result.output
    }

}

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
            guard child.process.isRunning else { return false }
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

struct ChildProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
