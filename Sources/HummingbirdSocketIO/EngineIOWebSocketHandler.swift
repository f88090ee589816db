import Logging
import NIOCore
import NIOWebSocket
import SocketIO

/// Serves one upgraded WebSocket of an Engine.IO connection on the channel's event loop, with no task of its own.
///
/// Frames (reassembled by `NIOWebSocketFrameAggregator` in front of it) go straight to the connection; the session's
/// outbox wakes the handler, which writes what is queued while the channel is writable and flushes once per batch. A
/// peer that reads too slowly leaves packets in the outbox, whose capacity the session enforces. Pings are answered,
/// a close frame is answered with ours, a half-closed peer is closed, and protocol errors close the socket with the
/// matching code (after the peer's answer, or a second).
final class EngineIOWebSocketHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// Packets written per pass before the handler checks writability again.
    static let batchSize = 64
    /// How long, after sending a close frame, the handler keeps reading (and dropping) what the peer still sends while
    /// it waits for the peer's own close frame or FIN, before it closes the connection itself.
    static let closeGrace = TimeAmount.seconds(1)

    private let connection: EngineIOConnection
    private let outbox: EngineIOWebSocketOutbox
    private let logger: Logger
    private var context: ChannelHandlerContext?
    /// Whether a close frame was sent (or the channel is closing): nothing more is written.
    private var closing = false

    init(connection: EngineIOConnection, outbox: EngineIOWebSocketOutbox, logger: Logger) {
        self.connection = connection
        self.outbox = outbox
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        self.outbox.onPackets {
            eventLoop.execute { handler.value.drain() }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        if self.closing {
            // Our close frame is out: drop what the peer still sends, and close once it answers with its own.
            if frame.opcode == .connectionClose { context.close(promise: nil) }
            return
        }
        switch frame.opcode {
        case .text:
            let payload = frame.unmaskedData
            guard let text = String(validating: payload.readableBytesView, as: UTF8.self) else {
                self.fail(context: context, code: .dataInconsistentWithMessage, reason: .parseError)
                return
            }
            self.connection.webSocketReceived(.text(text), on: self.outbox)
        case .binary:
            self.connection.webSocketReceived(.binary(frame.unmaskedData), on: self.outbox)
        case .ping:
            guard !self.closing else { return }
            context.writeAndFlush(Self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .pong:
            break
        case .connectionClose:
            // The peer is done: answer with a close frame of our own (RFC 6455 §5.5.1) and close.
            self.connection.webSocketClosed(self.outbox)
            self.close(context: context, code: .normalClosure, peerIsDone: true)
        default:
            self.fail(context: context, code: .protocolError, reason: .transportError)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { self.drain() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.closing = true
        self.connection.webSocketClosed(self.outbox)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.logger.debug("engine.io websocket failed", metadata: ["sio.sid": .string(self.connection.sid), "error": .string("\(error)")])
        let code: WebSocketErrorCode =
            switch error {
            case NIOWebSocketFrameAggregator.Error.accumulatedFrameSizeIsTooLarge: .messageTooLarge
            case NIOWebSocketError.invalidFrameLength: .messageTooLarge
            default: .protocolError
            }
        self.fail(context: context, code: code, reason: .transportError)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The HTTP server is shutting down (it stops before the Engine.IO service) and waits for its channels: end the
        // session as the Engine.IO server's own shutdown would, with a close packet, then the close frame.
        if event is ChannelShouldQuiesceEvent {
            self.connection.close(reason: .serverShuttingDown)
            return
        }
        // The server allows half-closure, so a peer that shuts its side (a TCP FIN without a close frame) leaves the
        // channel open: without this the session would last until the heartbeat noticed.
        if let event = event as? ChannelEvent, event == .inputClosed {
            self.connection.webSocketClosed(self.outbox)
            self.closing = true
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Writes what the outbox holds while the channel is writable, then flushes; closes the socket when the outbox has
    /// finished.
    private func drain() {
        guard let context, !self.closing else { return }
        var wrote = false
        while true {
            let batch = self.outbox.take(upTo: context.channel.isWritable ? Self.batchSize : 0)
            for packet in batch.packets {
                context.write(Self.wrapOutboundOut(Self.frame(for: packet, allocator: context.channel.allocator)), promise: nil)
                wrote = true
            }
            if batch.isFinished {
                self.close(context: context, code: .normalClosure)
                return
            }
            if batch.packets.isEmpty { break }
        }
        if wrote { context.flush() }
    }

    /// A text frame `<type><text>` written straight into one buffer, or a binary frame of the bytes.
    private static func frame(for packet: EngineIOPacket, allocator: ByteBufferAllocator) -> WebSocketFrame {
        switch packet.data {
        case .binary(let buffer):
            return WebSocketFrame(fin: true, opcode: .binary, data: buffer)
        case .text(let text):
            var buffer = allocator.buffer(capacity: text.utf8.count + 1)
            buffer.writeInteger(UInt8(ascii: "0") + packet.type.rawValue)
            buffer.writeString(text)
            return WebSocketFrame(fin: true, opcode: .text, data: buffer)
        }
    }

    /// The peer broke the protocol: the session ends with `reason`, the socket with `code`.
    private func fail(context: ChannelHandlerContext, code: WebSocketErrorCode, reason: EngineIOCloseReason) {
        self.connection.webSocketClosed(self.outbox, reason: reason)
        self.close(context: context, code: code)
    }

    /// Sends a close frame with `code` (after anything already written). When the peer has already sent its close frame
    /// the connection closes once ours is out; otherwise the peer has `closeGrace` to answer (RFC 6455 §7.1.1: the
    /// server closes the TCP connection after the closing handshake). Closing at once while the peer is still sending
    /// would make the kernel reset the connection, which can destroy our close frame before the peer reads it.
    private func close(context: ChannelHandlerContext, code: WebSocketErrorCode, peerIsDone: Bool = false) {
        guard !self.closing else { return }
        self.closing = true
        var payload = context.channel.allocator.buffer(capacity: 2)
        payload.write(webSocketErrorCode: code)
        let frame = Self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: payload))
        let channel = context.channel
        if peerIsDone {
            context.writeAndFlush(frame).whenComplete { _ in channel.close(promise: nil) }
        } else {
            context.writeAndFlush(frame, promise: nil)
            context.eventLoop.scheduleTask(in: Self.closeGrace) { channel.close(promise: nil) }
        }
    }
}
