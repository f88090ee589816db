#if Kafka
import CRdKafka
import Logging

/// One record read from the topic.
struct KafkaRecord: Sendable {
    var key: String?
    var value: [UInt8]
    var partition: Int32
    var offset: Int64
}

/// A librdkafka consumer in a consumer group, subscribed to one topic, committing only when told to.
///
/// Its calls block; `KafkaMessagePersister` makes them from a thread of its own.
final class KafkaConsumer: @unchecked Sendable {
    private let handle: OpaquePointer
    private var closed = false
    /// Receives librdkafka's log lines; it must outlive `handle`.
    private let log: RdKafkaLog

    init(configuration: KafkaConfiguration, logger: Logger) throws {
        let properties = RdKafkaConf.properties(
            configuration,
            [
                ("group.id", configuration.groupID),
                // Offsets are committed after the records are stored, never before.
                ("enable.auto.commit", "false"),
                // A new group starts at the beginning: every record acknowledged before it existed is stored too.
                ("auto.offset.reset", "earliest"),
                // A fetch returns as soon as there is a record, at worst after 10 ms.
                ("fetch.wait.max.ms", "10"),
                // Subscribing creates the topic when the brokers allow it, instead of waiting for the first record.
                ("allow.auto.create.topics", "true"),
            ]
        )
        let log = RdKafkaLog(logger)
        let handle = try RdKafkaConf.client(RD_KAFKA_CONSUMER, try RdKafkaConf.make(properties), log: log)
        rd_kafka_poll_set_consumer(handle)
        let topics = rd_kafka_topic_partition_list_new(1)
        defer { rd_kafka_topic_partition_list_destroy(topics) }
        rd_kafka_topic_partition_list_add(topics, configuration.topic, RD_KAFKA_PARTITION_UA)
        let code = rd_kafka_subscribe(handle, topics)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            withExtendedLifetime(log) { rd_kafka_destroy(handle) }
            throw RdKafkaConf.error(code)
        }
        self.handle = handle
        self.log = log
    }

    deinit {
        close()
        rd_kafka_destroy(handle)
    }

    /// Up to `limit` records: waits at most `timeoutMilliseconds` for the first, then takes what has already arrived.
    /// Client-side errors (a broker down, a rebalance) are returned beside the records; librdkafka recovers from them
    /// by itself.
    func poll(limit: Int, timeoutMilliseconds: Int32) -> (records: [KafkaRecord], errors: [KafkaError]) {
        var records: [KafkaRecord] = []
        var errors: [KafkaError] = []
        var wait = timeoutMilliseconds
        while records.count < limit, let message = rd_kafka_consumer_poll(handle, wait) {
            defer { rd_kafka_message_destroy(message) }
            wait = 0
            let code = message.pointee.err
            guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
                if code != RD_KAFKA_RESP_ERR__PARTITION_EOF { errors.append(RdKafkaConf.error(code)) }
                continue
            }
            let value = message.pointee.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: message.pointee.len)) } ?? []
            let key = message.pointee.key.map {
                String(decoding: UnsafeRawBufferPointer(start: $0, count: message.pointee.key_len), as: UTF8.self)
            }
            records.append(KafkaRecord(key: key, value: value, partition: message.pointee.partition, offset: message.pointee.offset))
        }
        return (records, errors)
    }

    /// The records of this consumer's partitions that the brokers hold and `poll` has not returned: per assigned
    /// partition, the high watermark last fetched minus the position. A partition not read from yet counts as none.
    ///
    /// It may wait for librdkafka's own thread (the assignment), so call it from a thread that may block.
    func unread() -> Int {
        var assignment: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(handle, &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR, let partitions = assignment else { return 0 }
        defer { rd_kafka_topic_partition_list_destroy(partitions) }
        guard rd_kafka_position(handle, partitions) == RD_KAFKA_RESP_ERR_NO_ERROR else { return 0 }
        var unread = 0
        for index in 0..<Int(partitions.pointee.cnt) {
            let partition = partitions.pointee.elems[index]
            guard partition.err == RD_KAFKA_RESP_ERR_NO_ERROR, partition.offset >= 0 else { continue }
            var low: Int64 = 0
            var high: Int64 = 0
            guard rd_kafka_get_watermark_offsets(handle, partition.topic, partition.partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR
            else { continue }
            unread += Int(max(0, high - partition.offset))
        }
        return unread
    }

    /// Commits the positions after every record `poll` returned; `synchronously` waits for the broker's answer,
    /// otherwise the commit goes out in the background (a lost one only means those records are stored again later).
    func commit(synchronously: Bool) throws {
        let code = rd_kafka_commit(handle, nil, synchronously ? 0 : 1)
        // Nothing consumed since the last commit is not an error.
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR || code == RD_KAFKA_RESP_ERR__NO_OFFSET else { throw RdKafkaConf.error(code) }
    }

    /// Leaves the group (its partitions go to the other members at once) and closes the connections.
    func close() {
        guard !closed else { return }
        closed = true
        _ = rd_kafka_consumer_close(handle)
    }
}
#endif
