import Hummingbird
import Logging
import NIOCore
import SocketIO

extension EngineIOHandshakeInfo {
    /// The handshake info of a Hummingbird request.
    init(request: Request, address: String?) {
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters where query[String(key)] == nil {
            query[String(key)] = String(value)
        }
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
        }
        self.init(query: query, headers: headers, url: request.uri.string, address: address, secure: request.uri.scheme == .https)
    }
}

extension HTTPResponse.Status {
    init(engineIOStatus: Int) {
        self.init(code: engineIOStatus)
    }
}

/// The HTTP side of an Engine.IO server on a Hummingbird router: polling GET/POST, CORS preflight, and the answer to a
/// WebSocket upgrade that `EngineIOHTTPChannel` did not take (refused, or not the connection's first request).
struct EngineIOHTTPResponder: Sendable {
    let engine: EngineIOServer
    let logger: Logger

    func respond(to request: Request) async -> Response {
        let configuration = self.engine.configuration
        let handshake = EngineIOHandshakeInfo(request: request, address: nil)
        var headers: HTTPFields = [.cacheControl: "no-store"]
        if let origin = configuration.corsOrigin {
            headers[.accessControlAllowOrigin] = origin
            if request.method == .options {
                headers[.accessControlAllowMethods] = "GET,HEAD,PUT,PATCH,POST,DELETE"
                if let requested = request.headers[.accessControlRequestHeaders] { headers[.accessControlAllowHeaders] = requested }
                return Response(status: .noContent, headers: headers)
            }
        }
        if request.headers[.upgrade] != nil {
            guard let error = await self.engine.checkWebSocket(handshake: handshake) else {
                // An acceptable upgrade on a connection that already served HTTP (a client reusing a pooled
                // keep-alive connection): only a connection's first request can be upgraded, so send the client to
                // the same URL on a new connection.
                headers[.location] = request.uri.string
                headers[.connection] = "close"
                return Response(status: .temporaryRedirect, headers: headers)
            }
            // `EngineIOHTTPChannel` refused the upgrade: answer like engine.io, a text/html 400 with the message.
            headers[.contentType] = "text/html"
            return Response(status: .badRequest, headers: headers, body: .init(byteBuffer: ByteBuffer(string: error.message)))
        }
        let maxPayload = configuration.maxPayload
        let result = await self.engine.handlePolling(
            method: request.method.rawValue,
            handshake: handshake,
            contentType: request.headers[.contentType]
        ) {
            do {
                return try await request.body.collect(upTo: maxPayload)
            } catch {
                return nil
            }
        }
        if let contentType = result.contentType { headers[.contentType] = contentType }
        if result.status >= 400 {
            self.logger.debug(
                "engine.io request refused",
                metadata: ["sio.sid": .string(handshake.query["sid"] ?? ""), "http.status": .stringConvertible(result.status)]
            )
        }
        return Response(
            status: .init(engineIOStatus: result.status),
            headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: result.body))
        )
    }
}
