import Foundation
import ProcessTestSupport
import Testing

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
