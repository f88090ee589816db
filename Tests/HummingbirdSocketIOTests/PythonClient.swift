import Foundation
import Synchronization
import Testing

/// Runs one scenario of Tests/Interop/socketio/client.py as a child process.
final class PythonClient: Sendable {
    struct Output: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    private struct State {
        var stdout = ""
        var stderr = ""
        var lineWaiters: [(prefix: String, continuation: CheckedContinuation<String?, Never>)] = []
        var exitWaiters: [CheckedContinuation<Int32, Never>] = []
        var status: Int32?
    }

    private let process: Process
    private let state = Mutex(State())

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
        self.process = Process()
        self.process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        self.process.arguments = [Self.python] + arguments
        var env = ProcessInfo.processInfo.environment
        env["PYTHONUNBUFFERED"] = "1"
        for (key, value) in environment { env[key] = value }
        self.process.environment = env
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
        let out = Pipe()
        let err = Pipe()
        self.process.standardOutput = out
        self.process.standardError = err
        out.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            self.appendStdout(String(decoding: data, as: UTF8.self))
        }
        err.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            self.state.withLock { $0.stderr += String(decoding: data, as: UTF8.self) }
        }
        self.process.terminationHandler = { process in
            let waiters = self.state.withLock { state in
                state.status = process.terminationStatus
                let waiters = state.exitWaiters
                state.exitWaiters = []
                let lines = state.lineWaiters
                state.lineWaiters = []
                for waiter in lines { waiter.continuation.resume(returning: nil) }
                return waiters
            }
            for waiter in waiters { waiter.resume(returning: process.terminationStatus) }
        }
        try self.process.run()
    }

    private func appendStdout(_ text: String) {
        self.state.withLock { state in
            state.stdout += text
            let lines = state.stdout.split(separator: "\n").map(String.init)
            state.lineWaiters.removeAll { waiter in
                if let line = lines.first(where: { $0.hasPrefix(waiter.prefix) }) {
                    waiter.continuation.resume(returning: line)
                    return true
                }
                return false
            }
        }
    }

    /// Waits for a stdout line starting with `prefix`; `nil` if the process exits first.
    func waitForLine(_ prefix: String) async -> String? {
        await withCheckedContinuation { continuation in
            self.state.withLock { state in
                if let line = state.stdout.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) {
                    continuation.resume(returning: String(line))
                } else if state.status != nil {
                    continuation.resume(returning: nil)
                } else {
                    state.lineWaiters.append((prefix, continuation))
                }
            }
        }
    }

    /// Waits for the process to exit.
    func waitForExit() async -> Output {
        let status = await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            self.state.withLock { state in
                if let status = state.status {
                    continuation.resume(returning: status)
                } else {
                    state.exitWaiters.append(continuation)
                }
            }
        }
        // Give the pipe handlers a moment to deliver the tail of the output.
        try? await Task.sleep(for: .milliseconds(50))
        return self.state.withLock { Output(status: status, stdout: $0.stdout, stderr: $0.stderr) }
    }

    /// Freezes the process (SIGSTOP): its sockets stay open but it stops answering pings.
    func suspend() { _ = self.process.suspend() }

    /// Kills the process.
    func kill() {
        if self.process.isRunning {
            _ = self.process.resume()
            self.process.terminate()
        }
    }

    /// Runs a scenario to completion.
    static func run(_ scenario: String, port: Int, transports: String, environment: [String: String] = [:]) async throws -> Output {
        let client = PythonClient(scenario: scenario, port: port, transports: transports, environment: environment)
        try client.start()
        return await client.waitForExit()
    }
}
