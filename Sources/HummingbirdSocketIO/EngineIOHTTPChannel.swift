import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket
import SocketIO

/// Hummingbird's HTTP/1.1 server with Engine.IO's WebSocket upgrades handled below it, on the channel.
///
/// An upgrade on the Engine.IO path becomes an ``EngineIOWebSocketHandler`` in the channel's pipeline, and the
/// connection's task ends there: an open WebSocket then costs its channel and its session, not a task and its stack for
/// its whole life (Hummingbird's WebSocket support runs a handler task per socket, and we needed a writer task beside
/// it). A refused upgrade gets engine.io's error and the connection closes; every other request is served by the router.
struct EngineIOHTTPChannel: ServerChildChannel, HTTPChannelHandler {
    enum UpgradeResult: Sendable {
        /// The WebSocket's pipeline is set up (or it was accepted and closed); nothing is left for a task to do.
        case webSocket
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        /// The first request asked for an upgrade that was refused with this error.
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, EngineIOHTTPError)
    }

    /// What `shouldUpgrade` decided about a connection's first request.
    enum UpgradeDecision {
        case accepted(EngineIORoute, EngineIOHandshakeInfo)
        case refused(EngineIOHTTPError)
    }

    struct Value: ServerChildChannelValue {
        let upgradeResult: EventLoopFuture<UpgradeResult>
        let channel: any Channel
    }

    let responder: HTTPChannelHandler.Responder
    let engine: EngineIOServer
    let configuration: HTTP1Channel.Configuration
    let logger: Logger

    /// Fragments a message may arrive in.
    static let maxFragments = 256

    /// How the connection sizes its reads. NIO keeps one receive buffer per channel for its whole life, as large as
    /// the largest read it needed, so the first size is what an idle WebSocket pays: 512 bytes instead of NIO's 2,048
    /// (an upgrade request from a browser may need one or two more reads). Reads that fill the buffer grow the next
    /// ones, up to 64 KB, as NIO's default does.
    static let receiveAllocator = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65_536)

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.syncOptions?.setOption(ChannelOptions.recvAllocator, value: Self.receiveAllocator)
            let engine = self.engine
            let path = engine.configuration.path.trimmingSlashes
            let maxPayload = engine.configuration.maxPayload
            let handlerLogger = self.logger
            // What shouldUpgrade decided, set on the event loop before the upgrade or the not-upgrading handler runs.
            let decision = NIOLoopBoundBox<UpgradeDecision?>(nil, eventLoop: channel.eventLoop)
            let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
                maxFrameSize: max(maxPayload, 125),
                enableAutomaticErrorHandling: false,
                shouldUpgrade: { channel, head in
                    guard let handshake = EngineIOHandshakeInfo(head: head, path: path, channel: channel) else {
                        decision.value = .refused(.badRequest)
                        return channel.eventLoop.makeSucceededFuture(nil)
                    }
                    let decide: @Sendable (Result<EngineIORoute, EngineIOHTTPError>) -> HTTPHeaders? = { route in
                        switch route {
                        case .success(let route):
                            decision.value = .accepted(route, handshake)
                            return HTTPHeaders()
                        case .failure(let error):
                            decision.value = .refused(error)
                            return nil
                        }
                    }
                    // Without an allowRequest hook the checks need no task.
                    if let route = engine.routeWebSocketImmediately(handshake: handshake) {
                        return channel.eventLoop.makeSucceededFuture(decide(route))
                    }
                    return channel.eventLoop.makeFutureWithTask { await engine.routeWebSocket(handshake: handshake) }.map(decide)
                },
                upgradePipelineHandler: { channel, _ in
                    guard case .accepted(let route, let handshake) = decision.value else {
                        return channel.close().map { .webSocket }
                    }
                    decision.value = nil
                    switch engine.openWebSocket(route: route, handshake: handshake) {
                    case .accept(let connection, let outbox):
                        return channel.eventLoop.makeCompletedFuture {
                            let aggregator = NIOWebSocketFrameAggregator(
                                minNonFinalFragmentSize: 0,
                                maxAccumulatedFrameCount: Self.maxFragments,
                                maxAccumulatedFrameSize: maxPayload
                            )
                            do {
                                try channel.pipeline.syncOperations.addHandler(aggregator)
                                try channel.pipeline.syncOperations.addHandler(
                                    EngineIOWebSocketHandler(connection: connection, outbox: outbox, logger: handlerLogger)
                                )
                            } catch {
                                connection.webSocketClosed(outbox, reason: .transportError)
                                throw error
                            }
                            // A peer that left while the session was opened: its channelInactive came before the
                            // handler, so end the socket's part of the session here.
                            if !channel.isActive { connection.webSocketClosed(outbox) }
                            return .webSocket
                        }
                    case .reject, .acceptAndClose:
                        return Self.closeWebSocket(channel).map { .webSocket }
                    }
                }
            )
            let notUpgraded = NIOTypedHTTPServerUpgradeConfiguration<UpgradeResult>(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try channel.pipeline.syncOperations.addHandlers(self.configuration.additionalChannelHandlers())
                        try channel.pipeline.syncOperations.addHandler(
                            HTTPConnectionStateHandler(idleTimeout: self.configuration.idleTimeout.map { .init($0) }, logger: logger)
                        )
                        let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true)
                        )
                        if case .refused(let error) = decision.value { return .refused(http, error) }
                        return .http(http)
                    }
                }
            )
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration<UpgradeResult>(upgradeConfiguration: notUpgraded)
            pipeline.enablePipelining = false
            pipeline.enableErrorHandling = false
            pipeline.enableResponseHeaderValidation = false
            pipeline.decoderConfiguration.maxHeaderFieldSize = self.configuration.httpDecoder.maxHeaderFieldSize
            pipeline.decoderConfiguration.maxHeaderListSize = self.configuration.httpDecoder.maxHeaderListSize
            pipeline.decoderConfiguration.maxHeaderFieldCount = self.configuration.httpDecoder.maxHeaderFieldCount
            let result = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: pipeline)
            return Value(upgradeResult: result, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgradeResult.get() {
            case .webSocket:
                // The channel's handlers serve it from here on.
                break
            case .http(let http):
                await self.handleHTTP(asyncChannel: http, logger: logger)
            case .refused(let http, let error):
                try await Self.writeRefusal(error, on: http)
            }
        } catch let error as ChannelError where error == .inputClosed {
            logger.trace("connection closed before its first request")
        } catch {
            logger.debug("upgrade failed", metadata: ["error": .string("\(error)")])
        }
    }

    /// Answers a refused upgrade like engine.io (the error's status, its message as text/html) and closes.
    private static func writeRefusal(_ error: EngineIOHTTPError, on http: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>) async throws {
        try await http.executeThenClose { _, outbound in
            let body = ByteBuffer(string: error.message)
            let head = HTTPResponse(
                status: .init(code: error.status),
                headerFields: [.connection: "close", .contentType: "text/html", .contentLength: String(body.readableBytes)]
            )
            try await outbound.write(contentsOf: [.head(head), .body(body), .end(nil)])
        }
    }

    /// Closes an upgraded socket at once with a normal close frame (a session that cannot take it).
    private static func closeWebSocket(_ channel: any Channel) -> EventLoopFuture<Void> {
        channel.eventLoop.makeCompletedFuture {
            var payload = channel.allocator.buffer(capacity: 2)
            payload.write(webSocketErrorCode: .normalClosure)
            return WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)
        }.flatMap { frame in
            channel.writeAndFlush(frame)
        }.flatMap {
            channel.close()
        }
    }
}

extension EngineIOHandshakeInfo {
    /// The handshake of a WebSocket upgrade request for the Engine.IO path `path` (without slashes at either end);
    /// `nil` for another path.
    init?(head: HTTPRequestHead, path: String, channel: any Channel) {
        let uri = URI(head.uri)
        guard uri.path.trimmingSlashes == path else { return nil }
        var query: [String: String] = [:]
        for (key, value) in uri.queryParameters where query[String(key)] == nil {
            query[String(key)] = String(value)
        }
        var headers: [String: String] = [:]
        for (name, value) in head.headers {
            let name = name.lowercased()
            headers[name] = headers[name].map { $0 + ", " + value } ?? value
        }
        self.init(query: query, headers: headers, url: head.uri, address: channel.remoteAddress?.ipAddress, secure: false)
    }
}
