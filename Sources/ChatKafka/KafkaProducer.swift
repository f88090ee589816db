#if Kafka
import CRdKafka
import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A librdkafka producer for one topic: idempotent (every record is acknowledged by all in-sync replicas, and retried
/// without duplicates or reordering), with `produce` returning once the brokers acknowledged the record.
///
/// Run it as a `Service`: `run()` serves the delivery reports on a thread of its own, and at shutdown flushes what is
/// in flight before it returns. A `produce` after shutdown began fails at once.
public final class KafkaProducer: Service, Sendable {
    /// librdkafka producers are thread-safe.
    private nonisolated(unsafe) let handle: OpaquePointer
    private nonisolated(unsafe) let topic: OpaquePointer
    private let state = Mutex(State.open)
    private let stopPolling = StopFlag()
    private let logger: Logger
    /// Receives librdkafka's log lines; it must outlive `handle`.
    private let log: RdKafkaLog
    /// How long shutdown waits for the brokers to acknowledge the records in flight before failing them.
    let shutdownFlushTimeout: Duration

    private enum State {
        case open
        case closed
    }

    public convenience init(configuration: KafkaConfiguration, logger: Logger) throws {
        try self.init(configuration: configuration, logger: logger, shutdownFlushTimeout: .seconds(30))
    }

    init(configuration: KafkaConfiguration, logger: Logger, shutdownFlushTimeout: Duration) throws {
        let timeout = configuration.deliveryTimeout.components
        let milliseconds = timeout.seconds * 1000 + timeout.attoseconds / 1_000_000_000_000_000
        let properties = RdKafkaConf.properties(
            configuration,
            [
                ("enable.idempotence", "true"),
                ("message.timeout.ms", String(max(milliseconds, 1))),
                // Records produced within a millisecond share a request; latency matters more than request count.
                ("linger.ms", "1"),
            ]
        )
        let conf = try RdKafkaConf.make(properties)
        rd_kafka_conf_set_dr_msg_cb(conf, kafkaDeliveryReport)
        let log = RdKafkaLog(logger)
        let handle = try RdKafkaConf.client(RD_KAFKA_PRODUCER, conf, log: log)
        guard let topic = rd_kafka_topic_new(handle, configuration.topic, nil) else {
            let error = RdKafkaConf.error(rd_kafka_last_error())
            withExtendedLifetime(log) { rd_kafka_destroy(handle) }
            throw error
        }
        self.handle = handle
        self.topic = topic
        self.logger = logger
        self.log = log
        self.shutdownFlushTimeout = shutdownFlushTimeout
    }

    deinit {
        rd_kafka_topic_destroy(topic)
        rd_kafka_destroy(handle)
    }

    /// Produces `value` under `key` (records with the same key go to the same partition, in order) and returns once the
    /// brokers acknowledged it; throws when they refused it or did not answer within the delivery timeout.
    public func produce(key: String, value: [UInt8]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let report = Unmanaged.passRetained(DeliveryReport(continuation)).toOpaque()
            // The state lock orders this enqueue before shutdown's flush, so every enqueued record gets its report.
            let result: Int32 = state.withLock { state in
                guard case .open = state else { return -2 }
                var key = key
                return key.withUTF8 { keyBytes in
                    value.withUnsafeBytes { valueBytes in
                        rd_kafka_produce(
                            topic,
                            RD_KAFKA_PARTITION_UA,
                            RD_KAFKA_MSG_F_COPY,
                            UnsafeMutableRawPointer(mutating: valueBytes.baseAddress),
                            valueBytes.count,
                            keyBytes.baseAddress,
                            keyBytes.count,
                            report
                        )
                    }
                }
            }
            guard result == 0 else {
                Unmanaged<DeliveryReport>.fromOpaque(report).release()
                let error =
                    result == -2 ? KafkaError(code: -1, message: "the producer is shut down") : RdKafkaConf.error(rd_kafka_last_error())
                continuation.resume(throwing: error)
                return
            }
        }
    }

    /// Serves delivery reports until graceful shutdown or cancellation, then stops accepting records, flushes the ones
    /// in flight (for at most the delivery timeout, and 30 s) and returns. The records still unacknowledged then are
    /// purged, which fails their sends: every `produce` returns, none waits for a report that would never come.
    public func run() async throws {
        let thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        await stopPolling.settingOnShutdown {
            try? await thread.runIfActive { [self] in
                while !stopPolling.isSet { rd_kafka_poll(handle, 100) }
            }
        }
        state.withLock { $0 = .closed }
        let flushMilliseconds = Int32(
            clamping: shutdownFlushTimeout.components.seconds * 1000 + shutdownFlushTimeout.components.attoseconds / 1_000_000_000_000_000
        )
        let left = await thread.runEvenIfCancelled { [self] in
            _ = rd_kafka_flush(handle, flushMilliseconds)
            let left = rd_kafka_outq_len(handle)
            if left > 0 {
                // Each purged record gets its report (with ERR__PURGE_QUEUE or ERR__PURGE_INFLIGHT) from this poll.
                _ = rd_kafka_purge(handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
                _ = rd_kafka_flush(handle, 5_000)
            }
            return left
        }
        if let left, left > 0 {
            logger.warning("Kafka producer stopped with records unacknowledged; their sends failed", metadata: ["kafka.queued": "\(left)"])
        }
        try? await thread.shutdownGracefully()
    }
}

/// The continuation of one produced record, passed through librdkafka as the record's opaque pointer.
private final class DeliveryReport {
    let continuation: CheckedContinuation<Void, any Error>

    init(_ continuation: CheckedContinuation<Void, any Error>) {
        self.continuation = continuation
    }
}

/// librdkafka calls this from `rd_kafka_poll` (or `rd_kafka_flush`) once per record: acknowledged, or failed for good.
private let kafkaDeliveryReport: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
    _,
    message,
    _ in
    guard let message, let opaque = message.pointee._private else { return }
    let report = Unmanaged<DeliveryReport>.fromOpaque(opaque).takeRetainedValue()
    let code = message.pointee.err
    if code == RD_KAFKA_RESP_ERR_NO_ERROR {
        report.continuation.resume()
    } else {
        report.continuation.resume(throwing: RdKafkaConf.error(code))
    }
}
#endif
