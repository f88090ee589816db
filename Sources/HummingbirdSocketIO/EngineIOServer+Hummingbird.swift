import Hummingbird
import HummingbirdWebSocket
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
/// refused WebSocket upgrade.
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
            // The WebSocket router refused the upgrade: answer like engine.io, a text/html 400 with the message.
            let error = await self.engine.checkWebSocket(handshake: handshake) ?? .badRequest
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

/// Serves one WebSocket for an Engine.IO server: a writer task drains the session's bounded outbox while this task reads.
struct EngineIOWebSocketResponder: Sendable {
    let engine: EngineIOServer
    let logger: Logger

    func shouldUpgrade(_ request: Request) async -> RouterShouldUpgrade {
        let handshake = EngineIOHandshakeInfo(request: request, address: nil)
        return await self.engine.checkWebSocket(handshake: handshake) == nil ? .upgrade([:]) : .dontUpgrade
    }

    func serve(request: Request, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let handshake = EngineIOHandshakeInfo(request: request, address: nil)
        switch await self.engine.openWebSocket(handshake: handshake) {
        case .reject, .acceptAndClose:
            try await outbound.close(.normalClosure, reason: nil)
        case .accept(let connection, let outbox):
            var logger = self.logger
            logger[metadataKey: "sio.sid"] = .string(connection.sid)
            logger.debug("engine.io websocket opened")
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while let packet = await outbox.next() {
                        switch packet.data {
                        case .text:
                            try await outbound.write(.text(packet.encodedText ?? ""))
                        case .binary(let buffer):
                            try await outbound.write(.binary(buffer))
                        }
                    }
                    try? await outbound.close(.normalClosure, reason: nil)
                }
                do {
                    for try await message in inbound.messages(maxSize: self.engine.configuration.maxPayload) {
                        switch message {
                        case .text(let text): connection.webSocketReceived(.text(text), on: outbox)
                        case .binary(let buffer): connection.webSocketReceived(.binary(buffer), on: outbox)
                        }
                    }
                    connection.webSocketClosed(outbox)
                } catch {
                    logger.debug("engine.io websocket failed", metadata: ["error": .string("\(error)")])
                    connection.webSocketClosed(outbox, reason: .transportError)
                    group.cancelAll()
                    // Rethrown so the WebSocket handler closes with the matching code (1009 for oversized messages).
                    throw error
                }
                group.cancelAll()
            }
            logger.debug("engine.io websocket closed")
        }
    }
}
