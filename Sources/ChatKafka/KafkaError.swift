/// An error reported by librdkafka or a Kafka broker.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// librdkafka's `rd_kafka_resp_err_t` (negative: raised by the client itself; positive: a broker error code).
    public let code: Int32
    public let message: String

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "Kafka error \(code): \(message)" }
}
