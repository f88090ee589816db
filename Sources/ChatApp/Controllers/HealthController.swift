import Foundation
import Hummingbird
import NIOCore

/// `GET /health` (the process is up), `GET /ready` (the database answers) and `GET /openapi.json`.
struct HealthController {
    let ping: @Sendable () async throws -> Void

    func register(on routes: RouteBuilder) {
        let ping = self.ping
        routes.on(.get, "health") { _, _ in JSONResponse.make(["status": "ok"]) }
        routes.on(.get, "ready") { _, context in
            do {
                try await ping()
                return JSONResponse.make(["status": "ready"])
            } catch {
                context.logger.warning("readiness check failed", metadata: ["error": "\(error)"])
                return JSONResponse.make(APIErrorBody(.init(.unavailable, "the database is not reachable")), status: .serviceUnavailable)
            }
        }
        routes.on(.get, "openapi.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.data))
            )
        }
    }
}

/// The OpenAPI 3.1 document of the v2 API, shipped as a resource.
public enum OpenAPIDocument {
    public static let data: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"), let data = try? Data(contentsOf: url) else {
            return Array(#"{"openapi":"3.1.0","info":{"title":"ChatBlizz","version":"unavailable"},"paths":{}}"#.utf8)
        }
        return Array(data)
    }()
}
