import ArgumentParser
import Foundation
import NIOCore

struct ChatCommand: BenchScenarioCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "P pairs of users exchange 1:1 messages; latency send→ack and send→receive_message, verified exactly once.",
        discussion: """
            Every device of every user sends `send_message {to, text, clientMessageId}` with an ack to its pair's user. \
            Open loop (default): sends follow a fixed timetable at --rate messages/s in total, and latency is measured \
            from the intended send time (coordinated omission corrected). --closed-loop: each device keeps --in-flight \
            sends without an ack, as fast as the server answers. A message is expected once on every device of the \
            recipient and on every other device of the sender (the server echoes it there). The run ends with
              verification: sent=N acked=N delivered_once=N duplicates=0 lost=0
            and exits non-zero when a message was lost or duplicated or an ack failed. Against ChatBlizz, raise \
            CHATBLIZZ_SOCKET_RATE_LIMIT (closed loop sends far more than 100 events/s per socket).
            The report also counts the 100 ms slots of the window (by intended send time) whose slowest delivery \
            took over 50 ms, and lists them when they are few: evenly spaced slots mean periodic stalls.
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(help: "Pairs of users.")
    var pairs = 10

    @Option(help: "Connected devices (sockets) per user; every device sends.")
    var devices = 1

    @Option(help: "Open loop: total messages per second over all devices.")
    var rate: Double = 1000

    @Flag(help: "Closed loop: each device keeps --in-flight unacknowledged sends instead of following a timetable.")
    var closedLoop = false

    @Option(help: "Closed loop: unacknowledged sends per device.")
    var inFlight = 1

    @Option(help: "Bytes of message text.")
    var messageBytes = 64

    @Option(help: "Sockets opened per second while connecting.")
    var connectRate: Double = 2000

    @Option(help: "Seconds to wait after the run for outstanding acks and deliveries.")
    var drainTimeout: Double = 15

    @Flag(
        help: """
            ChatBlizz only: answer every received message with mark_delivered {peer, upTo} (acknowledged), as a chat \
            client does; receipts are counted apart from messages.
            """
    )
    var receipts = false

    func validate() throws {
        try self.common.validateCommon()
        guard self.pairs >= 1 else { throw ValidationError("--pairs must be at least 1") }
        guard self.devices >= 1 else { throw ValidationError("--devices must be at least 1") }
        guard self.rate > 0 else { throw ValidationError("--rate must be positive") }
        guard self.inFlight >= 1 else { throw ValidationError("--in-flight must be at least 1") }
        guard (1...16384).contains(self.messageBytes) else { throw ValidationError("--message-bytes must be 1...16384") }
        guard self.connectRate > 0 else { throw ValidationError("--connect-rate must be positive") }
        guard !self.receipts || self.common.target == .chatblizz else { throw ValidationError("--receipts needs --target chatblizz") }
    }

    func runScenario(_ environment: BenchEnvironment) async throws -> BenchReport {
        try await ChatScenario(command: self, environment: environment).run()
    }
}

/// Sockets for a set of devices, connected at a rate; shared by `chat` and `connect`.
struct SocketOpener: Sendable {
    let environment: BenchEnvironment
    let rate: Double

    /// Connects device `0..<count` (`connect(index)` starts one and returns the future of its CONNECT) at `rate` per
    /// second and returns how many failed, with a few reasons.
    func open(count: Int, _ connect: (Int) -> EventLoopFuture<Void>) async throws -> (failed: Int, reasons: [String: Int]) {
        let start = Clock.nanos
        let interval = UInt64(1_000_000_000 / self.rate)
        var futures: [EventLoopFuture<Void>] = []
        futures.reserveCapacity(count)
        for index in 0..<count {
            let due = start &+ UInt64(index) &* interval
            if due > Clock.nanos &+ 2_000_000 { try await BenchEnvironment.sleep(until: due) }
            futures.append(connect(index))
            if count >= 2000, (index + 1) % 2000 == 0 { Output.status("opened \(index + 1)/\(count) sockets") }
        }
        var failed = 0
        var reasons: [String: Int] = [:]
        for future in futures {
            do {
                try await future.get()
            } catch {
                failed += 1
                reasons["\(error)".prefix(120).description, default: 0] += 1
            }
        }
        return (failed, reasons)
    }
}

/// Runs a closure on every event loop and collects the results.
func onEveryLoop<T: Sendable>(_ loops: [any EventLoop], _ body: @escaping @Sendable (Int) -> T) async throws -> [T] {
    var results: [T] = []
    for (index, loop) in loops.enumerated() {
        results.append(try await loop.submit { body(index) }.get())
    }
    return results
}
