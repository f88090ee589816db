import ArgumentParser
import NIOCore

struct ConnectCommand: BenchScenarioCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Open N authenticated sockets at a rate, hold them idle (Engine.IO ping/pong flowing), report memory per connection.",
        discussion: """
            Reports connect latency percentiles (TCP connect to the Socket.IO CONNECT reply), failures, sockets still \
            open after the hold, pings answered, and with --server-pid the server's RSS growth per connection \
            ((RSS after the hold − RSS before connecting) / N) and CPU time while idle. The hold lasts --warmup + \
            --duration seconds after the last socket connected. For more sockets than one source address has ephemeral \
            ports, pass --source-addresses 127.0.0.1,127.0.0.2,… (any 127/8 address works on Linux loopback) and raise \
            `ulimit -n` for the server (the tool raises its own soft limit to the hard limit). Against ChatBlizz, \
            --sockets-per-user above 10 needs CHATBLIZZ_MAX_SOCKETS_PER_USER.
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(name: .customLong("sockets"), help: "Number of sockets (N).")
    var sockets = 1000

    @Option(help: "Sockets per user (fewer users to register; ChatBlizz allows 10 per user unless configured).")
    var socketsPerUser = 1

    @Option(help: "Sockets opened per second.")
    var rate: Double = 1000

    func validate() throws {
        try self.common.validateCommon()
        guard self.sockets >= 1 else { throw ValidationError("--sockets must be at least 1") }
        guard self.socketsPerUser >= 1 else { throw ValidationError("--sockets-per-user must be at least 1") }
        guard self.rate > 0 else { throw ValidationError("--rate must be positive") }
    }

    func runScenario(_ environment: BenchEnvironment) async throws -> BenchReport {
        var report = BenchReport(scenario: "connect", options: self.common)
        report.parameters["sockets"] = String(self.sockets)
        report.parameters["sockets_per_user"] = String(self.socketsPerUser)
        report.parameters["rate"] = String(self.rate)
        report.parameters["source_addresses"] = String(max(environment.options.sourceAddressList.count, 1))
        let users = try await environment.makeUsers((self.sockets + self.socketsPerUser - 1) / self.socketsPerUser)
        let loops = environment.loops
        let metrics = try await onEveryLoop(loops) { index in NIOLoopBound(ChatLoopMetrics(), eventLoop: loops[index]) }
        var devices: [NIOLoopBound<IdleSocket>] = []
        for index in 0..<self.sockets {
            let loop = loops[index % loops.count]
            let loopMetrics = metrics[index % loops.count]
            let frame = environment.connectFrame(for: users[index / self.socketsPerUser])
            devices.append(
                try await loop.submit { NIOLoopBound(IdleSocket(loop: loop, metrics: loopMetrics.value, connectFrame: frame), eventLoop: loop) }.get()
            )
        }

        try await Task.sleep(for: .milliseconds(500))
        let serverBefore = environment.sampleServer()
        let clientBefore = environment.sampleClient()
        Output.status("opening \(self.sockets) sockets at \(self.rate)/s")
        let connector = environment.connector
        let opened = try await SocketOpener(environment: environment, rate: self.rate).open(count: self.sockets) { index in
            connector.open(devices[index], index: index, node: index, on: loops[index % loops.count])
        }
        let serverConnected = environment.sampleServer()
        Output.status("\(self.sockets - opened.failed) connected, \(opened.failed) failed; holding \(self.common.warmup + self.common.duration) s")
        try await Task.sleep(for: .seconds(self.common.warmup))
        let serverHoldStart = environment.sampleServer()
        try await Task.sleep(for: .seconds(self.common.duration))
        let serverAfter = environment.sampleServer()
        let clientAfter = environment.sampleClient()

        var total = ChatCounters()
        for loopMetrics in metrics { total.add(try await loopMetrics.eventLoop.submit { loopMetrics.value.counters }.get()) }
        var stillOpen = 0
        for device in devices where try await device.eventLoop.submit({ device.value.socket?.isConnected == true }).get() { stillOpen += 1 }
        for device in devices { device.eventLoop.execute { device.value.stop() } }
        let histograms = try await onEveryLoop(loops) { index in metrics[index].value.connectLatency }
        var connect = LatencyHistogram()
        for histogram in histograms { connect.add(histogram) }
        try await Task.sleep(for: .milliseconds(300))

        report.add(latency: "connect", connect)
        report.add("sockets connected", Double(self.sockets - opened.failed), "")
        report.add("connect failures", Double(opened.failed), "")
        report.add("sockets open after the hold", Double(stillOpen), "")
        report.add("Engine.IO pings answered", Double(total.pings), "")
        for (reason, count) in opened.reasons.sorted(by: { $0.value > $1.value }).prefix(5) { report.notes.append("failed: \(reason): \(count)") }
        for (reason, count) in total.closeReasons.sorted(by: { $0.value > $1.value }).prefix(5) { report.notes.append("closed: \(reason): \(count)") }
        report.addResources(ResourceUsage(server: pair(serverBefore, serverAfter), client: pair(clientBefore, clientAfter)), perUnit: [])
        if let before = serverBefore, let after = serverAfter {
            let connected = max(self.sockets - opened.failed, 1)
            report.add("server RSS growth per connection", (Double(after.rssBytes) - Double(before.rssBytes)) / Double(connected), "bytes")
            if let connectedSample = serverConnected {
                report.add("server CPU to open all sockets", Double(connectedSample.cpuMicros - before.cpuMicros) / 1e6, "s")
                report.add("server CPU per connect", Double(connectedSample.cpuMicros - before.cpuMicros) / Double(connected), "µs")
            }
            if let holdStart = serverHoldStart {
                let idleCPU = Double(after.cpuMicros - holdStart.cpuMicros) / 1e6
                report.add("server CPU while idle (measured window)", idleCPU / self.common.duration * 100, "% of a core")
            }
        }
        report.passed = opened.failed == 0 && stillOpen == self.sockets - opened.failed
        report.verification = "verification: sockets=\(self.sockets) connected=\(self.sockets - opened.failed) open_after_hold=\(stillOpen)"
        return report
    }
}

/// A socket that only connects and answers pings.
final class IdleSocket: BenchConnectingSocket {
    let loop: any EventLoop
    let metrics: ChatLoopMetrics
    let connectFrame: ByteBuffer
    let ready: EventLoopPromise<Void>
    var socket: SocketIOClientHandler?
    private var settled = false
    private var stopped = false
    private var connectStart: UInt64 = 0

    init(loop: any EventLoop, metrics: ChatLoopMetrics, connectFrame: ByteBuffer) {
        self.loop = loop
        self.metrics = metrics
        self.connectFrame = connectFrame
        self.ready = loop.makePromise(of: Void.self)
    }

    func connecting() { self.connectStart = Clock.nanos }

    func stop() {
        self.stopped = true
        self.socket?.close(reason: "benchmark finished")
        self.settle(BenchError("stopped"))
    }

    func socketConnected(_ socket: SocketIOClientHandler) {
        self.metrics.connectLatency.record(nanoseconds: Clock.nanos &- self.connectStart)
        self.settle(nil)
    }

    func socketClosed(_ socket: SocketIOClientHandler, reason: String, wasConnected: Bool) {
        if !wasConnected {
            self.settle(BenchError(reason))
        } else if !self.stopped {
            self.metrics.counters.closedWhileRunning += 1
            self.metrics.counters.closeReasons[reason, default: 0] += 1
        }
    }

    func transportEnded(_ reason: String) { self.settle(BenchError(reason)) }

    private func settle(_ failure: BenchError?) {
        guard !self.settled else { return }
        self.settled = true
        if let failure { self.ready.fail(failure) } else { self.ready.succeed() }
    }

    func socketEvent(_ socket: SocketIOClientHandler, payload: ByteBuffer) {}
    func socketAck(_ socket: SocketIOClientHandler, id: Int, payload: ByteBuffer) {}
    func socketPinged(_ socket: SocketIOClientHandler) { self.metrics.counters.pings += 1 }
}
