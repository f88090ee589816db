import ChatCore
import ChatKafka
import Prometheus
import Synchronization

/// The answers to one client event, by result.
struct EventMetrics: Sendable {
    let name: String
    let succeeded: Counter
    let registry: PrometheusCollectorRegistry

    /// Counts one answer: `error` nil is a success.
    func answered(error: ChatError.Code?) {
        guard let error else {
            succeeded.increment()
            return
        }
        // Failures are rarer, and bounded by the socket rate limit: the registry's lookup is fine here.
        registry.makeCounter(descriptor: ChatMetrics.eventsDescriptor, labels: [("event", name), ("result", error.rawValue)]).increment()
    }
}

/// What a node counts, in a Prometheus registry of its own (one per application: no process-wide metrics system),
/// served at `GET /metrics` when `CHATBLIZZ_METRICS_TOKEN` is set.
///
/// Everything recorded on the message path is a relaxed atomic add on a counter made in advance; labels come from
/// small, fixed sets (route templates, event names, error codes, disconnect reasons), never from a client's input.
final class ChatMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let process: ProcessMetrics
    let store: StoreMetrics

    /// Sockets of signed-in users on this node now.
    let connectedSockets: Gauge
    /// Socket.IO connections accepted and registered to a user.
    let socketConnections: Counter

    static var eventsDescriptor: MetricNameDescriptor {
        descriptor("socketio", "events", unit: "total", help: "Client events answered, by event and result (ok or the error code of the ack).")
    }
    private static var refusalsDescriptor: MetricNameDescriptor {
        descriptor("socketio", "connect_refusals", unit: "total", help: "Socket.IO connections refused, by reason.")
    }
    private static var disconnectsDescriptor: MetricNameDescriptor {
        descriptor("socketio", "disconnects", unit: "total", help: "Sockets of signed-in users that left, by Socket.IO disconnect reason.")
    }
    static var httpRequestsDescriptor: MetricNameDescriptor {
        descriptor("http", "requests", unit: "total", help: "HTTP requests answered, by method, route template and status code.")
    }
    static var httpDurationDescriptor: MetricNameDescriptor {
        descriptor(
            "http",
            "request_duration",
            unit: "seconds",
            help: "Time from a request's arrival to its response head, by method and route template."
        )
    }
    /// A `chatblizz_<subsystem>_<metric>[_<unit>]` name with its help text.
    static func descriptor(_ subsystem: String, _ metric: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "chatblizz", subsystem: subsystem, metricName: metric, unitName: unit, helpText: help)
    }

    /// Upper bounds of the HTTP duration buckets.
    static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    /// Figures read when scraped rather than counted as they happen (set up once, at start).
    private let scrapeReaders = Mutex<[@Sendable () -> Void]>([])

    /// The Socket.IO disconnect reasons kept as labels; any other is counted as `other`.
    static let disconnectReasons: Set<String> = [
        "transport close", "transport error", "ping timeout", "parse error", "client namespace disconnect",
        "server namespace disconnect", "server shutting down", "forced close", "forced server close",
    ]

    init() {
        process = ProcessMetrics(registry: registry)
        store = StoreMetrics(registry: registry)
        connectedSockets = registry.makeGauge(
            descriptor: Self.descriptor("socketio", "connected_sockets", help: "Sockets of signed-in users connected to this node.")
        )
        socketConnections = registry.makeCounter(
            descriptor: Self.descriptor("socketio", "connections", unit: "total", help: "Socket.IO connections of signed-in users accepted.")
        )
    }

    /// The counters of one client event, made when its handler is installed (so its `ok` series exists from the
    /// start, at 0).
    func event(_ name: String) -> EventMetrics {
        EventMetrics(
            name: name,
            succeeded: registry.makeCounter(descriptor: Self.eventsDescriptor, labels: [("event", name), ("result", "ok")]),
            registry: registry
        )
    }

    /// Counts a refused connection (`unauthenticated`, `unavailable`, `too_many_connections`).
    func connectionRefused(_ reason: String) {
        registry.makeCounter(descriptor: Self.refusalsDescriptor, labels: [("reason", reason)]).increment()
    }

    /// Counts a signed-in socket that left.
    func disconnected(reason: String) {
        connectedSockets.decrement()
        let label = Self.disconnectReasons.contains(reason) ? reason : "other"
        registry.makeCounter(descriptor: Self.disconnectsDescriptor, labels: [("reason", label)]).increment()
    }

    /// Exposes how far this node's Kafka persister is behind, read at each scrape.
    func watch(_ backlog: KafkaBacklog) {
        let unstored = registry.makeGauge(
            descriptor: Self.descriptor("kafka", "unstored_records", help: "Records of this node's partitions that its persister has not stored yet.")
        )
        let holding = registry.makeGauge(
            descriptor: Self.descriptor("kafka", "holding_sends", help: "1 while this node holds new sends because its persister is too far behind.")
        )
        scrapeReaders.withLock {
            $0.append {
                unstored.set(to: Double(backlog.unstored))
                holding.set(to: backlog.isHolding ? 1.0 : 0.0)
            }
        }
    }

    /// The exposition text: process and scrape-time figures are read now, everything else is as counted.
    func render() -> [UInt8] {
        process.refresh()
        for read in scrapeReaders.withLock({ $0 }) { read() }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 * 1024)
        registry.emit(into: &buffer)
        return buffer
    }
}
