import Foundation
import Glibc
import Synchronization
import Testing

/// A child process writing its output to a file (not a pipe: a pipe's write end can leak into other children, and then
/// the reader never sees end-of-file), awaited without blocking a thread.
///
/// Spawned with `posix_spawn` and reaped with `waitpid` on its own pid, not through Foundation's `Process`: in one CI run
/// `Process.isRunning` stayed true after a child had exited and been reaped, and the test waited forever.
final class ChildProcess: Sendable {
    struct Result: Sendable {
        /// The exit code; 128 + the signal for a child killed by a signal; -1 if the exit was not observed.
        var status: Int32
        var output: String
    }

    let pid: pid_t
    let outputPath: String
    private let exitStatus = Mutex<Int32?>(nil)

    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], outputTo file: String? = nil) throws {
        var env = ProcessInfo.processInfo.environment
        env["PYTHONUNBUFFERED"] = "1"
        env.merge(environment) { _, new in new }
        outputPath = file ?? FileManager.default.temporaryDirectory.appendingPathComponent("chatblizz-child-\(UUID().uuidString).log").path
        guard FileManager.default.createFile(atPath: outputPath, contents: nil) else { throw ChildProcessError("cannot create \(outputPath)") }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_APPEND, 0)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // No other descriptor of the test process (sockets, pipes) leaks into the child. glibc 2.34+ has
        // posix_spawn_file_actions_addclosefrom_np, which Swift's Glibc module does not import.
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
        }
        // The child starts with no blocked signal and default handlers, whatever the spawning thread had.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var signals = sigset_t()
        sigemptyset(&signals)
        posix_spawnattr_setsigmask(&attributes, &signals)
        sigfillset(&signals)
        posix_spawnattr_setsigdefault(&attributes, &signals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw ChildProcessError("cannot start \(executable): \(String(cString: strerror(result)))") }
        self.pid = pid
    }

    var isRunning: Bool { reap() == nil }

    /// The exit status once the child has exited (reaping it), nil while it runs.
    private func reap() -> Int32? {
        exitStatus.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            let reaped = waitpid(pid, &raw, WNOHANG)
            if reaped == pid {
                // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import.
                status = raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
            } else if reaped == -1, errno == ECHILD {
                status = -1
            }
            return status
        }
    }

    /// Waits for the exit (terminating the process after `timeout`) and returns its status and output.
    func finish(timeout: Duration) async -> Result {
        let deadline = ContinuousClock.now + timeout
        var status = reap()
        while status == nil {
            if ContinuousClock.now > deadline {
                Glibc.kill(pid, SIGTERM)
                try? await Task.sleep(for: .seconds(1))
                if reap() == nil { Glibc.kill(pid, SIGKILL) }
            }
            try? await Task.sleep(for: .milliseconds(20))
            status = reap()
        }
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return Result(status: status ?? -1, output: text)
    }

    /// Asks the child to stop (SIGTERM).
    func kill() {
        if isRunning { Glibc.kill(pid, SIGTERM) }
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

struct ChildProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
