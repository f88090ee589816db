import Testing

@testable import ChatStoreSQL

struct ConfigurationTests {
    @Test func sqliteURLs() throws {
        guard case .sqlite(let relative) = try SQLStoreConfiguration(url: "sqlite:./data/chatblizz.sqlite").backend else {
            Issue.record("expected sqlite")
            return
        }
        #expect(relative == "./data/chatblizz.sqlite")
        guard case .sqlite(let memory) = try SQLStoreConfiguration(url: "sqlite::memory:").backend else {
            Issue.record("expected sqlite")
            return
        }
        #expect(memory == ":memory:")
        guard case .sqlite(let absolute) = try SQLStoreConfiguration(url: "sqlite:///var/lib/chat.sqlite").backend else {
            Issue.record("expected sqlite")
            return
        }
        #expect(absolute == "/var/lib/chat.sqlite")
    }

    @Test func sqliteDurabilityIsFullUnlessTheURLSaysNormal() throws {
        #expect(try SQLStoreConfiguration(url: "sqlite:./data/chatblizz.sqlite").sqliteDurability == .full)
        let normal = try SQLStoreConfiguration(url: "sqlite:///var/lib/chat.sqlite?synchronous=NORMAL")
        #expect(normal.sqliteDurability == .normal)
        guard case .sqlite(let path) = normal.backend else {
            Issue.record("expected sqlite")
            return
        }
        #expect(path == "/var/lib/chat.sqlite")
        #expect(try SQLStoreConfiguration(url: "sqlite:chat.sqlite?synchronous=full").sqliteDurability == .full)
        for bad in ["sqlite:chat.sqlite?synchronous=off", "sqlite:chat.sqlite?mode=ro", "sqlite:chat.sqlite?synchronous", "sqlite:?synchronous=full"]
        {
            #expect(throws: (any Error).self, "\(bad)") { try SQLStoreConfiguration(url: bad) }
        }
    }

    @Test func postgresURL() throws {
        let parsed = try SQLStoreConfiguration(url: "postgres://chat:p%40ss@db.local:6543/chatblizz?sslmode=disable&schema=app&pool_size=7")
        guard case .postgres(let configuration, let schema) = parsed.backend else {
            Issue.record("expected postgres")
            return
        }
        #expect(configuration.host == "db.local")
        #expect(configuration.port == 6543)
        #expect(configuration.username == "chat")
        #expect(configuration.password == "p@ss")
        #expect(configuration.database == "chatblizz")
        #expect(configuration.options.maximumConnections == 7)
        #expect(configuration.options.minimumConnections == 1)
        #expect(schema == "app")
        #expect(parsed.postgresConnectionWait == .seconds(10))
        #expect(try SQLStoreConfiguration(url: "postgres://u@h/db?pool_timeout=3").postgresConnectionWait == .seconds(3))
        #expect(try SQLStoreConfiguration(url: "postgres://u@h/db?pool_timeout=0").postgresConnectionWait == nil)
        for bad in ["-1", "601", "x", ""] {
            #expect(throws: (any Error).self, "\(bad)") { try SQLStoreConfiguration(url: "postgres://u@h/db?pool_timeout=\(bad)") }
        }
    }

    @Test func rejectsBadURLs() {
        #expect(throws: (any Error).self) { try SQLStoreConfiguration(url: "mysql://x@y/z") }
        #expect(throws: (any Error).self) { try SQLStoreConfiguration(url: "sqlite:") }
        #expect(throws: (any Error).self) { try SQLStoreConfiguration(url: "postgres://u@h/db?schema=bad-name") }
        #expect(throws: (any Error).self) { try SQLStoreConfiguration(url: "postgres://u@h/db?sslmode=sometimes") }
    }
}
