import ChatCore
import ChatCoreTesting
import Foundation
import Testing

@testable import ChatStoreSQL

#if MariaDB
/// Every store test that runs on SQLite and PostgreSQL, on a real MariaDB server (`CHATBLIZZ_TEST_MARIADB_URL`).
struct MariaDBStoreTests {
    @Test(arguments: StoreConformance.allCases)
    func conformance(_ conformanceCase: ConformanceCase) async throws {
        _ = try await TestDatabases.withMariaDB { client in try await conformanceCase.body(TestDatabases.fixture(client)) }
    }

    @Test(arguments: FileStoreConformance.cases)
    func files(_ conformanceCase: FileStoreConformanceCase) async throws {
        _ = try await TestDatabases.withMariaDB { client in try await conformanceCase.body(client.files) }
    }

    @Test func migrationsFreshAndRerun() async throws {
        _ = try await TestDatabases.withMariaDB(migrate: false) { client in try await MigrationTests.freshThenRerun(client) }
    }

    /// Two clients migrate the same new database at once: the named lock makes them take turns.
    @Test func concurrentMigrators() async throws {
        _ = try await TestDatabases.withMariaDBDatabase { configuration in
            try await TestDatabases.withClient(configuration, migrate: false) { first in
                try await TestDatabases.withClient(configuration, migrate: false) { second in
                    async let a = first.migrate()
                    async let b = second.migrate()
                    let (appliedA, appliedB) = try await (a, b)
                    #expect((appliedA + appliedB).sorted() == MigrationTests.expected.sorted())
                    #expect(appliedA.isEmpty || appliedB.isEmpty)
                    #expect(try await first.appliedMigrations().map(\.name) == MigrationTests.expected)
                }
            }
        }
    }

    /// The migration lock is the database's, not the server's: while a session holds one database's lock, another
    /// database on the same server migrates at once (with a server-wide name it waited 60 s and failed).
    @Test func migrationLockIsPerDatabase() async throws {
        _ = try await TestDatabases.withMariaDB(migrate: false) { holder in
            try await holder.provider.withSession { database in
                let locked = try await database.raw("SELECT GET_LOCK(\(unsafeRaw: SQLMigrator.mariaDBLockName), 0) AS locked")
                    .first()?.optional("locked", as: Int64.self)
                #expect(locked == 1)
                let started = ContinuousClock.now
                let applied = try await TestDatabases.withMariaDB(migrate: false) { other in try await other.migrate() }
                #expect(applied?.sorted() == MigrationTests.expected.sorted())
                #expect(ContinuousClock.now - started < .seconds(30))
                try await database.raw("SELECT RELEASE_LOCK(\(unsafeRaw: SQLMigrator.mariaDBLockName))").run()
            }
        }
    }

    /// A sync page reads at most `limit` rows per conversation, and only rows after the cursor: the single statement
    /// it replaced read every message of the user for every page (MariaDB does not use a row comparison as a range).
    @Test func changeFeedPagesReadOnlyWhatTheyNeed() async throws {
        _ = try await TestDatabases.withMariaDBDatabase { configuration in
            guard case .mariadb(var mariadb) = configuration.backend else { return }
            // One connection, so that the session's handler counters below are those of the feed's reads.
            mariadb.poolSize = 1
            try await TestDatabases.withClient(SQLStoreConfiguration(backend: .mariadb(mariadb))) { client in
                let reader = UserID("reader")
                let conversations = 20
                let drafts = (0..<1_200).map { n in
                    Fixtures.message(
                        String(format: "m-%05d", n),
                        from: reader,
                        to: UserID("peer-\(n % conversations)"),
                        at: 1_000 + Int64(n),
                        clientMessageID: nil
                    )
                }
                for start in stride(from: 0, to: drafts.count, by: 100) { _ = try await client.messages.append(Array(drafts[start..<start + 100])) }
                let limit = 10
                var cursor: ChangeCursor?
                var seen: [Message] = []
                var mostRead = 0
                while true {
                    let (page, read) = try await Self.rowsRead(by: client) {
                        try await client.messages.changes(for: reader, after: cursor, limit: limit)
                    }
                    mostRead = max(mostRead, read)
                    guard let last = page.last else { break }
                    seen += page
                    cursor = last.changeCursor
                }
                #expect(seen.map(\.id.rawValue) == drafts.map(\.id.rawValue))
                #expect(mostRead <= conversations * limit, "a page read \(mostRead) index entries")
            }
        }
    }

    /// `body`'s result and the index entries its statements read in order (`Handler_read_next`) on the client's only
    /// connection.
    private static func rowsRead<R: Sendable>(by client: SQLDatabaseClient, _ body: () async throws -> R) async throws -> (R, Int) {
        try await client.provider.withSession { database in try await database.raw("FLUSH STATUS").run() }
        let result = try await body()
        let read = try await client.provider.withSession { database in
            try await database.raw("SHOW SESSION STATUS LIKE 'Handler_read_next'").first()?.decode(column: "Value", as: String.self)
        }
        return (result, read.flatMap { Int($0) } ?? -1)
    }

    @Test func racingAppends() async throws {
        _ = try await TestDatabases.withMariaDB { client in try await ConcurrentAppendTests.racingAppends(client.messages) }
    }

    @Test func appendsAgreeWithMemory() async throws {
        _ = try await TestDatabases.withMariaDB { client in try await DifferentialAppendTests.compare(client.messages) }
    }

    @Test func searchAgreesWithMemory() async throws {
        _ = try await TestDatabases.withMariaDB { client in try await DifferentialSearchTests.compare(client.users) }
    }

    @Test func races() async throws {
        _ = try await TestDatabases.withMariaDB { client in
            try await RaceTests.racingConsumes(client.refreshTokens)
            try await RaceTests.racingFriendshipUpdates(client.friendships)
        }
    }
}

/// The Connector/C wrapper itself: literals, pooling and errors.
struct MariaDBDriverTests {
    /// Text that an escaping mistake would corrupt or turn into SQL comes back byte for byte.
    @Test func stringBindsRoundTrip() async throws {
        let samples = [
            "", "plain", "it's", "back\\slash", "\\'", "'; DROP TABLE t; --", "\"double\"", "`tick`", "line\nbreak\r\t",
            "nul\u{0}byte", "\u{1}marker", "ünïcødé 🚀", "trailing space ", String(repeating: "x'\\", count: 2_000),
        ]
        _ = try await TestDatabases.withMariaDB(migrate: false) { client in
            try await client.provider.withSession { database in
                try await database.raw("CREATE TABLE echo (k BIGINT PRIMARY KEY, v LONGTEXT)").run()
                for (index, sample) in samples.enumerated() {
                    try await database.raw("INSERT INTO echo (k, v) VALUES (\(bind: Int64(index)), \(bind: sample))").run()
                }
                for (index, sample) in samples.enumerated() {
                    let stored = try await database.raw("SELECT v FROM echo WHERE k = \(bind: Int64(index))").first()?
                        .decode(column: "v", as: String.self)
                    #expect(stored == sample)
                    let matched = try await database.raw("SELECT COUNT(*) AS n FROM echo WHERE v = \(bind: sample)").first()?
                        .decode(column: "n", as: Int.self)
                    #expect(matched == 1, "\(sample.debugDescription) compared equal to another value")
                }
            }
        }
    }

    @Test func nullIntegerAndBooleanBinds() async throws {
        _ = try await TestDatabases.withMariaDB(migrate: false) { client in
            try await client.provider.withSession { database in
                let missing: String? = nil
                let row = try await database.raw(
                    "SELECT \(bind: missing) AS a, \(bind: Int64.min) AS b, \(bind: true) AS c, \(bind: 2.5) AS d"
                ).first()
                #expect(try row?.decodeNil(column: "a") == true)
                #expect(try row?.decode(column: "b", as: Int64.self) == Int64.min)
                #expect(try row?.decode(column: "c", as: Bool.self) == true)
                #expect(try row?.decode(column: "d", as: Double.self) == 2.5)
            }
        }
    }

    /// A pool of two serves ten concurrent sessions, each holding its connection for a while.
    @Test func poolQueuesSessionsBeyondItsSize() async throws {
        guard let url = TestDatabases.mariadbURL() else { return }
        guard case .mariadb(var configuration) = try SQLStoreConfiguration(url: url).backend else { return }
        configuration.poolSize = 2
        try await TestDatabases.withClient(SQLStoreConfiguration(backend: .mariadb(configuration)), migrate: false) { client in
            let ids = try await withThrowingTaskGroup(of: Int64.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        try await client.provider.withSession { database in
                            try await database.raw("SELECT SLEEP(0.05)").run()
                            return try await database.raw("SELECT CONNECTION_ID() AS id").first()?.decode(column: "id", as: Int64.self) ?? 0
                        }
                    }
                }
                return try await group.reduce(into: Set<Int64>()) { $0.insert($1) }
            }
            #expect(ids.count <= 2)
        }
    }

    /// A connection the server closed while it sat in the pool is noticed (pinged before it is lent) and replaced; one
    /// closed under a session fails that session only, as unavailable, and is not lent again.
    @Test func connectionsClosedByTheServerAreReplaced() async throws {
        guard let url = TestDatabases.mariadbURL() else { return }
        guard case .mariadb(var configuration) = try SQLStoreConfiguration(url: url).backend else { return }
        configuration.poolSize = 1
        configuration.pingAfterIdle = .zero
        try await TestDatabases.withClient(SQLStoreConfiguration(backend: .mariadb(configuration)), migrate: false) { client in
            @Sendable func connectionID() async throws -> Int64? {
                try await client.provider.withSession { database in
                    try await database.raw("SELECT CONNECTION_ID() AS id").first()?.decode(column: "id", as: Int64.self)
                }
            }
            let first = try #require(try await connectionID())
            try await TestDatabases.withClient(try SQLStoreConfiguration(url: url), migrate: false) { admin in
                try await admin.provider.withSession { database in try await database.raw("KILL CONNECTION \(bind: first)").run() }
            }
            let second = try #require(try await connectionID())
            #expect(second != first)
        }
        configuration.pingAfterIdle = .seconds(3600)
        try await TestDatabases.withClient(SQLStoreConfiguration(backend: .mariadb(configuration)), migrate: false) { client in
            let first = try await client.provider.withSession { database in
                try await database.raw("SELECT CONNECTION_ID() AS id").first()?.decode(column: "id", as: Int64.self)
            }
            try await TestDatabases.withClient(try SQLStoreConfiguration(url: url), migrate: false) { admin in
                try await admin.provider.withSession { database in try await database.raw("KILL CONNECTION \(bind: first)").run() }
            }
            await #expect(throws: ChatError.self) {
                try await client.provider.withSession { database in try await database.raw("SELECT 1").run() }
            }
            try await client.provider.withSession { database in try await database.raw("SELECT 1").run() }
        }
    }

    @Test func unreachableServerIsUnavailable() async throws {
        // Nothing listens on port 1: the connection is refused at once.
        let client = try SQLDatabaseClient(url: "mariadb://nobody@127.0.0.1:1/chatblizz")
        await #expect(throws: ChatError.self) {
            try await client.withRunning { client in try await client.ping(timeout: .seconds(20)) }
        }
        do {
            _ = try await client.withRunning { client in try await client.users.user(id: UserID("u")) }
            Issue.record("a query succeeded without a server")
        } catch let error as ChatError {
            #expect(error.code == .unavailable)
        }
    }

    @Test func tlsRequiredAgainstAPlainServerFails() async throws {
        guard let url = TestDatabases.mariadbURL() else { return }
        let client = try SQLDatabaseClient(url: url + "?sslmode=require")
        do {
            try await client.withRunning { client in _ = try await client.users.user(id: UserID("u")) }
            Issue.record("sslmode=require connected to a server without TLS")
        } catch let error as ChatError {
            #expect(error.code == .unavailable)
        }
    }

    @Test func wrongPasswordIsRefused() async throws {
        guard let url = TestDatabases.mariadbURL(), var components = URLComponents(string: url) else { return }
        components.password = "wrong"
        let client = try SQLDatabaseClient(url: try #require(components.string))
        await #expect(throws: (any Error).self) {
            try await client.withRunning { client in _ = try await client.users.user(id: UserID("u")) }
        }
    }
}
#else
struct MariaDBTraitTests {
    /// CI builds with `--traits MariaDB`; a build without it would skip every MariaDB test, so it fails there.
    @Test func builtWithTheMariaDBTrait() {
        _ = TestDatabases.mariadbURL()
    }
}
#endif

struct MariaDBConfigurationTests {
    @Test(arguments: [
        "mariadb://", "mariadb://host", "mariadb://user@host", "mariadb://user@host/db?sslmode=maybe", "mariadb://user@host/db?pool_size=0",
        "mariadb://user@host/db?charset=latin1", "mysql://user@host/db",
    ])
    func rejectsBadURLs(_ url: String) {
        #expect(throws: ChatError.self) { try SQLStoreConfiguration(url: url) }
    }

    #if MariaDB
    @Test func parsesAURL() throws {
        let configuration = try SQLStoreConfiguration(url: "mariadb://chat:s%3Ecret@db.example:3307/chat?sslmode=verify-full&pool_size=7")
        guard case .mariadb(let mariadb) = configuration.backend else {
            Issue.record("not a MariaDB backend")
            return
        }
        let expected = MariaDBConfiguration(
            host: "db.example",
            port: 3307,
            username: "chat",
            password: "s>cret",
            database: "chat",
            tls: .verifyFull,
            poolSize: 7
        )
        #expect(mariadb == expected)
    }
    #endif
}
