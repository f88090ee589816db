import NIOCore
import Testing

@testable import ChatRedis

/// A server without `HELLO` (as before Redis 6): the client falls back to RESP2 with `AUTH`, and pub/sub still works
/// with RESP2's plain arrays.
@Suite(.timeLimit(.minutes(10)))
struct RedisRESP2Tests {
    @Test func fallsBackToRESP2WithAuthAndPubSub() async throws {
        guard let binary = RedisTestEnvironment.serverBinary() else { return }
        let server = try RedisTestServer(binary: binary, arguments: ["--rename-command", "HELLO", "", "--requirepass", "pw"])
        defer { server.stop() }
        var configuration = try RedisConfiguration.forTests(url: "redis://:pw@127.0.0.1:\(server.port)/1")
        configuration.connectionCount = 1
        try await server.waitUntilReady(password: "pw")
        let connection = try await RedisConnection.connect(configuration: configuration)
        #expect(connection.protocolVersion == 2)
        await connection.close()

        try await withRedisClient(configuration) { (client: RedisClient) async throws in
            _ = try await client.send("HSET", "h", "a", "1")
            #expect(try await client.send("HGETALL", "h") == .array([.bulkString(ByteBuffer(string: "a")), .bulkString(ByteBuffer(string: "1"))]))
            let channel = try await client.subscribe(to: ["c"])
            let pattern = try await client.subscribe(toPatterns: ["c*"])
            #expect(try await client.publish("hi", to: "c") == 2)
            var channelIterator = channel.makeAsyncIterator()
            var patternIterator = pattern.makeAsyncIterator()
            #expect(await channelIterator.next().map { String(buffer: $0.payload) } == "hi")
            let matched = await patternIterator.next()
            #expect(matched?.pattern == "c*" && matched?.channel == "c")
        }
    }
}
