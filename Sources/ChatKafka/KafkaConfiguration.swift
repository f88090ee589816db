/// Where the Kafka message pipeline produces and consumes.
public struct KafkaConfiguration: Sendable, Hashable {
    /// `bootstrap.servers`: `host:port[,host:port…]`.
    public var brokers: String
    /// The topic that holds the messages (the original service's `MESSAGES`). Create it with as many partitions as
    /// consumers should share the work; records are keyed by conversation, so one conversation stays in order.
    public var topic: String
    /// The consumer group of the nodes that persist the topic: every node joins it, and each partition is persisted by
    /// one of them.
    public var groupID: String
    /// How long a produce may wait for the brokers' acknowledgement before the send fails (`message.timeout.ms`).
    public var deliveryTimeout: Duration
    /// The most records persisted in one store transaction.
    public var maxBatchSize: Int
    /// The most records of this node's partitions that may wait to be stored before the node holds new sends (each
    /// waits up to `deliveryTimeout`, then fails as unavailable); 0 never holds them. See ``KafkaBacklog``.
    public var maxUnstoredRecords: Int
    /// Further librdkafka properties for both clients (TLS, SASL, …), applied last.
    public var properties: [String: String]
    /// The layout of the records this node writes; every layout is read.
    public var recordFormat: KafkaRecordFormat

    public init(
        brokers: String,
        topic: String = "MESSAGES",
        groupID: String = "chatblizz",
        deliveryTimeout: Duration = .seconds(10),
        maxBatchSize: Int = 512,
        maxUnstoredRecords: Int = 2_000,
        properties: [String: String] = [:],
        recordFormat: KafkaRecordFormat = .binary
    ) {
        self.brokers = brokers
        self.topic = topic
        self.groupID = groupID
        self.deliveryTimeout = deliveryTimeout
        self.maxBatchSize = maxBatchSize
        self.maxUnstoredRecords = maxUnstoredRecords
        self.properties = properties
        self.recordFormat = recordFormat
    }

    /// Whether this build links librdkafka (the package's `Kafka` trait).
    public static var isAvailable: Bool {
        #if Kafka
        true
        #else
        false
        #endif
    }
}
