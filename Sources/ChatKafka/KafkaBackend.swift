import ChatCore
import Logging
import ServiceLifecycle

/// The Kafka message pipeline with the services it needs: the producer (run it before anything submits, stop it after)
/// and the persister (run it while the store and the event bus are up).
public struct KafkaBackend: Sendable {
    public let pipeline: any MessagePipeline
    public let producer: any Service
    public let persister: any Service
    /// How far this node's persister is behind (for the metrics).
    public let backlog: KafkaBacklog

    /// Builds the pipeline for `configuration`; nothing connects until the services run. Throws when the configuration
    /// is refused by librdkafka, or when this build has no Kafka support (the package's `Kafka` trait).
    public static func make(
        _ configuration: KafkaConfiguration,
        store: any MessageStore,
        events: any EventBus,
        logger: Logger
    ) throws -> KafkaBackend {
        #if Kafka
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let backlog = KafkaBacklog(limit: configuration.maxUnstoredRecords, timeout: configuration.deliveryTimeout)
        return KafkaBackend(
            pipeline: KafkaMessagePipeline(producer: producer, store: store, recordFormat: configuration.recordFormat, backlog: backlog),
            producer: producer,
            persister: KafkaMessagePersister(configuration: configuration, store: store, events: events, backlog: backlog, logger: logger),
            backlog: backlog
        )
        #else
        throw KafkaError(code: -1, message: "this build has no Kafka support: build with `--traits Kafka` (needs librdkafka-dev)")
        #endif
    }
}
