import Foundation
import Hummingbird
import Synchronization

/// A real HTTP certificate endpoint on a free loopback port, serving `{kid: pem}` as Google's does, with a
/// `Cache-Control: public, max-age=…` header, and counting the requests it gets.
public final class FirebaseCertificateEndpoint: Sendable {
    private struct State {
        var certificates: [String: String]
        var maxAge: Int?
        var failing = false
        var hits = 0
    }

    private let state: Mutex<State>

    private init(certificates: [String: String], maxAge: Int?) {
        state = Mutex(State(certificates: certificates, maxAge: maxAge))
    }

    /// How many certificate requests were answered so far.
    public var hits: Int { state.withLock { $0.hits } }

    /// Serves `certificates` from the next request on.
    public func serve(_ certificates: [String: String]) {
        state.withLock { $0.certificates = certificates }
    }

    /// Answers 503 from the next request on while `failing` is true.
    public func setFailing(_ failing: Bool) {
        state.withLock { $0.failing = failing }
    }

    private func respond() throws -> Response {
        let (certificates, maxAge, failing) = state.withLock { state in
            state.hits += 1
            return (state.certificates, state.maxAge, state.failing)
        }
        guard !failing else { return Response(status: .serviceUnavailable) }
        var headers: HTTPFields = [.contentType: "application/json"]
        if let maxAge { headers[.cacheControl] = "public, max-age=\(maxAge), must-revalidate, no-transform" }
        let body = try JSONEncoder().encode(certificates)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Runs an endpoint serving `certificates` for the duration of `body`, which gets the endpoint and its URL.
    public static func with(
        _ certificates: [String: String],
        maxAge: Int? = 3600,
        _ body: @Sendable (FirebaseCertificateEndpoint, String) async throws -> Void
    ) async throws {
        let endpoint = FirebaseCertificateEndpoint(certificates: certificates, maxAge: maxAge)
        let router = Router()
        router.get("certs") { _, _ in try endpoint.respond() }
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) }
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            defer { group.cancelAll() }
            try await body(endpoint, "http://127.0.0.1:\(port)/certs")
        }
    }
}
