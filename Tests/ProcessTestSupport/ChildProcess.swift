import Foundation
import Glibc
import Synchronization

/// A child process of a test, spawned with `posix_spawn` and reaped with `waitpid` on its own pid.
///
/// Output goes to files, not pipes, and nothing here uses Foundation's `Process`, `Pipe` or `FileHandle`:
/// - a pipe's write end can leak into other children, and then the reader never sees end-of-file;
/// - in one CI run `Process.isRunning` stayed true after a child had exited, and the test waited forever;
/// - `FileHandle.readabilityHandler` arms a libdispatch read source per pipe, and tearing several of them down at once
///   can crash libdispatch's manager thread in `_dispatch_event_loop_drain` (swift-corelibs-libdispatch issue 949); it
///   took the whole test process down in one CI run.
///
/// The child starts with no inherited descriptor beyond its standard ones, no blocked signal and default handlers.
/// A child still running when its `ChildProcess` is released is killed and reaped, so a failing test leaves no process
/// behind.
public final class ChildProcess: Sendable {
    public struct Result: Sendable {
        /// The exit code; 128 + the signal for a child killed by a signal; -1 if the exit was not observed.
        public var status: Int32
        /// Standard output (and standard error, unless it was kept apart).
        public var output: String
        /// Standard error when it was kept apart (`separateErrorOutput`), else empty.
        public var errorOutput: String
    }

    public let pid: pid_t
    /// Where standard output goes (standard error too, unless `errorPath` is set).
    public let outputPath: String
    /// Where standard error goes when it is kept apart from standard output.
    public let errorPath: String?
    private let removesFilesOnRelease: Bool
    private let exitStatus = Mutex<Int32?>(nil)

    /// Starts `executable` (looked up in `PATH` when it has no `/`).
    /// - Parameters:
    ///   - environment: added to (and overriding) the test process's environment; `PYTHONUNBUFFERED=1` is always set.
    ///   - file: where the output goes; a temporary file, removed when this object is released, by default.
    ///   - separateErrorOutput: whether standard error goes to a file of its own.
    public init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        outputTo file: String? = nil,
        separateErrorOutput: Bool = false
    ) throws {
        var env = ProcessInfo.processInfo.environment
        env["PYTHONUNBUFFERED"] = "1"
        env.merge(environment) { _, new in new }
        let base = file ?? FileManager.default.temporaryDirectory.appendingPathComponent("chatblizz-child-\(UUID().uuidString)").path + ".log"
        outputPath = base
        errorPath = separateErrorOutput ? base + ".stderr" : nil
        removesFilesOnRelease = file == nil
        for path in [outputPath, errorPath].compactMap(\.self) where !FileManager.default.createFile(atPath: path, contents: nil) {
            throw ChildProcessError("cannot create \(path)")
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_APPEND, 0)
        if let errorPath {
            posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_APPEND, 0)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        // No other descriptor of the test process (sockets, pipes) leaks into the child. glibc 2.34+ has
        // posix_spawn_file_actions_addclosefrom_np, which Swift's Glibc module does not import.
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
        }
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
        let result =
            executable.contains("/")
            ? posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            : posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw ChildProcessError("cannot start \(executable): \(String(cString: strerror(result)))") }
        self.pid = pid
    }

    deinit {
        if reap() == nil {
            Glibc.kill(pid, SIGKILL)
            reapBlocking()
        }
        if removesFilesOnRelease {
            for path in [outputPath, errorPath].compactMap(\.self) { unlink(path) }
        }
    }

    public var isRunning: Bool { reap() == nil }

    /// Sends `signal` to the child unless it has been reaped (its pid may belong to another process by then).
    public func signal(_ signal: Int32) {
        if isRunning { Glibc.kill(pid, signal) }
    }

    /// Asks the child to stop (SIGTERM).
    public func kill() { signal(SIGTERM) }

    /// Kills the child (SIGKILL, like a crash) and waits for it to exit, blocking the calling thread for that short time.
    public func killAndWait() {
        signal(SIGKILL)
        reapBlocking()
    }

    /// Standard output so far (with standard error unless it is kept apart).
    public func output() -> String { Self.read(outputPath) }

    /// Standard error so far, when it is kept apart.
    public func errorOutput() -> String { errorPath.map(Self.read) ?? "" }

    /// Waits for a line of standard output starting with `prefix`; nil if the child exits without printing one.
    public func waitForLine(startingWith prefix: String) async -> String? {
        while true {
            let exited = !isRunning
            if let line = output().split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) { return String(line) }
            if exited || Task.isCancelled { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits for the exit, stopping the child after `timeout` (SIGTERM, then SIGKILL a second later), and returns its
    /// status and output. A cancelled task (a test past its time limit) kills the child at once instead of waiting:
    /// no wait here outlives its bound or its task.
    public func finish(timeout: Duration) async -> Result {
        let deadline = ContinuousClock.now + timeout
        var status = reap()
        while status == nil {
            if Task.isCancelled {
                killAndWait()
            } else if ContinuousClock.now > deadline {
                kill()
                try? await Task.sleep(for: .seconds(1))
                signal(SIGKILL)
            }
            try? await Task.sleep(for: .milliseconds(20))
            status = reap()
        }
        return Result(status: status ?? -1, output: output(), errorOutput: errorOutput())
    }

    /// The exit status once the child has exited (reaping it), nil while it runs.
    private func reap() -> Int32? {
        exitStatus.withLock { status in
            if status == nil { status = Self.wait(for: pid, options: WNOHANG) }
            return status
        }
    }

    private func reapBlocking() {
        exitStatus.withLock { status in
            if status == nil { status = Self.wait(for: pid, options: 0) }
        }
    }

    private static func wait(for pid: pid_t, options: Int32) -> Int32? {
        var raw: Int32 = 0
        var reaped: pid_t
        repeat {
            reaped = waitpid(pid, &raw, options)
        } while reaped == -1 && errno == EINTR
        if reaped == pid {
            // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import.
            return raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        }
        return reaped == -1 ? -1 : nil
    }

    private static func read(_ path: String) -> String {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
