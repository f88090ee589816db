import ProcessTestSupport
import Testing

/// The test helper's own guarantees, which the suites' time limits rely on.
struct ChildProcessTests {
    /// A test cancelled at its time limit must not keep waiting for a child that never ends.
    @Test func cancellingTheWaitKillsTheChild() async throws {
        let child = try ChildProcess("sleep", ["600"])
        let started = ContinuousClock.now
        let waiting = Task { await child.finish(timeout: .seconds(600)) }
        try await Task.sleep(for: .milliseconds(200))
        waiting.cancel()
        let result = await waiting.value
        #expect(result.status == 128 + 9)
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(!child.isRunning)
    }

    @Test func aChildPastItsTimeoutIsStopped() async throws {
        let child = try ChildProcess("sleep", ["600"])
        let result = await child.finish(timeout: .milliseconds(100))
        #expect(result.status == 128 + 15)
    }

    @Test func theExitStatusAndOutputComeBack() async throws {
        let child = try ChildProcess("sh", ["-c", "echo out; echo err >&2; exit 3"], separateErrorOutput: true)
        let result = await child.finish(timeout: .seconds(30))
        #expect(result.status == 3)
        #expect(result.output == "out\n")
        #expect(result.errorOutput == "err\n")
    }
}
