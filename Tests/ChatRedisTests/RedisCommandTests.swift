import NIOCore
import Testing

@testable import ChatRedis

struct RedisCommandTests {
    static func encoded(_ command: RedisCommand) -> String {
        var buffer = ByteBuffer()
        command.write(into: &buffer)
        return String(buffer: buffer)
    }

    @Test func encodesNameOnly() {
        #expect(Self.encoded(RedisCommand("PING")) == "*1\r\n$4\r\nPING\r\n")
    }

    @Test func encodesTextIntegerAndBinaryArguments() {
        var command = RedisCommand("SET", "key", "h\u{E9}llo")
        command.append(-15)
        command.append(bytes: ByteBuffer(bytes: [0, 13, 10, 255]))
        command.append(bytes: [UInt8(ascii: "x")])
        command.append("")
        #expect(command.argumentCount == 7)
        #expect(
            Self.encoded(command)
                == "*7\r\n$3\r\nSET\r\n$3\r\nkey\r\n$6\r\nh\u{E9}llo\r\n$3\r\n-15\r\n$4\r\n\u{0}\r\n\u{FFFD}\r\n$1\r\nx\r\n$0\r\n\r\n"
        )
        var raw = ByteBuffer()
        command.write(into: &raw)
        #expect(raw.readableBytesView.contains(255))
        #expect(command.description == "SET")
    }

    @Test func encodedCommandParsesBackAsArrayOfBulkStrings() throws {
        var buffer = ByteBuffer()
        RedisCommand("HSET", ["h", "field", "value"]).write(into: &buffer)
        let value = try RESPParser().parse(&buffer)
        #expect(value == .array(["HSET", "h", "field", "value"].map { .bulkString(ByteBuffer(string: $0)) }))
    }

    @Test func readsRedisURLs() throws {
        let plain = try RedisConfiguration(url: "redis://127.0.0.1:6380/2")
        #expect(plain.host == "127.0.0.1" && plain.port == 6380 && plain.database == 2 && plain.password == nil && plain.tls == nil)
        let secret = try RedisConfiguration(url: "rediss://:p%40ss@cache.example:6390")
        #expect(secret.password == "p@ss" && secret.username == nil && secret.tls != nil && secret.port == 6390)
        #expect(!secret.description.contains("p@ss"))
        let user = try RedisConfiguration(url: "redis://alice:pw@localhost")
        #expect(user.username == "alice" && user.password == "pw" && user.port == 6379 && user.database == 0)
        for bad in ["http://x", "redis://", "redis://host/abc", "not a url"] {
            #expect(throws: RedisError.self, "\(bad)") { try RedisConfiguration(url: bad) }
        }
    }

    @Test func backoffGrowsAndIsCapped() {
        let configuration = RedisConfiguration(minimumReconnectDelay: .milliseconds(100), maximumReconnectDelay: .seconds(1))
        #expect(configuration.reconnectDelay(attempt: 1) <= .milliseconds(100))
        #expect(configuration.reconnectDelay(attempt: 1) >= .milliseconds(50))
        #expect(configuration.reconnectDelay(attempt: 3) >= .milliseconds(200))
        #expect(configuration.reconnectDelay(attempt: 50) <= .seconds(1))
    }
}
