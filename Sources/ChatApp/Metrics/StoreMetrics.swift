import Prometheus

/// How long each kind of message-store call takes, how often it fails, and how many messages each append commits.
final class StoreMetrics: Sendable {
    /// One kind of store call: its duration histogram and failure counter, made once.
    struct Operation: Sendable {
        let duration: DurationHistogram
        let failures: Counter

        /// Runs `body`, recording how long it took and whether it threw.
        func time<Result>(_ body: () async throws -> Result) async throws -> Result {
            let started = ContinuousClock.now
            do {
                let result = try await body()
                duration.record(ContinuousClock.now - started)
                return result
            } catch {
                duration.record(ContinuousClock.now - started)
                failures.increment()
                throw error
            }
        }
    }

    let append: Operation
    let message: Operation
    let messagesSentWith: Operation
    let messagesByID: Operation
    let page: Operation
    let edit: Operation
    let delete: Operation
    let markRead: Operation
    let markDelivered: Operation
    let applyMarks: Operation
    let unreadCounts: Operation
    let changes: Operation
    let conversations: Operation
    /// Messages per append: a batch of the group commit, or of the Kafka persister.
    let appendBatchSize: ValueHistogram

    /// Upper bounds of the store duration buckets: a commit on a local SSD takes a few milliseconds.
    static let durationBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
    ]

    init(registry: PrometheusCollectorRegistry) {
        let duration = ChatMetrics.descriptor(
            "store",
            "duration",
            unit: "seconds",
            help: "Time of message-store calls, by operation (append is one commit of a batch)."
        )
        let failures = ChatMetrics.descriptor("store", "failures", unit: "total", help: "Message-store calls that failed, by operation.")
        func operation(_ name: String) -> Operation {
            Operation(
                duration: registry.makeDurationHistogram(descriptor: duration, labels: [("operation", name)], buckets: Self.durationBuckets),
                failures: registry.makeCounter(descriptor: failures, labels: [("operation", name)])
            )
        }
        append = operation("append")
        message = operation("message")
        messagesSentWith = operation("messages_sent_with")
        messagesByID = operation("messages_by_id")
        page = operation("page")
        edit = operation("edit")
        delete = operation("delete")
        markRead = operation("mark_read")
        markDelivered = operation("mark_delivered")
        applyMarks = operation("apply_marks")
        unreadCounts = operation("unread_counts")
        changes = operation("changes")
        conversations = operation("conversations")
        appendBatchSize = registry.makeValueHistogram(
            descriptor: ChatMetrics.descriptor("store", "append_batch_size", help: "Messages written by one append (one commit)."),
            buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
        )
    }
}
