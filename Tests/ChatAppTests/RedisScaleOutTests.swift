import ChatApp
import Foundation
import HTTPTypes
import Testing

/// Two ChatBlizz nodes in one process on one PostgreSQL and one Redis: what `RedisScaleOut` wires must make them act
/// as one (caches invalidated on every node, one auth budget).
@Suite(.timeLimit(.minutes(10)))
struct RedisScaleOutTests {
    static func redisURL() -> String? {
        if let url = ProcessInfo.processInfo.environment["CHATBLIZZ_TEST_REDIS_URL"], !url.isEmpty { return url }
        if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("CHATBLIZZ_TEST_REDIS_URL is not set on CI") }
        return nil
    }

    /// Runs `body` with two nodes on one PostgreSQL database and one Redis, sharing a signing secret, and a suffix for
    /// unique user names; `configure` adds settings of the test's own.
    static func withTwoNodes(
        configure extra: @escaping @Sendable (inout AppConfiguration) -> Void,
        body: @escaping @Sendable (TestServer, TestServer, String) async throws -> Void
    ) async throws {
        guard let redis = Self.redisURL() else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chatblizz-scale-\(UUID().uuidString)").path
        guard let database = try await TestBackend.postgres.databaseURL(directory: directory) else { return }
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        let configure: @Sendable (inout AppConfiguration) -> Void = { configuration in
            configuration.redisURL = redis
            configuration.databaseURL = database
            configuration.jwtSecret = secret
            extra(&configuration)
        }
        try await TestServer.run(.postgres, configure: configure) { nodeA in
            try await TestServer.run(.postgres, configure: configure) { nodeB in
                try await body(nodeA, nodeB, suffix)
            }
        }
    }

    @Test func twoNodesShareCachesAndAuthLimits() async throws {
        try await Self.withTwoNodes(
            configure: { $0.authAttemptsPerMinute = 4 },
            body: { nodeA, nodeB, suffix in
                let alice = try await nodeA.register("alice_\(suffix)")
                let bob = try await nodeB.register("bob_\(suffix)")

                // A profile change on node A is seen by node B's cache at once.
                #expect(try await nodeB.request(.get, "/api/v2/me", token: alice.token).json["user"]["displayName"] == .null)
                let patched = try await nodeA.request(.patch, "/api/v2/me", token: alice.token, json: #"{"displayName":"Alice A."}"#)
                #expect(patched.status == .ok, "\(patched.text)")
                #expect(try await nodeB.request(.get, "/api/v2/me", token: alice.token).json["user"]["displayName"].string == "Alice A.")

                // A friend request made on node A is in bob's inbox on node B at once.
                let inbox = "/api/v2/friends/requests?direction=incoming"
                #expect(try await nodeB.request(.get, inbox, token: bob.token).json["requests"].array.isEmpty)
                let sent = try await nodeA.request(.post, "/api/v2/friends/requests", token: alice.token, json: #"{"userId":"\#(bob.id)"}"#)
                #expect(sent.status == .created, "\(sent.text)")
                let after = try await nodeB.request(.get, inbox, token: bob.token)
                #expect(after.json["requests"].array.count == 1, "\(after.text)")

                // One login budget for both nodes (4 a minute): the fifth attempt is refused wherever it lands.
                let login = #"{"login":"nobody_\#(suffix)","password":"wrong password"}"#
                for node in [nodeA, nodeB, nodeA, nodeB] {
                    #expect(try await node.request(.post, "/api/v2/auth/login", json: login).status == .unauthorized)
                }
                #expect(try await nodeA.request(.post, "/api/v2/auth/login", json: login).status == .tooManyRequests)
            }
        )
    }

    /// A block on node A stops messages sent through node B once A's event arrives there, although node B had the pair
    /// cached as allowed for ten minutes.
    @Test func aBlockOnOneNodeStopsMessagesThroughTheOther() async throws {
        try await Self.withTwoNodes(
            configure: { $0.permissionCacheTTL = .seconds(600) },
            body: { nodeA, nodeB, suffix in
                let alice = try await nodeA.register("alice_\(suffix)")
                let bob = try await nodeB.register("bob_\(suffix)")
                let sent = try await nodeA.request(.post, "/api/v2/friends/requests", token: alice.token, json: #"{"userId":"\#(bob.id)"}"#)
                #expect(sent.status == .created, "\(sent.text)")
                let accepted = try await nodeB.request(.post, "/api/v2/friends/requests/\(alice.id)/accept", token: bob.token)
                #expect(accepted.status == .ok, "\(accepted.text)")
                let send = "/api/v2/conversations/\(alice.id)/messages"
                #expect(try await nodeB.request(.post, send, token: bob.token, json: #"{"text":"hi"}"#).status == .created)

                let block = try await nodeA.request(.post, "/api/v2/blocks", token: alice.token, json: #"{"userId":"\#(bob.id)"}"#)
                #expect(block.status == .noContent, "\(block.text)")
                let deadline = ContinuousClock.now + .seconds(5)
                var status = HTTPResponse.Status.created
                while ContinuousClock.now < deadline {
                    status = try await nodeB.request(.post, send, token: bob.token, json: #"{"text":"still there?"}"#).status
                    if status == .forbidden { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(status == .forbidden)
            }
        )
    }
}
