import ChatCore
import Crypto
import Hummingbird
import NIOCore

/// `GET /metrics`: the node's figures in Prometheus's text format, for a scraper that sends
/// `Authorization: Bearer <CHATBLIZZ_METRICS_TOKEN>`. Registered only when that token is configured.
struct MetricsController {
    let metrics: ChatMetrics
    /// The digest of the configured token: a presented token is hashed and compared in constant time.
    let tokenDigest: SHA256.Digest

    init(metrics: ChatMetrics, token: String) {
        self.metrics = metrics
        self.tokenDigest = SHA256.hash(data: Array(token.utf8))
    }

    func register(on routes: RouteBuilder) {
        let metrics = self.metrics
        let tokenDigest = self.tokenDigest
        routes.on(.get, "metrics") { request, _ in
            guard let presented = request.headers[.authorization].flatMap(AuthenticationMiddleware.bearerToken),
                SHA256.hash(data: Array(presented.utf8)) == tokenDigest
            else {
                throw ChatError.unauthenticated("the metrics need the bearer token of CHATBLIZZ_METRICS_TOKEN")
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.render()))
            )
        }
    }
}
