#if Kafka
import CRdKafka
import Logging

/// Builds a librdkafka configuration (`rd_kafka_conf_t`) from properties, refusing unknown names and bad values.
enum RdKafkaConf {
    /// The properties of a client: the brokers and client id, then `specific` (the producer's or the consumer's own),
    /// then the configuration's custom properties, which win.
    static func properties(_ configuration: KafkaConfiguration, _ specific: [(String, String)]) -> [(String, String)] {
        [("bootstrap.servers", configuration.brokers), ("client.id", "chatblizz")] + specific
            + configuration.properties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// A new configuration object; the caller passes it to `rd_kafka_new` (which takes it over) or destroys it.
    static func make(_ properties: [(String, String)]) throws -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else { throw KafkaError(code: -1, message: "rd_kafka_conf_new failed") }
        var error = [CChar](repeating: 0, count: 512)
        for (name, value) in properties where rd_kafka_conf_set(conf, name, value, &error, error.count) != RD_KAFKA_CONF_OK {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(code: -1, message: "\(name): \(text(error))")
        }
        return conf
    }

    /// `rd_kafka_new` for `type`, taking over `conf` when it succeeds. The client's log lines go to `log`, which must
    /// outlive the client.
    static func client(_ type: rd_kafka_type_t, _ conf: OpaquePointer, log: RdKafkaLog) throws -> OpaquePointer {
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(log).toOpaque())
        rd_kafka_conf_set_log_cb(conf, rdKafkaLogLine)
        var error = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, conf, &error, error.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(code: -1, message: text(error))
        }
        return handle
    }

    /// The text librdkafka wrote into an error buffer.
    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func error(_ code: rd_kafka_resp_err_t) -> KafkaError {
        KafkaError(code: code.rawValue, message: String(cString: rd_kafka_err2str(code)))
    }
}

/// Where a librdkafka client's log lines go: librdkafka's syslog levels mapped onto swift-log's.
final class RdKafkaLog: Sendable {
    let logger: Logger

    init(_ logger: Logger) {
        self.logger = logger
    }

    func log(level: Int32, facility: String, message: String) {
        let mapped: Logger.Level =
            switch level {
            case ...2: .critical
            case 3: .error
            case 4: .warning
            case 5: .notice
            case 6: .info
            default: .debug
            }
        logger.log(level: mapped, "\(message)", metadata: ["kafka.facility": "\(facility)"])
    }
}

/// librdkafka's log callback (called from its own threads); the client's opaque is its `RdKafkaLog`. librdkafka asks
/// log callbacks not to call into it; `rd_kafka_opaque` only reads a field set at creation, takes no lock and cannot
/// re-enter, so it is the one exception made here.
private let rdKafkaLogLine: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    client,
    level,
    facility,
    message in
    guard let client, let opaque = rd_kafka_opaque(client), let message else { return }
    Unmanaged<RdKafkaLog>.fromOpaque(opaque).takeUnretainedValue().log(
        level: level,
        facility: facility.map { String(cString: $0) } ?? "",
        message: String(cString: message)
    )
}
#endif
