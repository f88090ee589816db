import AsyncHTTPClient
import NIOCore
import NIOPosix
import SocketIO

/// The event loops, the REST client and the run id of one benchmark run, shut down when the run ends.
struct BenchEnvironment: Sendable {
    let options: CommonOptions
    let url: BenchURL
    let group: MultiThreadedEventLoopGroup
    let loops: [any EventLoop]
    let rest: RESTClient
    let connector: WebSocketConnector
    /// Distinguishes this run's user names and message ids from earlier runs against the same database.
    let runID: String
    /// The server processes (one per node), summed in every sample.
    let servers: [ProcessSampler]
    let client = ProcessSampler(pid: ProcessSampler.ownPID)

    static func with<T: Sendable>(_ options: CommonOptions, _ body: (BenchEnvironment) async throws -> T) async throws -> T {
        let fileLimit = ProcessSampler.raiseFileLimit()
        let url = try BenchURL(options.url)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
        let http = HTTPClient(eventLoopGroup: group, configuration: configuration)
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        let runID = String((0..<6).map { _ in alphabet.randomElement() ?? "x" })
        let environment = BenchEnvironment(
            options: options,
            url: url,
            group: group,
            loops: Array(group.makeIterator()),
            rest: RESTClient(http: http, base: url.base),
            connector: try WebSocketConnector(urls: options.socketURLList.map(BenchURL.init), sourceAddresses: options.sourceAddressList),
            runID: runID,
            servers: options.serverPIDs.map { ProcessSampler(pid: $0) }
        )
        Output.status("run \(runID): \(options.threads) event loops, open-file limit \(fileLimit)")
        do {
            let result = try await body(environment)
            try await http.shutdown()
            try await group.shutdownGracefully()
            return result
        } catch {
            try? await http.shutdown()
            try? await group.shutdownGracefully()
            throw error
        }
    }

    var provisioner: Provisioner {
        Provisioner(rest: self.rest, runID: self.runID, concurrency: self.options.setupConcurrency)
    }

    /// `count` users: registered through REST for ChatBlizz, generated ids for a relay.
    func makeUsers(_ count: Int) async throws -> [BenchUser] {
        switch self.options.target {
        case .chatblizz:
            Output.status("registering \(count) users")
            return try await self.provisioner.registerUsers(count, progress: true)
        case .relay:
            return (0..<count).map { BenchUser(id: "r\(self.runID)u\($0)", token: "") }
        }
    }

    /// The Engine.IO text of the Socket.IO CONNECT packet for `user`.
    func connectFrame(for user: BenchUser) -> ByteBuffer {
        let auth: JSONValue = self.options.target == .relay ? ["userId": .string(user.id)] : ["token": .string(user.token)]
        return ByteBuffer(string: "4" + SocketIOPacket(type: .connect, data: auth).encode().text)
    }

    /// The server's CPU time and memory, summed over its nodes.
    func sampleServer() -> ProcessSample? {
        guard !self.servers.isEmpty else { return nil }
        do {
            let samples = try self.servers.map { try $0.sample() }
            return ProcessSample(
                cpuMicros: samples.reduce(0) { $0 + $1.cpuMicros },
                rssBytes: samples.reduce(0) { $0 + $1.rssBytes },
                peakRSSBytes: samples.reduce(0) { $0 + $1.peakRSSBytes },
                atNanos: samples.map(\.atNanos).max() ?? Clock.nanos
            )
        } catch {
            Output.status("cannot read the server's /proc: \(error)")
            return nil
        }
    }

    func sampleClient() -> ProcessSample? {
        try? self.client.sample()
    }

    /// Sleeps until the monotonic time `nanos`.
    static func sleep(until nanos: UInt64) async throws {
        let now = Clock.nanos
        if nanos > now { try await Task.sleep(for: .nanoseconds(Int64(nanos - now))) }
    }
}

/// Pairs two optional samples.
func pair(_ before: ProcessSample?, _ after: ProcessSample?) -> (ProcessSample, ProcessSample)? {
    guard let before, let after else { return nil }
    return (before, after)
}
