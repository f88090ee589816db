import NIOCore

/// The `chat` scenario: setup, connect, run on a plan, drain, verify, report.
struct ChatScenario: Sendable {
    let pairs: Int
    let devicesPerUser: Int
    let closedLoop: Bool
    let rate: Double
    let inFlight: Int
    let messageBytes: Int
    let connectRate: Double
    let drainTimeout: Double
    let receipts: Bool
    let environment: BenchEnvironment

    init(command: ChatCommand, environment: BenchEnvironment) {
        self.pairs = command.pairs
        self.devicesPerUser = command.devices
        self.closedLoop = command.closedLoop
        self.rate = command.rate
        self.inFlight = command.inFlight
        self.messageBytes = command.messageBytes
        self.connectRate = command.connectRate
        self.drainTimeout = command.drainTimeout
        self.receipts = command.receipts
        self.environment = environment
    }

    var options: CommonOptions { self.environment.options }
    var userCount: Int { self.pairs * 2 }
    var deviceCount: Int { self.userCount * self.devicesPerUser }
    /// The recipient's devices plus the sender's other devices.
    var receiversPerMessage: Int { 2 * self.devicesPerUser - 1 }

    func peer(ofUser user: Int) -> Int { user ^ 1 }

    func run() async throws -> BenchReport {
        var report = BenchReport(scenario: "chat", options: self.options)
        report.parameters["pairs"] = String(self.pairs)
        report.parameters["devices_per_user"] = String(self.devicesPerUser)
        report.parameters["mode"] = self.closedLoop ? "closed-loop" : "open-loop"
        if self.closedLoop { report.parameters["in_flight"] = String(self.inFlight) } else { report.parameters["rate"] = String(self.rate) }
        report.parameters["message_bytes"] = String(self.messageBytes)
        if self.receipts { report.parameters["receipts"] = "mark_delivered" }

        let users = try await self.environment.makeUsers(self.userCount)
        if self.options.target == .chatblizz {
            Output.status("befriending \(self.pairs) pairs")
            try await self.environment.provisioner.befriend((0..<self.pairs).map { (users[2 * $0], users[2 * $0 + 1]) }, progress: true)
        }

        let loops = self.environment.loops
        let metrics = try await onEveryLoop(loops) { index in NIOLoopBound(ChatLoopMetrics(), eventLoop: loops[index]) }
        let text = String(repeating: "x", count: self.messageBytes)
        var devices: [NIOLoopBound<ChatDevice>] = []
        devices.reserveCapacity(self.deviceCount)
        for index in 0..<self.deviceCount {
            let user = index / self.devicesPerUser
            let peer = users[self.peer(ofUser: user)].id
            let template = try SendFrameTemplate(to: peer, text: text)
            let connectFrame = self.environment.connectFrame(for: users[user])
            let loop = loops[index % loops.count]
            let loopMetrics = metrics[index % loops.count]
            devices.append(
                try await loop.submit {
                    let device = ChatDevice(
                        index: index,
                        peer: peer,
                        loop: loop,
                        metrics: loopMetrics.value,
                        template: template,
                        connectFrame: connectFrame
                    )
                    return NIOLoopBound(device, eventLoop: loop)
                }.get()
            )
        }

        Output.status("connecting \(self.deviceCount) sockets")
        let connector = self.environment.connector
        let devicesPerUser = self.devicesPerUser
        let opened = try await SocketOpener(environment: self.environment, rate: self.connectRate).open(count: self.deviceCount) { index in
            connector.open(devices[index], index: index, node: index / devicesPerUser, on: loops[index % loops.count])
        }
        guard opened.failed == 0 else {
            await self.stop(devices)
            throw BenchError("\(opened.failed) of \(self.deviceCount) sockets did not connect: \(opened.reasons)")
        }

        let start = Clock.nanos + 200_000_000
        let measureStart = start + UInt64(self.options.warmup * 1e9)
        let end = measureStart + UInt64(self.options.duration * 1e9)
        let window = (measureStart, end)
        for loopMetrics in metrics {
            try await loopMetrics.eventLoop.submit { loopMetrics.value.window = window }.get()
        }
        Output.status("sending for \(self.options.warmup) s warmup + \(self.options.duration) s")
        for (index, device) in devices.enumerated() {
            let mode: ChatPlan.Mode
            if self.closedLoop {
                mode = .closedLoop(inFlight: self.inFlight)
            } else {
                let interval = Double(self.deviceCount) / self.rate * 1e9
                mode = .openLoop(first: start + UInt64(Double(index) / self.rate * 1e9), interval: UInt64(interval))
            }
            let plan = ChatPlan(mode: mode, end: end, measureStart: measureStart, receipts: self.receipts)
            device.eventLoop.execute { device.value.start(plan) }
        }

        try await BenchEnvironment.sleep(until: measureStart)
        let serverBefore = self.environment.sampleServer()
        let clientBefore = self.environment.sampleClient()
        try await BenchEnvironment.sleep(until: end)
        let serverAfter = self.environment.sampleServer()
        let clientAfter = self.environment.sampleClient()

        let counters = try await self.drain(metrics)
        let serverDrained = self.environment.sampleServer()
        let drainSeconds = Double(Clock.nanos &- end) / 1e9
        await self.stop(devices)
        var records: [ChatDeviceRecord] = []
        for device in devices { records.append(try await device.eventLoop.submit { device.value.record }.get()) }
        let histograms = try await onEveryLoop(loops) { index in
            let value = metrics[index].value
            return (value.ackLatency, value.deliveryLatency, value.connectLatency, value.slowest)
        }

        var ack = LatencyHistogram()
        var delivery = LatencyHistogram()
        var connect = LatencyHistogram()
        var slowest = SlowestPerSlot(window: (measureStart, end))
        for (a, d, c, s) in histograms {
            ack.add(a)
            delivery.add(d)
            connect.add(c)
            slowest.add(s)
        }
        report.add(latency: "send → ack", ack)
        report.add(latency: "send → receive_message", delivery)
        report.add(latency: "connect", connect)

        let verification = ChatVerification(records: records, scenario: self)
        let seconds = self.options.duration
        report.add("messages sent (all)", Double(counters.sent), "")
        report.add("acked messages / s (window)", Double(counters.acksInWindow) / seconds, "msg/s")
        report.add("deliveries / s (window)", Double(counters.deliveriesInWindow) / seconds, "msg/s")
        if !self.closedLoop { report.add("target rate", self.rate, "msg/s") }
        report.add("ack failures", Double(counters.ackFailed), "")
        if self.receipts {
            report.add("receipts sent (all)", Double(counters.receiptsSent), "")
            report.add("receipts acknowledged ok", Double(counters.receiptsOK), "")
            report.add("receipt failures", Double(counters.receiptsFailed), "")
            report.add("receipt acks / s (window)", Double(counters.receiptsInWindow) / seconds, "acks/s")
        }
        // Work left at the window's end (queued receipts, above all) is done during the drain, and is not in the CPU per
        // message below: a long drain means the rate measured in the window was not sustainable.
        report.add("drain after the window", drainSeconds, "s")
        if let after = serverAfter, let drained = serverDrained {
            report.add("server CPU while draining", Double(drained.cpuMicros &- after.cpuMicros) / 1_000_000, "s")
        }
        report.add("sockets closed during the run", Double(counters.closedWhileRunning), "")
        let slow = slowest.slow(over: 50_000)
        report.add("100 ms slots with a delivery over 50 ms", Double(slow.count), "of \(slowest.slots.count)")
        // Listed only when they are a few: stalls. When most slots are slow, the server is saturated (a closed loop).
        if !slow.isEmpty, slow.count <= slowest.slots.count / 4 {
            let listed = slow.prefix(30).map { "+\(BenchReport.format($0.offset)) s: \(BenchReport.format($0.milliseconds)) ms" }
            report.notes.append("slowest delivery of the slow 100 ms slots (by send time): " + listed.joined(separator: ", "))
        }
        for (code, count) in counters.failureCodes.sorted(by: { $0.key < $1.key }) { report.notes.append("ack error \(code): \(count)") }
        for (reason, count) in counters.closeReasons.sorted(by: { $0.key < $1.key }) { report.notes.append("closed: \(reason): \(count)") }
        if counters.unparsableEvents > 0 { report.notes.append("receive_message without a benchmark clientMessageId: \(counters.unparsableEvents)") }
        let usage = ResourceUsage(server: pair(serverBefore, serverAfter), client: pair(clientBefore, clientAfter))
        report.addResources(
            usage,
            perUnit: [(counters.deliveriesInWindow, "delivered message"), (counters.acksInWindow, "acked message")]
        )
        report.verification = verification.line
        if verification.unexpected > 0 { report.notes.append("deliveries of unknown messages: \(verification.unexpected)") }
        report.passed = verification.passed && counters.receiptsFailed == 0 && counters.receiptsOK == counters.receiptsSent
        if counters.receiptsOK + counters.receiptsFailed < counters.receiptsSent {
            report.notes.append("receipts without an ack: \(counters.receiptsSent - counters.receiptsOK - counters.receiptsFailed)")
        }
        return report
    }

    /// Waits until every send has its ack and every acked message reached all its receivers, or the drain timeout.
    private func drain(_ metrics: [NIOLoopBound<ChatLoopMetrics>]) async throws -> ChatCounters {
        let deadline = Clock.nanos + UInt64(self.drainTimeout * 1e9)
        while true {
            var total = ChatCounters()
            for loopMetrics in metrics { total.add(try await loopMetrics.eventLoop.submit { loopMetrics.value.counters }.get()) }
            let acksDone = total.ackedOK + total.ackFailed >= total.sent
            let deliveriesDone = total.deliveries >= total.ackedOK * self.receiversPerMessage
            let receiptsDone = total.receiptsOK + total.receiptsFailed >= total.receiptsSent
            if (acksDone && deliveriesDone && receiptsDone) || Clock.nanos > deadline { return total }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    private func stop(_ devices: [NIOLoopBound<ChatDevice>]) async {
        for device in devices { device.eventLoop.execute { device.value.stop() } }
        try? await Task.sleep(for: .milliseconds(200))
    }
}

/// Exactly-once check over every device's record.
struct ChatVerification {
    var sent = 0
    var acked = 0
    var deliveredOnce = 0
    var duplicates = 0
    var lost = 0
    var ackFailed = 0
    var unexpected = 0

    init(records: [ChatDeviceRecord], scenario: ChatScenario) {
        let perUser = scenario.devicesPerUser
        for sender in records {
            let user = sender.index / perUser
            let peer = scenario.peer(ofUser: user)
            let receivers = Array(peer * perUser..<(peer + 1) * perUser) + (user * perUser..<(user + 1) * perUser).filter { $0 != sender.index }
            self.sent += sender.ackState.count
            for (sequence, state) in sender.ackState.enumerated() {
                var missing = false
                var once = true
                for receiver in receivers {
                    let count = records[receiver].received[sender.index].flatMap { sequence < $0.count ? Int($0[sequence]) : nil } ?? 0
                    if count == 0 { missing = true }
                    if count != 1 { once = false }
                    if count > 1 { self.duplicates += count - 1 }
                }
                if state == 1 {
                    self.acked += 1
                    if once { self.deliveredOnce += 1 }
                    if missing { self.lost += 1 }
                } else {
                    self.ackFailed += 1
                }
            }
        }
        for receiver in records {
            for (source, counts) in receiver.received {
                let limit = source < records.count ? records[source].ackState.count : 0
                if counts.count > limit { self.unexpected += counts[limit...].reduce(0) { $0 + Int($1) } }
            }
        }
    }

    var passed: Bool { self.lost == 0 && self.duplicates == 0 && self.ackFailed == 0 && self.unexpected == 0 && self.sent > 0 }

    var line: String {
        "verification: sent=\(self.sent) acked=\(self.acked) delivered_once=\(self.deliveredOnce) duplicates=\(self.duplicates) lost=\(self.lost)"
    }
}
