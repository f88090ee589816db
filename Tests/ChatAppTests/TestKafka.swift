import ChatKafka
import Foundation
import Testing

/// The Kafka pipeline's settings for a server under test: the broker scripts/test starts, a topic and group of its own.
enum TestKafka {
    static let variable = "CHATBLIZZ_TEST_KAFKA_BROKERS"

    /// `CHATBLIZZ_KAFKA_*` for a fresh topic, or nil (an issue under `CI=true`) without a broker or the Kafka trait.
    static func environment(sourceLocation: SourceLocation = #_sourceLocation) -> [String: String]? {
        let environment = ProcessInfo.processInfo.environment
        guard KafkaConfiguration.isAvailable, let brokers = environment[variable], !brokers.isEmpty else {
            if environment["CI"] == "true" {
                Issue.record("Kafka tests must run in CI: build with --traits Kafka and set \(variable)", sourceLocation: sourceLocation)
            }
            return nil
        }
        let suffix = UUID().uuidString.prefix(8).lowercased()
        return [
            "CHATBLIZZ_KAFKA_BROKERS": brokers,
            "CHATBLIZZ_KAFKA_TOPIC": "messages-\(suffix)",
            "CHATBLIZZ_KAFKA_GROUP": "chatblizz-\(suffix)",
            // librdkafka's mock broker rebalances only after about a session timeout; keep it short.
            "CHATBLIZZ_KAFKA_PROPERTIES": "session.timeout.ms=6000;heartbeat.interval.ms=500",
        ]
    }
}
