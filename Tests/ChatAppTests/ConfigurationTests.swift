import ChatApp
import ChatKafka
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    @Test func defaultsNeedNothing() throws {
        let configuration = try AppConfiguration(environment: [:])
        #expect(configuration.port == 8000)
        #expect(configuration.databaseURL == "sqlite:./data/chatblizz.sqlite")
        #expect(configuration.limits.maxMessageBytes == 16 * 1024)
        #expect(configuration.maxJSONBodyBytes == 64 * 1024)
        #expect(configuration.recoveryMaxPackets == 10_000)
        #expect(configuration.groupCommitInterval == .milliseconds(2))
        #expect(try AppConfiguration(environment: ["CHATBLIZZ_GROUP_COMMIT_US": "0"]).groupCommitInterval == .zero)
        #expect(configuration.metricsToken == nil)
        #expect(try AppConfiguration(environment: ["CHATBLIZZ_METRICS_TOKEN": "0123456789abcdef"]).metricsToken == "0123456789abcdef")
    }

    @Test func originalNamesAreHonoured() throws {
        let configuration = try AppConfiguration(environment: [
            "PORT": "9001", "DB_HOST": "db.internal", "DB_PORT": "6543", "DB_USER": "chat", "DB_PASSWORD": "p@ss", "DB_NAME": "blizz",
        ])
        #expect(configuration.port == 9001)
        #expect(configuration.databaseURL == "postgres://chat:p%40ss@db.internal:6543/blizz")
        let explicit = try AppConfiguration(environment: ["DB_HOST": "x", "CHATBLIZZ_DATABASE_URL": "sqlite:/tmp/a.sqlite"])
        #expect(explicit.databaseURL == "sqlite:/tmp/a.sqlite")
        let dataDir = try AppConfiguration(environment: ["CHATBLIZZ_DATA_DIR": "/var/lib/chatblizz"])
        #expect(dataDir.databaseURL == "sqlite:/var/lib/chatblizz/chatblizz.sqlite")
    }

    @Test(arguments: [
        ("PORT", "abc"), ("PORT", "70000"), ("DB_PORT", "-1"), ("CHATBLIZZ_BCRYPT_COST", "99"), ("CHATBLIZZ_LOG_LEVEL", "loud"),
        ("CHATBLIZZ_MAX_MESSAGE_BYTES", "0"), ("CHATBLIZZ_MIGRATE_ON_START", "maybe"), ("CHATBLIZZ_ACCESS_TOKEN_TTL", "1"),
        ("CHATBLIZZ_RECOVERY_MAX_PACKETS", "0"), ("CHATBLIZZ_RECOVERY_WINDOW_S", "-5"), ("CHATBLIZZ_GROUP_COMMIT_US", "200000"),
        ("CHATBLIZZ_SHUTDOWN_TIMEOUT_S", "0"), ("CHATBLIZZ_KAFKA_BROKERS", "localhost"), ("CHATBLIZZ_KAFKA_BROKERS", "a:1,,b:2"),
        ("CHATBLIZZ_KAFKA_BROKERS", "a:99999"), ("CHATBLIZZ_METRICS_TOKEN", "short"), ("CHATBLIZZ_METRICS_TOKEN", "sixteen chars or more"),
    ])
    func badValuesNameTheirKey(_ key: String, _ value: String) throws {
        var environment = [key: value]
        if key == "DB_PORT" { environment["DB_HOST"] = "localhost" }
        do {
            _ = try AppConfiguration(environment: environment)
            Issue.record("\(key)=\(value) was accepted")
        } catch let error as ConfigurationError {
            #expect(error.key == key)
            #expect(error.description.contains(key))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test(arguments: [
        ("CHATBLIZZ_KAFKA_TOPIC", "has space"), ("CHATBLIZZ_KAFKA_TOPIC", ".."), ("CHATBLIZZ_KAFKA_TOPIC", String(repeating: "t", count: 250)),
        ("CHATBLIZZ_KAFKA_GROUP", "bell\u{7}"), ("CHATBLIZZ_KAFKA_PROPERTIES", "no-equals-sign"), ("CHATBLIZZ_KAFKA_PROPERTIES", "=value"),
        ("CHATBLIZZ_KAFKA_RECORD_FORMAT", "avro"), ("CHATBLIZZ_KAFKA_RECORD_FORMAT", "JSON"),
        ("CHATBLIZZ_KAFKA_MAX_UNSTORED", "-1"), ("CHATBLIZZ_KAFKA_MAX_UNSTORED", "10000001"), ("CHATBLIZZ_KAFKA_MAX_UNSTORED", "lots"),
    ])
    func badKafkaSettingsNameTheirKey(_ key: String, _ value: String) throws {
        do {
            _ = try AppConfiguration(environment: ["CHATBLIZZ_KAFKA_BROKERS": "broker:9092", key: value])
            Issue.record("\(key)=\(value) was accepted")
        } catch let error as ConfigurationError {
            // A build without the Kafka trait refuses the brokers first.
            #expect(error.key == key || (!KafkaConfiguration.isAvailable && error.key == "CHATBLIZZ_KAFKA_BROKERS"))
        }
    }

    @Test func kafkaSettingsAreRead() throws {
        let environment = [
            "CHATBLIZZ_KAFKA_BROKERS": "k1:9092,k2:9093", "CHATBLIZZ_KAFKA_TOPIC": "chat.messages-v2", "CHATBLIZZ_KAFKA_GROUP": "nodes",
            "CHATBLIZZ_KAFKA_PROPERTIES": "security.protocol=SASL_SSL; sasl.password=a=b", "CHATBLIZZ_KAFKA_RECORD_FORMAT": "json",
            "CHATBLIZZ_KAFKA_MAX_UNSTORED": "0",
        ]
        guard KafkaConfiguration.isAvailable else {
            #expect(throws: ConfigurationError.self) { try AppConfiguration(environment: environment) }
            return
        }
        let kafka = try #require(try AppConfiguration(environment: environment).kafka)
        #expect(kafka.brokers == "k1:9092,k2:9093" && kafka.topic == "chat.messages-v2" && kafka.groupID == "nodes")
        #expect(kafka.properties == ["security.protocol": "SASL_SSL", "sasl.password": "a=b"])
        #expect(kafka.recordFormat == .json && kafka.maxUnstoredRecords == 0)
        let defaults = try #require(try AppConfiguration(environment: ["CHATBLIZZ_KAFKA_BROKERS": "k1:9092"]).kafka)
        #expect(defaults.recordFormat == .binary && defaults.maxUnstoredRecords == 2_000)
        #expect(try AppConfiguration(environment: [:]).kafka == nil)
    }
}
