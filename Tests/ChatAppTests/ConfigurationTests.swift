import ChatApp
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
        ("CHATBLIZZ_SHUTDOWN_TIMEOUT_S", "0"),
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
}
