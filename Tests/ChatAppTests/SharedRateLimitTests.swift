import ChatCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import ChatApp

/// The auth limits shared by every node (Redis in production, a shared in-memory store here; the Redis store itself is
/// tested in ChatRedisTests).
struct SharedRateLimitTests {
    struct FailingStore: RateLimitStore {
        func hit(_ key: String, windowMilliseconds: Int64, now: Timestamp) async throws -> Int {
            throw ChatError(.unavailable, "redis down")
        }
    }

    @Test func twoNodesShareOneBudget() async throws {
        let shared = MemoryRateLimitStore()
        let nodeA = RateLimiter(limit: 3, shared: shared)
        let nodeB = RateLimiter(limit: 3, shared: shared)
        try await nodeA.acquire("login:1.2.3.4")
        try await nodeB.acquire("login:1.2.3.4")
        try await nodeA.acquire("login:1.2.3.4")
        await #expect(throws: ChatError.self) { try await nodeB.acquire("login:1.2.3.4") }
        try await nodeB.acquire("login:5.6.7.8")
    }

    /// Redis down: the node's own counters decide (fail open to the local limit, never to a refusal).
    @Test func aFailingSharedStoreFallsBackToTheLocalLimit() async throws {
        let limiter = RateLimiter(limit: 2, shared: FailingStore())
        try await limiter.acquire("k")
        try await limiter.acquire("k")
        await #expect(throws: ChatError.self) { try await limiter.acquire("k") }
    }

    func makeNode(shared: any RateLimitStore, limit: Int) -> some ApplicationProtocol {
        let router = Router(context: ChatRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: SharedRateLimitMiddleware(limiter: RateLimiter(limit: limit, shared: shared), maxBodyBytes: 4096))
        router.post("api/v2/auth/login") { request, _ -> String in
            let body = try await request.body.collect(upTo: 4096)
            return String(buffer: body)
        }
        router.post("api/v2/other") { _, _ in "ok" }
        return Application(router: router)
    }

    /// Per login name across two nodes; the body still reaches the route after the middleware read it.
    @Test func theMiddlewareLimitsALoginAcrossNodes() async throws {
        let shared = MemoryRateLimitStore()
        let body = ByteBuffer(string: #"{"login":"Alice","password":"x"}"#)
        try await self.makeNode(shared: shared, limit: 2).test(.router) { nodeA in
            try await self.makeNode(shared: shared, limit: 2).test(.router) { nodeB in
                try await nodeA.execute(uri: "/api/v2/auth/login", method: .post, body: body) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body) == String(buffer: body))
                }
                try await nodeB.execute(uri: "/api/v2/auth/login", method: .post, body: body) { response in
                    #expect(response.status == .ok)
                }
                try await nodeA.execute(uri: "/api/v2/auth/login", method: .post, body: body) { response in
                    #expect(response.status == .tooManyRequests)
                }
                for _ in 0..<3 {
                    try await nodeB.execute(uri: "/api/v2/other", method: .post) { response in #expect(response.status == .ok) }
                }
            }
        }
    }
}
