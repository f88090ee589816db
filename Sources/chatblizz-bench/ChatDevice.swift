import NIOCore
import SocketIO

/// When and how a device sends, decided once every device is connected.
struct ChatPlan: Sendable {
    enum Mode: Sendable {
        /// Sends follow a fixed timetable: the n-th send of this device is due at `first + n × interval`.
        case openLoop(first: UInt64, interval: UInt64)
        /// Each device keeps `inFlight` sends without an ack.
        case closedLoop(inFlight: Int)
    }

    var mode: Mode
    /// Nothing is sent at or after this time.
    var end: UInt64
    /// Latencies of sends intended in `measureStart..<end` are recorded; acks and deliveries arriving in that window count
    /// for throughput.
    var measureStart: UInt64
    /// Whether every message received from the peer is answered with an acknowledged `mark_delivered`.
    var receipts = false
}

/// Counters and histograms of all devices on one event loop (no locking: only that loop touches them).
final class ChatLoopMetrics {
    var ackLatency = LatencyHistogram()
    var deliveryLatency = LatencyHistogram()
    var connectLatency = LatencyHistogram()
    var counters = ChatCounters()
    var window: (start: UInt64, end: UInt64) = (.max, .max) {
        didSet { self.slowest = SlowestPerSlot(window: window) }
    }
    var slowest = SlowestPerSlot(window: (.max, .max))
}

/// The counters of ``ChatLoopMetrics``, copied out for the orchestrator.
struct ChatCounters: Sendable {
    var sent = 0
    var ackedOK = 0
    var ackFailed = 0
    var acksInWindow = 0
    var deliveries = 0
    var deliveriesInWindow = 0
    var unparsableEvents = 0
    var unexpectedAcks = 0
    var receiptsSent = 0
    var receiptsOK = 0
    var receiptsFailed = 0
    /// Receipt acks (ok or not) that arrived in the measurement window.
    var receiptsInWindow = 0
    var closedWhileRunning = 0
    var pings = 0
    var failureCodes: [String: Int] = [:]
    var closeReasons: [String: Int] = [:]

    mutating func add(_ other: ChatCounters) {
        self.sent += other.sent
        self.ackedOK += other.ackedOK
        self.ackFailed += other.ackFailed
        self.acksInWindow += other.acksInWindow
        self.deliveries += other.deliveries
        self.deliveriesInWindow += other.deliveriesInWindow
        self.unparsableEvents += other.unparsableEvents
        self.unexpectedAcks += other.unexpectedAcks
        self.receiptsSent += other.receiptsSent
        self.receiptsOK += other.receiptsOK
        self.receiptsFailed += other.receiptsFailed
        self.receiptsInWindow += other.receiptsInWindow
        self.closedWhileRunning += other.closedWhileRunning
        self.pings += other.pings
        self.failureCodes.merge(other.failureCodes, uniquingKeysWith: +)
        self.closeReasons.merge(other.closeReasons, uniquingKeysWith: +)
    }
}

/// What one device sent and received, copied out for verification.
struct ChatDeviceRecord: Sendable {
    var index: Int
    /// Per sequence number: 0 no ack yet, 1 acknowledged `ok`, 2 failed.
    var ackState: [UInt8]
    /// Per sending device: how often each of its sequence numbers arrived here.
    var received: [Int: [UInt8]]
}

/// One device of one user: a Socket.IO connection that sends `send_message` on a plan and records acks and
/// `receive_message` events. Lives on its event loop.
final class ChatDevice: BenchConnectingSocket {
    /// Acks of receipts carry ids from here up, apart from the sends' sequence numbers.
    static let receiptAckBase = 1_000_000_000
    let index: Int
    /// The user this device's user chats with.
    let peer: String
    let loop: any EventLoop
    let metrics: ChatLoopMetrics
    let template: SendFrameTemplate
    let connectFrame: ByteBuffer
    let ready: EventLoopPromise<Void>
    var socket: SocketIOClientHandler?
    private var settled = false
    private var connectStart: UInt64 = 0
    private var plan: ChatPlan?
    private var stopped = false
    private var inFlight = 0
    private var intended: [UInt64] = []
    private var ackState: [UInt8] = []
    private var received: [Int: [UInt8]] = [:]
    private var receiptsSent = 0

    init(
        index: Int,
        peer: String,
        loop: any EventLoop,
        metrics: ChatLoopMetrics,
        template: SendFrameTemplate,
        connectFrame: ByteBuffer
    ) {
        self.index = index
        self.peer = peer
        self.loop = loop
        self.metrics = metrics
        self.template = template
        self.connectFrame = connectFrame
        self.ready = loop.makePromise(of: Void.self)
    }

    func connecting() {
        self.connectStart = Clock.nanos
    }

    func start(_ plan: ChatPlan) {
        self.plan = plan
        switch plan.mode {
        case .openLoop:
            self.tick()
        case .closedLoop(let inFlight):
            for _ in 0..<inFlight { self.sendNextClosedLoop() }
        }
    }

    func stop() {
        self.stopped = true
        self.socket?.close(reason: "benchmark finished")
        self.settle("stopped before connecting")
    }

    var record: ChatDeviceRecord {
        ChatDeviceRecord(index: self.index, ackState: self.ackState, received: self.received)
    }

    // MARK: Sending

    private func tick() {
        guard let plan, case .openLoop(let first, let interval) = plan.mode, !self.stopped, self.socket?.isConnected == true else { return }
        let now = Clock.nanos
        while true {
            let due = first &+ UInt64(self.intended.count) &* interval
            if due >= plan.end { return }
            if due > now {
                self.loop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(due - now))) { self.tick() }
                return
            }
            self.send(intended: due)
        }
    }

    private func sendNextClosedLoop() {
        guard let plan, !self.stopped else { return }
        let now = Clock.nanos
        guard now < plan.end else { return }
        self.send(intended: now)
    }

    private func send(intended: UInt64) {
        guard let socket, socket.isConnected else { return }
        let sequence = self.intended.count
        self.intended.append(intended)
        self.ackState.append(0)
        self.inFlight += 1
        var buffer = socket.makeBuffer(capacity: self.template.fixedSize + 64)
        let id = ClientMessageID(device: self.index, sequence: sequence, intendedNanos: intended)
        self.template.write(ackID: sequence, clientMessageID: id, into: &buffer)
        socket.sendText(buffer)
        self.metrics.counters.sent += 1
    }

    // MARK: BenchSocketDelegate

    func socketConnected(_ socket: SocketIOClientHandler) {
        self.metrics.connectLatency.record(nanoseconds: Clock.nanos &- self.connectStart)
        self.settle(nil)
    }

    func socketClosed(_ socket: SocketIOClientHandler, reason: String, wasConnected: Bool) {
        if !wasConnected {
            self.settle(reason)
        } else if !self.stopped {
            self.metrics.counters.closedWhileRunning += 1
            self.metrics.counters.closeReasons[reason, default: 0] += 1
        }
    }

    func transportEnded(_ reason: String) {
        self.settle(reason)
    }

    private func settle(_ failure: String?) {
        guard !self.settled else { return }
        self.settled = true
        if let failure {
            self.ready.fail(BenchError(failure))
        } else {
            self.ready.succeed()
        }
    }

    func socketPinged(_ socket: SocketIOClientHandler) {
        self.metrics.counters.pings += 1
    }

    func socketAck(_ socket: SocketIOClientHandler, id: Int, payload: ByteBuffer) {
        if id >= Self.receiptAckBase {
            let now = Clock.nanos
            if now >= self.metrics.window.start, now < self.metrics.window.end { self.metrics.counters.receiptsInWindow += 1 }
            if AckPayload.isOK(payload) {
                self.metrics.counters.receiptsOK += 1
            } else {
                self.metrics.counters.receiptsFailed += 1
                self.metrics.counters.failureCodes["receipt " + AckPayload.errorCode(payload), default: 0] += 1
            }
            return
        }
        guard id >= 0, id < self.ackState.count, self.ackState[id] == 0 else {
            self.metrics.counters.unexpectedAcks += 1
            return
        }
        let now = Clock.nanos
        self.inFlight -= 1
        let window = self.metrics.window
        if AckPayload.isOK(payload) {
            self.ackState[id] = 1
            self.metrics.counters.ackedOK += 1
            let intended = self.intended[id]
            if intended >= window.start, intended < window.end { self.metrics.ackLatency.record(nanoseconds: now &- intended) }
            if now >= window.start, now < window.end { self.metrics.counters.acksInWindow += 1 }
        } else {
            self.ackState[id] = 2
            self.metrics.counters.ackFailed += 1
            self.metrics.counters.failureCodes[AckPayload.errorCode(payload), default: 0] += 1
        }
        if case .closedLoop = self.plan?.mode { self.sendNextClosedLoop() }
    }

    func socketEvent(_ socket: SocketIOClientHandler, payload: ByteBuffer) {
        guard AckPayload.isEvent(payload, named: AckPayload.receiveMessage) else { return }
        guard let id = ClientMessageID.find(in: payload), id.sequence < 1 << 32 else {
            self.metrics.counters.unparsableEvents += 1
            return
        }
        Self.bump(&self.received[id.device, default: []], at: id.sequence)
        let now = Clock.nanos
        self.metrics.counters.deliveries += 1
        let window = self.metrics.window
        if id.intendedNanos >= window.start, id.intendedNanos < window.end, now > id.intendedNanos {
            self.metrics.deliveryLatency.record(nanoseconds: now - id.intendedNanos)
            self.metrics.slowest.record(sentAt: id.intendedNanos, latency: now - id.intendedNanos)
        }
        if now >= window.start, now < window.end { self.metrics.counters.deliveriesInWindow += 1 }
        if self.plan?.receipts == true { self.sendReceipt(for: payload, socket: socket) }
    }

    /// `mark_delivered {peer, upTo}` for a message from the peer (not for this user's own messages echoed from its
    /// other devices).
    private func sendReceipt(for payload: ByteBuffer, socket: SocketIOClientHandler) {
        guard let event = try? JSONValue(parsing: payload.readableBytesView), let message = event.arrayValue?.dropFirst().first,
            message["senderId"]?.stringValue == self.peer, let id = message["id"]?.stringValue
        else { return }
        let receipt = JSONValue.array(["mark_delivered", ["peer": .string(self.peer), "upTo": .string(id)]])
        var buffer = socket.makeBuffer(capacity: 160)
        buffer.writeString("42\(Self.receiptAckBase + self.receiptsSent)\(receipt.jsonString)")
        self.receiptsSent += 1
        self.metrics.counters.receiptsSent += 1
        socket.sendText(buffer)
    }

    private static func bump(_ counts: inout [UInt8], at index: Int) {
        if counts.count <= index { counts.append(contentsOf: repeatElement(0, count: index + 1 - counts.count)) }
        if counts[index] < .max { counts[index] += 1 }
    }
}

/// Byte-level checks of ack and event payloads, so that the hot path parses no JSON; anything unusual falls back to
/// ``JSONValue``.
enum AckPayload {
    static let receiveMessage: [UInt8] = Array("[\"receive_message\"".utf8)
    private static let okPrefix: [UInt8] = Array("[{\"ok\":".utf8)
    private static let trueBytes: [UInt8] = Array("true".utf8)

    static func isEvent(_ payload: ByteBuffer, named prefix: [UInt8]) -> Bool {
        guard let bytes = payload.getBytes(at: payload.readerIndex, length: prefix.count) else { return false }
        return bytes == prefix
    }

    /// `[{"ok":true…` (with or without a space after the colon), else the parsed value's `ok`.
    static func isOK(_ payload: ByteBuffer) -> Bool {
        let start = payload.readerIndex
        if payload.getBytes(at: start, length: okPrefix.count) == okPrefix {
            var index = start + okPrefix.count
            if payload.getInteger(at: index, as: UInt8.self) == UInt8(ascii: " ") { index += 1 }
            return payload.getBytes(at: index, length: 4) == trueBytes
        }
        guard let value = try? JSONValue(parsing: payload.readableBytesView) else { return false }
        return value.arrayValue?.first?["ok"]?.boolValue == true
    }

    static func errorCode(_ payload: ByteBuffer) -> String {
        guard let value = try? JSONValue(parsing: payload.readableBytesView), let first = value.arrayValue?.first else { return "unparsable_ack" }
        return first["error"]?["code"]?.stringValue ?? "no_error_code"
    }
}
