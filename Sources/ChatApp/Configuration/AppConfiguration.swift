import ChatAuth
import ChatCore
import ChatKafka
import Foundation
import Logging

/// Everything `chatblizz serve` can be told, read in one place. Precedence: command-line flags, then the process
/// environment, then the `.env` file, then the defaults below. Every key is documented in the README.
public struct AppConfiguration: Sendable {
    /// `CHATBLIZZ_HOST` (default `0.0.0.0`).
    public var host: String = "0.0.0.0"
    /// `PORT` (default 8000), the original's name.
    public var port: Int = 8000
    /// `CHATBLIZZ_DATA_DIR` (default `./data`): the SQLite file, generated keys and local files live here.
    public var dataDirectory: String = "./data"
    /// `CHATBLIZZ_DATABASE_URL` (`sqlite:./data/chatblizz.sqlite` or `postgres://…`); when unset and `DB_HOST` is set,
    /// the original's `DB_HOST`, `DB_PORT`, `DB_USER`, `DB_PASSWORD` and `DB_NAME` describe a PostgreSQL server.
    public var databaseURL: String = "sqlite:./data/chatblizz.sqlite"
    /// `CHATBLIZZ_JWT_SECRET`: base64 or hex, at least 32 bytes. Generated into the data directory when absent.
    public var jwtSecret: String?
    /// `CHATBLIZZ_ACCESS_TOKEN_TTL` seconds (default 900).
    public var accessTokenLifetime: Duration = .seconds(900)
    /// `CHATBLIZZ_REFRESH_TOKEN_TTL` seconds (default 30 days).
    public var refreshTokenLifetime: Duration = .seconds(30 * 24 * 3600)
    /// `CHATBLIZZ_BCRYPT_COST` (default 12, 4…31).
    public var bcryptCost: Int = 12
    /// `CHATBLIZZ_MAX_JSON_BODY` bytes (default 65536) for every JSON request body.
    public var maxJSONBodyBytes: Int = 64 * 1024
    /// `CHATBLIZZ_MAX_MESSAGE_BYTES` (default 16384), `CHATBLIZZ_PAGE_SIZE` (default 50), `CHATBLIZZ_MAX_PAGE_SIZE` (100).
    public var limits = ChatLimits()
    /// `CHATBLIZZ_AUTH_RATE_LIMIT`: register/login/refresh/logout attempts per minute per client address (default 20).
    public var authAttemptsPerMinute: Int = 20
    /// `CHATBLIZZ_MAX_SOCKETS_PER_USER` (default 10) on one node.
    public var maxSocketsPerUser: Int = 10
    /// `CHATBLIZZ_SOCKET_RATE_LIMIT`: client events per second per socket (default 100; bursts of twice that).
    public var socketEventsPerSecond: Int = 100
    /// `CHATBLIZZ_PING_INTERVAL_MS` (default 25000) and `CHATBLIZZ_PING_TIMEOUT_MS` (default 20000).
    public var pingInterval: Duration = .milliseconds(25_000)
    public var pingTimeout: Duration = .milliseconds(20_000)
    /// `CHATBLIZZ_RECOVERY_WINDOW_S`: how long a dropped socket can come back and get what it missed (default 120, 0 = off).
    public var recoveryWindow: Duration = .seconds(120)
    /// `CHATBLIZZ_RECOVERY_MAX_PACKETS`: the most packets the recovery log keeps (default 10,000).
    public var recoveryMaxPackets: Int = 10_000
    /// `CHATBLIZZ_PERMISSION_CACHE_MS`: how long a node reuses "these two may message each other" before asking the
    /// database again (default 2,000; 0 = ask for every message). Changes made on this node apply at once; changes
    /// made on another node apply when its event arrives, at the latest after this long.
    public var permissionCacheTTL: Duration = .seconds(2)
    /// `CHATBLIZZ_GROUP_COMMIT_US`: the least time between two message commits, in microseconds (default 2,000; 0 =
    /// commit at once). Messages arriving meanwhile share the next commit; under light load commits are further apart
    /// than this and nothing waits.
    public var groupCommitInterval: Duration = .milliseconds(2)
    /// `CHATBLIZZ_SHUTDOWN_TIMEOUT_S`: how long a graceful shutdown (SIGTERM or SIGINT) may take before the remaining
    /// work is cancelled (default 30). Closing sockets runs their disconnect handling, which waits for the database; with
    /// the database gone that wait would otherwise never end.
    public var shutdownTimeout: Duration = .seconds(30)
    /// `CHATBLIZZ_CORS_ORIGIN`: the origin allowed to call the API and Socket.IO from a browser (default none).
    public var corsOrigin: String?
    /// `REDIS_URL` (`redis://[:password@]host:port/db`, `rediss://` for TLS): when set, events and presence go through
    /// Redis so several instances act as one; unset, everything stays in process.
    public var redisURL: String?
    /// `CHATBLIZZ_KAFKA_BROKERS` (`host:port[,host:port…]`), with `CHATBLIZZ_KAFKA_TOPIC` (default `MESSAGES`) and
    /// `CHATBLIZZ_KAFKA_GROUP` (default `chatblizz`): when set, messages go through the Kafka pipeline (acknowledged once
    /// the brokers have them, stored by the nodes' consumer group); unset, they are written to the database directly.
    /// `CHATBLIZZ_KAFKA_PROPERTIES` adds librdkafka properties to both clients (`name=value;name=value`: TLS, SASL);
    /// `CHATBLIZZ_KAFKA_MAX_UNSTORED` (default 2000, 0 = never) holds sends while this node's persister is further behind.
    /// Needs a build with the `Kafka` trait.
    public var kafka: KafkaConfiguration?
    /// `CHATBLIZZ_PRESENCE_TTL_MS` (default 30000): a node silent this long is considered gone and its users offline.
    public var presenceTTL: Duration = .milliseconds(30_000)
    /// `CHATBLIZZ_NODE_ID`: this instance's name in presence records (default: random per start).
    public var nodeID: String = "node-" + IdentifierGenerator.randomToken(length: 10)
    /// `CHATBLIZZ_METRICS_TOKEN`: when set (16 to 1,024 characters), `GET /metrics` serves the node's figures in
    /// Prometheus's text format to a scraper that sends it as a bearer token; unset, there is no `/metrics`.
    public var metricsToken: String?
    /// `CHATBLIZZ_LOG_LEVEL` (default `info`).
    public var logLevel: Logger.Level = .info
    /// `CHATBLIZZ_MIGRATE_ON_START` (default true).
    public var migrateOnStart: Bool = true
    /// `FIREBASE_PROJECT_ID` and `FIREBASE_CERTS_URL`: when the project id is set, Firebase ID tokens are accepted
    /// alongside ChatBlizz's own (default: unset, Firebase off).
    public var firebase: FirebaseConfiguration?
    /// File uploads: limits, local directory or S3 (see `FilesConfiguration`).
    public var files = FilesConfiguration()

    public init() {}

    /// The configuration described by `environment` (already merged from the process and the `.env` file).
    public init(environment: [String: String]) throws {
        var reader = ConfigurationReader(environment)
        host = try reader.string("CHATBLIZZ_HOST") ?? host
        port = try reader.int("PORT", in: 0...65535) ?? port
        dataDirectory = try reader.string("CHATBLIZZ_DATA_DIR") ?? dataDirectory
        databaseURL = "sqlite:\(dataDirectory)/chatblizz.sqlite"
        if let url = try reader.string("CHATBLIZZ_DATABASE_URL") {
            databaseURL = url
        } else if let host = try reader.string("DB_HOST") {
            databaseURL = try Self.postgresURL(host: host, reader: &reader)
        }
        jwtSecret = try reader.string("CHATBLIZZ_JWT_SECRET")
        if let seconds = try reader.int("CHATBLIZZ_ACCESS_TOKEN_TTL", in: 30...86400) { accessTokenLifetime = .seconds(seconds) }
        if let seconds = try reader.int("CHATBLIZZ_REFRESH_TOKEN_TTL", in: 60...(366 * 86400)) { refreshTokenLifetime = .seconds(seconds) }
        bcryptCost = try reader.int("CHATBLIZZ_BCRYPT_COST", in: 4...31) ?? bcryptCost
        maxJSONBodyBytes = try reader.int("CHATBLIZZ_MAX_JSON_BODY", in: 1024...(16 * 1024 * 1024)) ?? maxJSONBodyBytes
        limits.maxMessageBytes = try reader.int("CHATBLIZZ_MAX_MESSAGE_BYTES", in: 1...(512 * 1024)) ?? limits.maxMessageBytes
        limits.maxPageSize = try reader.int("CHATBLIZZ_MAX_PAGE_SIZE", in: 1...1000) ?? limits.maxPageSize
        limits.defaultPageSize = try reader.int("CHATBLIZZ_PAGE_SIZE", in: 1...limits.maxPageSize) ?? min(limits.defaultPageSize, limits.maxPageSize)
        authAttemptsPerMinute = try reader.int("CHATBLIZZ_AUTH_RATE_LIMIT", in: 1...100_000) ?? authAttemptsPerMinute
        migrateOnStart = try reader.bool("CHATBLIZZ_MIGRATE_ON_START") ?? migrateOnStart
        maxSocketsPerUser = try reader.int("CHATBLIZZ_MAX_SOCKETS_PER_USER", in: 1...10_000) ?? maxSocketsPerUser
        socketEventsPerSecond = try reader.int("CHATBLIZZ_SOCKET_RATE_LIMIT", in: 1...100_000) ?? socketEventsPerSecond
        if let ms = try reader.int("CHATBLIZZ_PING_INTERVAL_MS", in: 100...600_000) { pingInterval = .milliseconds(ms) }
        if let ms = try reader.int("CHATBLIZZ_PING_TIMEOUT_MS", in: 100...600_000) { pingTimeout = .milliseconds(ms) }
        if let seconds = try reader.int("CHATBLIZZ_RECOVERY_WINDOW_S", in: 0...86_400) { recoveryWindow = .seconds(seconds) }
        recoveryMaxPackets = try reader.int("CHATBLIZZ_RECOVERY_MAX_PACKETS", in: 1...10_000_000) ?? recoveryMaxPackets
        if let ms = try reader.int("CHATBLIZZ_PERMISSION_CACHE_MS", in: 0...600_000) { permissionCacheTTL = .milliseconds(ms) }
        if let us = try reader.int("CHATBLIZZ_GROUP_COMMIT_US", in: 0...100_000) { groupCommitInterval = .microseconds(us) }
        if let seconds = try reader.int("CHATBLIZZ_SHUTDOWN_TIMEOUT_S", in: 1...3_600) { shutdownTimeout = .seconds(seconds) }
        corsOrigin = try reader.string("CHATBLIZZ_CORS_ORIGIN")
        if let token = try reader.string("CHATBLIZZ_METRICS_TOKEN") {
            guard (16...1024).contains(token.utf8.count), !token.contains(where: { $0.isWhitespace }) else {
                throw ConfigurationError(key: "CHATBLIZZ_METRICS_TOKEN", "must be 16 to 1,024 characters without spaces")
            }
            metricsToken = token
        }
        if let url = try reader.string("REDIS_URL") {
            guard url.hasPrefix("redis://") || url.hasPrefix("rediss://") else {
                throw ConfigurationError(key: "REDIS_URL", "must start with redis:// or rediss://")
            }
            redisURL = url
        }
        kafka = try Self.kafka(reader: &reader)
        if let ms = try reader.int("CHATBLIZZ_PRESENCE_TTL_MS", in: 1_000...3_600_000) { presenceTTL = .milliseconds(ms) }
        nodeID = try reader.string("CHATBLIZZ_NODE_ID") ?? nodeID
        files = try FilesConfiguration(environment: environment, reader: reader)
        do {
            firebase = try FirebaseConfiguration.fromEnvironment(environment)
        } catch let error as AuthConfigurationError {
            let key =
                error.message.hasPrefix(FirebaseConfiguration.certificatesURLKey)
                ? FirebaseConfiguration.certificatesURLKey : FirebaseConfiguration.projectIDKey
            throw ConfigurationError(key: key, "is invalid: \(error.message)")
        }
        if let level = try reader.string("CHATBLIZZ_LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw ConfigurationError(key: "CHATBLIZZ_LOG_LEVEL", "must be one of trace, debug, info, notice, warning, error, critical")
            }
            logLevel = parsed
        }
    }

    /// The process environment merged over the `.env` file at `envFile` (missing file: ignored).
    public static func load(envFile: String = ".env", overrides: [String: String] = [:]) throws -> AppConfiguration {
        var environment = try DotEnv.load(path: envFile)
        environment.merge(ProcessInfo.processInfo.environment) { _, process in process }
        environment.merge(overrides) { _, flag in flag }
        return try AppConfiguration(environment: environment)
    }

    private static func postgresURL(host: String, reader: inout ConfigurationReader) throws -> String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.host = host
        components.port = try reader.int("DB_PORT", in: 1...65535) ?? 5432
        components.user = try reader.string("DB_USER") ?? "postgres"
        components.password = try reader.string("DB_PASSWORD")
        components.path = "/" + (try reader.string("DB_NAME") ?? "chatblizz")
        guard let url = components.string else { throw ConfigurationError(key: "DB_HOST", "does not form a valid PostgreSQL URL") }
        return url
    }
}

/// Typed reads of configuration keys; every failure names its key.
struct ConfigurationReader {
    let environment: [String: String]

    init(_ environment: [String: String]) { self.environment = environment }

    func string(_ key: String) throws -> String? {
        guard let value = environment[key]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = try string(key) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(key: key, "must be an integer from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
        }
        return value
    }

    func bool(_ key: String) throws -> Bool? {
        guard let text = try string(key)?.lowercased() else { return nil }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(key: key, "must be true or false, got \"\(text)\"")
        }
    }
}
