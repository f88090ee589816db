import ChatApp
import Foundation
import HTTPTypes
import Testing

/// Two ChatBlizz nodes in one process on one PostgreSQL and one Redis: what `RedisScaleOut` wires must make them act
/// as one (caches invalidated on every node, one auth budget).
struct RedisScaleOutTests {
    static func redisURL() -> String? {
        if let url = ProcessInfo.processInfo.environment["CHATBLIZZ_TEST_REDIS_URL"], !url.isEmpty { return url }
        if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("CHATBLIZZ_TEST_REDIS_URL is not set on CI") }
        return nil
    }

    @Test func twoNodesShareCachesAndAuthLimits() async throws {
        guard let redis = Self.redisURL() else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chatblizz-scale-\(UUID().uuidString)").path
        guard let database = TestBackend.postgres.databaseURL(directory: directory) else { return }
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        let configure: @Sendable (inout AppConfiguration) -> Void = { configuration in
            configuration.redisURL = redis
            configuration.databaseURL = database
            configuration.jwtSecret = secret
            configuration.authAttemptsPerMinute = 4
        }
        try await TestServer.run(.postgres, configure: configure) { nodeA in
            try await TestServer.run(.postgres, configure: configure) { nodeB in
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
        }
    }
}
