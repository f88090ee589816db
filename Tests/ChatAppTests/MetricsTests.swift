import Foundation
import HTTPTypes
import Testing

/// `GET /metrics`: off without `CHATBLIZZ_METRICS_TOKEN`, behind its bearer token when on, and counting what the node
/// did. The Socket.IO figures are checked with python-socketio in `RealtimeInteropTests.metricsCountSocketEvents`.
@Suite("Metrics")
struct MetricsTests {
    static let token = "metrics-token-0123456789"

    @Test func absentWithoutAToken() async throws {
        try await TestServer.run(.sqlite) { server in
            expectError(try await server.request(.get, "/metrics", token: Self.token), .notFound, code: "not_found")
        }
    }

    @Test func needTheToken() async throws {
        try await TestServer.run(
            .sqlite,
            configure: { $0.metricsToken = Self.token },
            body: { server in
                expectError(try await server.request(.get, "/metrics"), .unauthorized, code: "unauthenticated")
                expectError(try await server.request(.get, "/metrics", token: Self.token + "x"), .unauthorized, code: "unauthenticated")
                let user = try await server.register("metricsuser")
                expectError(try await server.request(.get, "/metrics", token: user.token), .unauthorized, code: "unauthenticated")
                let scrape = try await server.request(.get, "/metrics", token: Self.token)
                #expect(scrape.status == .ok)
                #expect(scrape.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            }
        )
    }

    @Test func countRequestsByRouteAndStatus() async throws {
        try await TestServer.run(
            .sqlite,
            configure: { $0.metricsToken = Self.token },
            body: { server in
                let alice = try await server.register("metricsalice")
                let bob = try await server.register("metricsbob")
                try await server.befriend(alice, bob)
                for _ in 0..<3 {
                    _ = try await server.request(.get, "/health")
                }
                let sent = try await server.request(.post, "/api/v2/conversations/\(bob.id)/messages", token: alice.token, json: #"{"text":"hi"}"#)
                #expect(sent.status == .created, "\(sent.text)")
                expectError(try await server.request(.get, "/no/such/route"), .notFound)
                expectError(try await server.request(.get, "/api/v2/me"), .unauthorized)

                let samples = try await Self.scrape(server)
                #expect(samples[#"chatblizz_http_requests_total{method="GET",route="/health",status="200"}"#] == 3)
                #expect(samples[#"chatblizz_http_requests_total{method="POST",route="/api/v2/conversations/{userId}/messages",status="201"}"#] == 1)
                #expect(samples[#"chatblizz_http_requests_total{method="POST",route="/api/v2/auth/register",status="201"}"#] == 2)
                #expect(samples[#"chatblizz_http_requests_total{method="GET",route="unmatched",status="404"}"#] == 1)
                #expect(samples[#"chatblizz_http_requests_total{method="GET",route="/api/v2/me",status="401"}"#] == 1)
                #expect(samples[#"chatblizz_http_request_duration_seconds_count{method="GET",route="/health"}"#] == 3)
                #expect(samples["chatblizz_socketio_connected_sockets"] == 0)
                // The one message sent was one commit of one message.
                #expect(samples["chatblizz_store_append_batch_size_sum"] == 1)
                #expect(samples[#"chatblizz_store_duration_seconds_count{operation="append"}"#] == 1)
                #expect(samples[#"chatblizz_store_failures_total{operation="append"}"#] == 0)
                #expect((samples["process_resident_memory_bytes"] ?? 0) > 1_000_000)
                #expect((samples["process_open_fds"] ?? 0) > 3)
                #expect((samples["process_max_fds"] ?? 0) >= (samples["process_open_fds"] ?? 0))
                let started = samples["process_start_time_seconds"] ?? 0
                #expect(abs(Date().timeIntervalSince1970 - started) < 24 * 3600, "start time \(started)")
                let cpu = samples["process_cpu_seconds_total"] ?? 0
                #expect(cpu > 0)
                // The CPU counter only goes up between scrapes.
                #expect((try await Self.scrape(server)["process_cpu_seconds_total"] ?? 0) >= cpu)
            }
        )
    }

    /// The samples of one scrape, by series (`name{labels}`), with the exposition format's rules checked on the way.
    static func scrape(_ server: TestServer) async throws -> [String: Double] {
        let response = try await server.request(.get, "/metrics", token: token)
        #expect(response.status == .ok)
        var samples: [String: Double] = [:]
        var typed = Set<String>()
        for line in response.text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let name = String(line.split(separator: " ")[2])
                #expect(typed.insert(name).inserted, "TYPE of \(name) twice")
                continue
            }
            if line.hasPrefix("#") { continue }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                Issue.record("not a sample line: \(line)")
                continue
            }
            samples[String(line[..<space])] = value
        }
        return samples
    }
}
