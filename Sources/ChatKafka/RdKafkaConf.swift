#if Kafka
import CRdKafka

/// Builds a librdkafka configuration (`rd_kafka_conf_t`) from properties, refusing unknown names and bad values.
enum RdKafkaConf {
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

    /// `rd_kafka_new` for `type`, taking over `conf` when it succeeds.
    static func client(_ type: rd_kafka_type_t, _ conf: OpaquePointer) throws -> OpaquePointer {
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
#endif
