import ArgumentParser
import Foundation
import NIOCore

@main
struct ChatblizzBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chatblizz-bench",
        abstract: "Load generator for ChatBlizz (and any Socket.IO relay): Engine.IO v4 over WebSocket and REST, on SwiftNIO.",
        discussion: """
            Scenarios: `connect` (idle authenticated sockets), `chat` (1:1 messages between pairs, open or closed loop, \
            verified exactly-once) and `history` (REST keyset paging under concurrent readers). Every scenario prints a \
            table on stdout and, with --json, writes the same numbers to a file. With --server-pid it reads the server's \
            CPU time and RSS from /proc and reports server CPU µs per delivered message.

            The tool creates its own users and friendships through the v2 API. Start \
            the server with its limits raised for benchmarking:
              CHATBLIZZ_AUTH_RATE_LIMIT=100000    registrations/min/address (20)
              CHATBLIZZ_BCRYPT_COST=4             cheap registration (12)
              CHATBLIZZ_SOCKET_RATE_LIMIT=100000  events/s per socket (100)
              CHATBLIZZ_MAX_SOCKETS_PER_USER=N    if --devices > 10 (10)
              CHATBLIZZ_ACCESS_TOKEN_TTL=86400    if setup + run > 15 min (900)
            and raise `ulimit -n` of both processes for thousands of sockets.
            """,
        subcommands: [ConnectCommand.self, ChatCommand.self, HistoryCommand.self]
    )
}

/// The target server kind.
enum BenchTarget: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// ChatBlizz: users and friendships through REST, socket auth with an access token.
    case chatblizz
    /// Any Socket.IO relay: no REST setup, socket auth `{userId}`.
    case relay
}

/// Options every scenario takes.
struct CommonOptions: ParsableArguments {
    @Option(help: "Base URL of the server (http only).")
    var url = "http://127.0.0.1:8000"

    @Option(help: "What the server is: chatblizz (REST setup, token auth) or relay (no REST, auth {userId}).")
    var target = BenchTarget.chatblizz

    @Option(
        name: .customLong("server-pid"),
        help:
            "Process id of the server, to report its CPU time and RSS from /proc (same machine only); repeat it for several nodes, whose figures are summed."
    )
    var serverPIDs: [Int32] = []

    @Option(
        name: .customLong("socket-urls"),
        help:
            "Comma-separated base URLs of the nodes the sockets connect to (default: --url). User u connects to node u % N, so with 2 nodes every chat pair talks across nodes; REST setup uses --url."
    )
    var socketURLs: String?

    /// The nodes sockets connect to.
    var socketURLList: [String] {
        let urls = (self.socketURLs ?? "").split(separator: ",").map { String($0.trimmingCharacters(in: .whitespaces)) }.filter { !$0.isEmpty }
        return urls.isEmpty ? [self.url] : urls
    }

    @Option(help: "Measured duration in seconds (after the warmup).")
    var duration: Double = 10

    @Option(help: "Warmup in seconds: load runs but is not measured.")
    var warmup: Double = 2

    @Option(help: "Write the report as JSON to this file.")
    var json: String?

    @Option(help: "Client event loop threads (default: the number of cores).")
    var threads: Int = System.coreCount

    @Option(help: "Concurrent REST requests during setup (registration, friendships, seeding).")
    var setupConcurrency = 16

    @Option(help: "Comma-separated local IPv4 addresses to bind client sockets to, round-robin (e.g. 127.0.0.1,127.0.0.2).")
    var sourceAddresses: String?

    var sourceAddressList: [String] {
        (self.sourceAddresses ?? "").split(separator: ",").map { String($0.trimmingCharacters(in: .whitespaces)) }.filter { !$0.isEmpty }
    }

    func validateCommon() throws {
        guard self.duration > 0 else { throw ValidationError("--duration must be positive") }
        guard self.warmup >= 0 else { throw ValidationError("--warmup must not be negative") }
        guard self.threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard self.setupConcurrency >= 1 else { throw ValidationError("--setup-concurrency must be at least 1") }
        _ = try BenchURL(self.url)
        for url in self.socketURLList { _ = try BenchURL(url) }
    }
}
