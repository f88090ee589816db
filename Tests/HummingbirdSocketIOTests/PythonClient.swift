import Foundation
import ProcessTestSupport
import Synchronization
import Testing

/// Runs one scenario of Tests/Interop/socketio/client.py (or websocket_frames.py) as a child process.
///
/// A `ChildProcess`: output goes to files polled by `waitForLine`, not to pipes with readability handlers (see
/// `ChildProcess` for why).
final class PythonClient: Sendable {
    struct Output: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    private let arguments: [String]
    private let environment: [String: String]
    private let child = Mutex<ChildProcess?>(nil)

    /// The interpreter: `CHATBLIZZ_PYTHON` or `python3`.
    static var python: String { ProcessInfo.processInfo.environment["CHATBLIZZ_PYTHON"] ?? "python3" }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interop/socketio/client.py").path
    }

    /// Whether python-socketio can be imported. When it cannot, the test fails on CI (`CI=true`) and is skipped
    /// (returns early without issues) elsewhere, so a developer machine without python still runs the rest.
    static func isAvailable() async -> Bool {
        let probe = PythonClient(arguments: ["-c", "import socketio, aiohttp, websocket"], environment: [:])
        do {
            try probe.start()
        } catch {
            return Self.unavailable("cannot run \(Self.python): \(error)")
        }
        let status = await probe.waitForExit().status
        if status == 0 { return true }
        return Self.unavailable(
            "python-socketio is not importable with \(Self.python); pip install \"python-socketio[asyncio_client]==5.*\" aiohttp websocket-client"
        )
    }

    private static func unavailable(_ message: String) -> Bool {
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record(Comment(rawValue: message))
        }
        return false
    }

    init(arguments: [String], environment: [String: String]) {
        self.arguments = arguments
        self.environment = environment
    }

    /// A scenario of Tests/Interop/socketio/websocket_frames.py (raw WebSocket frames, with websocket-client).
    convenience init(frames scenario: String, port: Int) {
        let script = URL(fileURLWithPath: Self.script).deletingLastPathComponent().appendingPathComponent("websocket_frames.py").path
        self.init(arguments: [script, scenario, "http://127.0.0.1:\(port)"], environment: [:])
    }

    convenience init(scenario: String, port: Int, transports: String, environment: [String: String] = [:]) {
        self.init(arguments: [Self.script, scenario, "http://127.0.0.1:\(port)", transports], environment: environment)
    }

    func start() throws {
        let process = try ChildProcess(Self.python, arguments, environment: environment, separateErrorOutput: true)
        child.withLock { $0 = process }
    }

    /// Waits for a stdout line starting with `prefix`; `nil` if the process exits first (or was never started).
    func waitForLine(_ prefix: String) async -> String? {
        guard let process = child.withLock({ $0 }) else { return nil }
        return await process.waitForLine(startingWith: prefix)
    }

    /// Waits for the process to exit; one still running after `timeout` (every scenario takes seconds) is killed.
    func waitForExit(timeout: Duration = .seconds(120)) async -> Output {
        guard let process = child.withLock({ $0 }) else { return Output(status: -1, stdout: "", stderr: "not started") }
        let result = await process.finish(timeout: timeout)
        return Output(status: result.status, stdout: result.output, stderr: result.errorOutput)
    }

    /// Freezes the process (SIGSTOP): its sockets stay open but it stops answering pings.
    func suspend() { child.withLock { $0 }?.signal(SIGSTOP) }

    /// Kills the process.
    func kill() { child.withLock { $0 }?.killAndWait() }

    /// Runs a scenario to completion.
    static func run(_ scenario: String, port: Int, transports: String, environment: [String: String] = [:]) async throws -> Output {
        let client = PythonClient(scenario: scenario, port: port, transports: transports, environment: environment)
        try client.start()
        return await client.waitForExit()
    }
}
