import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import SocketIO

/// A small client of the ChatBlizz v2 REST API: JSON bodies are built and parsed with ``JSONValue``.
struct RESTClient: Sendable {
    let http: HTTPClient
    let base: String

    struct Response: Sendable {
        var status: Int
        var body: ByteBuffer

        var json: JSONValue? { try? JSONValue(parsing: self.body.readableBytesView) }

        /// The `error.code` of an error answer, for messages.
        var errorDescription: String {
            let text = String(buffer: self.body)
            return "HTTP \(self.status): \(text.prefix(300))"
        }
    }

    func request(_ method: HTTPMethod, _ path: String, token: String? = nil, body: JSONValue? = nil) async throws -> Response {
        var request = HTTPClientRequest(url: self.base + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.jsonString))
        }
        let response = try await self.http.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Response(status: Int(response.status.code), body: bytes)
    }

    /// Like ``request(_:_:token:body:)`` but retries `429` and `503` a few times and throws on any other non-2xx.
    func expect(_ method: HTTPMethod, _ path: String, token: String? = nil, body: JSONValue? = nil, what: String) async throws -> Response {
        var delay: Duration = .milliseconds(200)
        for attempt in 0..<8 {
            let response = try await self.request(method, path, token: token, body: body)
            if (200..<300).contains(response.status) { return response }
            if response.status == 429 || response.status == 503, attempt < 7 {
                try await Task.sleep(for: delay)
                delay *= 2
                continue
            }
            var hint = ""
            if response.status == 429 { hint = " (raise CHATBLIZZ_AUTH_RATE_LIMIT on the server for benchmarking)" }
            throw BenchError("\(what) failed: \(response.errorDescription)\(hint)")
        }
        throw BenchError("\(what) failed: still rate limited")
    }
}

/// A user the benchmark created: its id and access token (`token` is empty for a relay target).
struct BenchUser: Sendable {
    var id: String
    var token: String
}

/// Creates users and friendships through the API, with bounded concurrency.
struct Provisioner: Sendable {
    let rest: RESTClient
    let runID: String
    let concurrency: Int

    /// Registers `count` users `b<run>u<i>`.
    func registerUsers(_ count: Int, progress: Bool) async throws -> [BenchUser] {
        try await self.forEach(count, progressLabel: progress ? "registered" : nil) { index in
            let name = "b\(self.runID)u\(index)"
            let body: JSONValue = ["username": .string(name), "email": .string("\(name)@bench.example"), "password": "bench-password-1"]
            let response = try await self.rest.expect(.POST, "/api/v2/auth/register", body: body, what: "register \(name)")
            guard let json = response.json, let token = json["accessToken"]?.stringValue, let id = json["user"]?["id"]?.stringValue else {
                throw BenchError("register \(name): unexpected answer \(response.errorDescription)")
            }
            return BenchUser(id: id, token: token)
        }
    }

    /// Makes each pair friends: the first sends a request, the second accepts it.
    func befriend(_ pairs: [(BenchUser, BenchUser)], progress: Bool) async throws {
        _ = try await self.forEach(pairs.count, progressLabel: progress ? "befriended" : nil) { index in
            let (a, b) = pairs[index]
            _ = try await self.rest.expect(
                .POST,
                "/api/v2/friends/requests",
                token: a.token,
                body: ["userId": .string(b.id)],
                what: "friend request"
            )
            _ = try await self.rest.expect(.POST, "/api/v2/friends/requests/\(a.id)/accept", token: b.token, what: "accept friend request")
            return 0
        }
    }

    /// Runs `body(0..<count)` with at most `concurrency` in flight and returns the results in index order.
    func forEach<T: Sendable>(
        _ count: Int,
        progressLabel: String?,
        _ body: @escaping @Sendable (Int) async throws -> T
    ) async throws -> [T] {
        var results = [T?](repeating: nil, count: count)
        try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var next = 0
            var done = 0
            while next < count, next < self.concurrency {
                let index = next
                group.addTask { (index, try await body(index)) }
                next += 1
            }
            while let (index, value) = try await group.next() {
                results[index] = value
                done += 1
                if let progressLabel, count >= 1000, done % 1000 == 0 { Output.status("\(progressLabel) \(done)/\(count)") }
                if next < count {
                    let index = next
                    group.addTask { (index, try await body(index)) }
                    next += 1
                }
            }
        }
        return results.compactMap { $0 }
    }
}
