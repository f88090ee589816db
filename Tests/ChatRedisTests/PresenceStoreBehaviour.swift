import ChatCore
import Testing

/// The behaviour of `MemoryPresenceStore`, as checks any `PresenceStore` must pass. Each store is fresh, with a TTL of
/// ``ttl`` milliseconds.
struct PresenceStoreBehaviour: Sendable, CustomTestStringConvertible {
    static let ttl: Int64 = 1_000

    let name: String
    let body: @Sendable (any PresenceStore) async throws -> Void

    init(_ name: String, _ body: @escaping @Sendable (any PresenceStore) async throws -> Void) {
        self.name = name
        self.body = body
    }

    var testDescription: String { name }

    static let alice = UserID("alice")
    static let bob = UserID("bob")
    static func at(_ milliseconds: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds) }

    static let cases: [PresenceStoreBehaviour] = [
        .init("first socket anywhere brings the user online") { (store: any PresenceStore) async throws in
            #expect(try await store.socketConnected(alice, node: "n1", at: at(10)))
            #expect(try await !store.socketConnected(alice, node: "n1", at: at(11)))
            #expect(try await !store.socketConnected(alice, node: "n2", at: at(12)))
            #expect(
                try await store.presence(of: [alice, bob]) == [
                    Presence(userID: alice, online: true, lastSeen: nil), Presence(userID: bob, online: false, lastSeen: nil),
                ]
            )
        },
        .init("last socket going away takes the user offline with lastSeen") { (store: any PresenceStore) async throws in
            _ = try await store.socketConnected(alice, node: "n1", at: at(10))
            _ = try await store.socketConnected(alice, node: "n1", at: at(11))
            _ = try await store.socketConnected(alice, node: "n2", at: at(12))
            #expect(try await !store.socketDisconnected(alice, node: "n1", at: at(20)))
            #expect(try await !store.socketDisconnected(alice, node: "n2", at: at(21)))
            #expect(try await store.socketDisconnected(alice, node: "n1", at: at(22)))
            #expect(try await store.presence(of: [alice]) == [Presence(userID: alice, online: false, lastSeen: at(22))])
        },
        .init("disconnecting an unknown socket reports offline and keeps lastSeen") { (store: any PresenceStore) async throws in
            #expect(try await store.socketDisconnected(bob, node: "n1", at: at(5)))
            #expect(try await store.presence(of: [bob]) == [Presence(userID: bob, online: false, lastSeen: nil)])
            _ = try await store.socketConnected(bob, node: "n1", at: at(6))
            #expect(try await !store.socketDisconnected(bob, node: "n2", at: at(7)))
            #expect(try await store.socketDisconnected(bob, node: "n1", at: at(8)))
            #expect(try await store.socketDisconnected(bob, node: "n1", at: at(9)))
            #expect(try await store.presence(of: [bob]) == [Presence(userID: bob, online: false, lastSeen: at(8))])
        },
        .init("online users report no lastSeen, and come back online") { (store: any PresenceStore) async throws in
            _ = try await store.socketConnected(alice, node: "n1", at: at(1))
            _ = try await store.socketDisconnected(alice, node: "n1", at: at(2))
            #expect(try await store.socketConnected(alice, node: "n1", at: at(3)))
            #expect(try await store.presence(of: [alice, alice]) == Array(repeating: Presence(userID: alice, online: true, lastSeen: nil), count: 2))
            #expect(try await store.presence(of: []) == [])
        },
        .init("sweep forgets nodes older than the TTL and reports who went offline") { (store: any PresenceStore) async throws in
            _ = try await store.socketConnected(alice, node: "dead", at: at(0))
            _ = try await store.socketConnected(bob, node: "dead", at: at(0))
            _ = try await store.socketConnected(bob, node: "alive", at: at(0))
            try await store.heartbeat(node: "dead", at: at(100))
            try await store.heartbeat(node: "alive", at: at(100))
            #expect(try await store.sweepExpiredNodes(at: at(100 + ttl)) == [], "exactly the TTL is still alive")
            try await store.heartbeat(node: "alive", at: at(500))
            let offline = try await store.sweepExpiredNodes(at: at(101 + ttl))
            #expect(offline == [Presence(userID: alice, online: false, lastSeen: at(101 + ttl))])
            #expect(
                try await store.presence(of: [alice, bob]) == [
                    Presence(userID: alice, online: false, lastSeen: at(101 + ttl)), Presence(userID: bob, online: true, lastSeen: nil),
                ]
            )
            #expect(try await store.sweepExpiredNodes(at: at(102 + ttl)) == [])
            #expect(try await store.socketConnected(alice, node: "alive", at: at(600)))
            #expect(try await !store.socketDisconnected(bob, node: "dead", at: at(601)), "the dead node's count is gone")
        },
        .init("a node that connected sockets but never heartbeat expires from its first connect") { (store: any PresenceStore) async throws in
            _ = try await store.socketConnected(alice, node: "silent", at: at(1_000))
            _ = try await store.socketConnected(bob, node: "silent", at: at(5_000))
            #expect(try await store.sweepExpiredNodes(at: at(1_000 + ttl)) == [])
            let offline = try await store.sweepExpiredNodes(at: at(1_001 + ttl))
            #expect(Set(offline) == Set([alice, bob].map { Presence(userID: $0, online: false, lastSeen: at(1_001 + ttl)) }))
        },
        .init("users on several expired nodes are reported once") { (store: any PresenceStore) async throws in
            for node in ["x", "y"] {
                _ = try await store.socketConnected(alice, node: node, at: at(0))
                try await store.heartbeat(node: node, at: at(0))
            }
            let offline = try await store.sweepExpiredNodes(at: at(ttl + 1))
            #expect(offline == [Presence(userID: alice, online: false, lastSeen: at(ttl + 1))])
        },
    ]
}
