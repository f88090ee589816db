import ChatRedis
import Foundation
import ProcessTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Where integration tests find Redis: `CHATBLIZZ_TEST_REDIS_URL` (started by `scripts/test`), and
/// `CHATBLIZZ_TEST_REDIS_SERVER_BIN` for tests that start their own throwaway server.
enum RedisTestEnvironment {
    /// The shared server's URL; nil (after recording an issue on CI) when there is none.
    static func url() -> String? {
        if let url = ProcessInfo.processInfo.environment["CHATBLIZZ_TEST_REDIS_URL"], !url.isEmpty { return url }
        if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("CHATBLIZZ_TEST_REDIS_URL is not set on CI") }
        return nil
    }

    static func serverBinary() -> String? {
        if let binary = ProcessInfo.processInfo.environment["CHATBLIZZ_TEST_REDIS_SERVER_BIN"], !binary.isEmpty { return binary }
        if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("CHATBLIZZ_TEST_REDIS_SERVER_BIN is not set on CI") }
        return nil
    }

    /// A key prefix no other test uses.
    static func uniqueKeys() -> RedisKeys { RedisKeys(prefix: "test-\(UUID().uuidString.prefix(8))") }
}

extension RedisConfiguration {
    /// A generous command timeout: the tests share two cores with other builds, and 10 000-task pipelining tests run
    /// beside the rest; a starved test should be slow, not flaky.
    static func forTests(url: String) throws -> RedisConfiguration {
        var configuration = try RedisConfiguration(url: url)
        configuration.commandTimeout = .seconds(30)
        return configuration
    }
}

/// Runs `body` with a running client; the client is stopped afterwards.
func withRedisClient<T>(_ configuration: RedisConfiguration, _ body: (RedisClient) async throws -> T) async throws -> T {
    let client = RedisClient(configuration: configuration)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await client.run() }
        defer { group.cancelAll() }
        return try await body(client)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A redis-server process of our own on a free port, for destructive tests (restart, passwords).
final class RedisTestServer: @unchecked Sendable {
    let binary: String
    let port: Int
    let arguments: [String]
    private var process: ChildProcess?

    init(binary: String, arguments: [String] = []) throws {
        self.binary = binary
        self.port = try Self.freePort()
        self.arguments = arguments
        try start()
    }

    var url: String { "redis://127.0.0.1:\(port)" }

    func start() throws {
        process = try ChildProcess(
            binary,
            ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"] + arguments
        )
    }

    /// Kills the server (SIGKILL, like a crash) and waits for it to exit.
    func stop() {
        process?.killAndWait()
        process = nil
    }

    /// Waits until the server answers PING.
    func waitUntilReady(password: String? = nil) async throws {
        var configuration = RedisConfiguration(port: port, password: password)
        configuration.connectTimeout = .milliseconds(200)
        for _ in 0..<100 {
            if let connection = try? await RedisConnection.connect(configuration: configuration) {
                await connection.close()
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("redis-server on port \(port) did not start")
    }

    deinit { stop() }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestFailure("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
