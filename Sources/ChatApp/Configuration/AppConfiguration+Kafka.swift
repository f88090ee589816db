import ChatKafka
import Foundation

extension AppConfiguration {
    /// The Kafka pipeline's configuration from `CHATBLIZZ_KAFKA_*`, nil when no brokers are set.
    static func kafka(reader: inout ConfigurationReader) throws -> KafkaConfiguration? {
        guard let brokers = try reader.string("CHATBLIZZ_KAFKA_BROKERS") else { return nil }
        let addresses = brokers.split(separator: ",", omittingEmptySubsequences: false)
        guard !addresses.isEmpty,
            addresses.allSatisfy({ address in
                let parts = address.split(separator: ":")
                return parts.count == 2 && !parts[0].isEmpty && Int(parts[1]).map { (1...65535).contains($0) } == true
            })
        else {
            throw ConfigurationError(key: "CHATBLIZZ_KAFKA_BROKERS", "must be host:port[,host:port…]")
        }
        var configuration = KafkaConfiguration(brokers: brokers)
        if let topic = try reader.string("CHATBLIZZ_KAFKA_TOPIC") {
            // Kafka's own rule for topic names.
            guard (1...249).contains(topic.utf8.count), topic != ".", topic != "..",
                topic.unicodeScalars.allSatisfy({
                    $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0))
                })
            else {
                throw ConfigurationError(key: "CHATBLIZZ_KAFKA_TOPIC", "must be 1 to 249 of a-z, A-Z, 0-9, '.', '_' and '-'")
            }
            configuration.topic = topic
        }
        if let group = try reader.string("CHATBLIZZ_KAFKA_GROUP") {
            guard (1...255).contains(group.utf8.count), !group.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
                throw ConfigurationError(key: "CHATBLIZZ_KAFKA_GROUP", "must be 1 to 255 printable characters")
            }
            configuration.groupID = group
        }
        if let properties = try reader.string("CHATBLIZZ_KAFKA_PROPERTIES") {
            for pair in properties.split(separator: ";") where !pair.trimmingCharacters(in: .whitespaces).isEmpty {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, !parts[0].trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw ConfigurationError(key: "CHATBLIZZ_KAFKA_PROPERTIES", "must be name=value pairs separated by ';'")
                }
                configuration.properties[parts[0].trimmingCharacters(in: .whitespaces)] = String(parts[1])
            }
        }
        if let format = try reader.string("CHATBLIZZ_KAFKA_RECORD_FORMAT") {
            guard let format = KafkaRecordFormat(rawValue: format) else {
                throw ConfigurationError(key: "CHATBLIZZ_KAFKA_RECORD_FORMAT", "must be binary or json")
            }
            configuration.recordFormat = format
        }
        if let limit = try reader.int("CHATBLIZZ_KAFKA_MAX_UNSTORED", in: 0...10_000_000) {
            configuration.maxUnstoredRecords = limit
        }
        guard KafkaConfiguration.isAvailable else {
            throw ConfigurationError(key: "CHATBLIZZ_KAFKA_BROKERS", "is set, but this build has no Kafka support: build with `--traits Kafka`")
        }
        return configuration
    }
}
