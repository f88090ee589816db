import NIOCore
import NIOWebSocket

/// What a benchmark connection does with the Socket.IO traffic it receives. Every method is called on the connection's
/// event loop, so an implementation may keep plain mutable state.
protocol BenchSocketDelegate: AnyObject {
    /// The namespace CONNECT was accepted (`40{…}`).
    func socketConnected(_ socket: SocketIOClientHandler)
    /// The connection ended before or after CONNECT; `reason` is for the report.
    func socketClosed(_ socket: SocketIOClientHandler, reason: String, wasConnected: Bool)
    /// An event packet (`42…`); `payload` starts after the `42` (an ack id cannot occur in server events we expect).
    func socketEvent(_ socket: SocketIOClientHandler, payload: ByteBuffer)
    /// An ack packet (`43<id>[…]`); `payload` starts at the `[` after the id.
    func socketAck(_ socket: SocketIOClientHandler, id: Int, payload: ByteBuffer)
    /// An Engine.IO ping arrived (and was answered).
    func socketPinged(_ socket: SocketIOClientHandler)
}

/// The client side of Engine.IO v4 + Socket.IO v5 over one WebSocket, as a channel handler after the HTTP upgrade.
///
/// It answers pings, sends the namespace CONNECT with the pre-encoded auth payload once the Engine.IO `open` packet
/// arrives, and hands events and acks to the delegate without decoding their JSON: the scenario looks only at the bytes
/// it needs. Outbound frames are masked with one random key per connection (servers only check that a key is present).
final class SocketIOClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private enum State {
        case awaitingOpen
        case awaitingConnect
        case connected
        case closed
    }

    private let connectFrame: ByteBuffer
    private var state = State.awaitingOpen
    private var context: ChannelHandlerContext?
    private let maskKey = WebSocketMaskingKey.random()
    private var closeReason = "closed by peer"
    weak var delegate: (any BenchSocketDelegate)?

    /// - Parameter connectFrame: the Engine.IO text of the Socket.IO CONNECT packet, e.g. `40{"token":"…"}`.
    init(connectFrame: ByteBuffer, delegate: any BenchSocketDelegate) {
        self.connectFrame = connectFrame
        self.delegate = delegate
    }

    var isConnected: Bool { self.state == .connected }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Writes one Engine.IO text frame (`4…` for a Socket.IO packet) and flushes it.
    func sendText(_ buffer: ByteBuffer) {
        guard let context, self.state != .closed else { return }
        let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: self.maskKey, data: buffer)
        context.writeAndFlush(Self.wrapOutboundOut(frame), promise: nil)
    }

    /// Allocates a buffer on this connection's allocator.
    func makeBuffer(capacity: Int) -> ByteBuffer {
        self.context?.channel.allocator.buffer(capacity: capacity) ?? ByteBuffer()
    }

    /// Closes the WebSocket (the server sees a transport close).
    func close(reason: String) {
        guard let context, self.state != .closed else { return }
        self.closeReason = reason
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            self.receivedText(frame.unmaskedData, context: context)
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: self.maskKey, data: frame.unmaskedData)
            context.writeAndFlush(Self.wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            self.closeReason = "WebSocket close frame"
            context.close(promise: nil)
        default:
            break
        }
    }

    private func receivedText(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        guard let engineType = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return }
        switch engineType {
        case UInt8(ascii: "4"):
            self.receivedMessage(buffer, context: context)
        case UInt8(ascii: "2"):
            var pong = context.channel.allocator.buffer(capacity: 1)
            pong.writeInteger(UInt8(ascii: "3"))
            self.sendText(pong)
            self.delegate?.socketPinged(self)
        case UInt8(ascii: "0"):
            guard self.state == .awaitingOpen else { return }
            self.state = .awaitingConnect
            self.sendText(self.connectFrame)
        case UInt8(ascii: "1"):
            self.closeReason = "Engine.IO close"
            context.close(promise: nil)
        default:
            break
        }
    }

    private func receivedMessage(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        guard let packetType = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self) else { return }
        switch packetType {
        case UInt8(ascii: "2"):
            guard let payload = buffer.getSlice(at: buffer.readerIndex + 2, length: buffer.readableBytes - 2) else { return }
            self.delegate?.socketEvent(self, payload: payload)
        case UInt8(ascii: "3"):
            var index = buffer.readerIndex + 2
            var id = 0
            while let byte = buffer.getInteger(at: index, as: UInt8.self), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                id = id &* 10 &+ Int(byte &- UInt8(ascii: "0"))
                index += 1
            }
            guard let payload = buffer.getSlice(at: index, length: buffer.writerIndex - index) else { return }
            self.delegate?.socketAck(self, id: id, payload: payload)
        case UInt8(ascii: "0"):
            guard self.state == .awaitingConnect else { return }
            self.state = .connected
            self.delegate?.socketConnected(self)
        case UInt8(ascii: "4"):
            self.closeReason = "connect_error " + String(buffer: buffer).dropFirst(2)
            context.close(promise: nil)
        case UInt8(ascii: "1"):
            self.closeReason = "Socket.IO disconnect"
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let wasConnected = self.state == .connected
        self.state = .closed
        self.delegate?.socketClosed(self, reason: self.closeReason, wasConnected: wasConnected)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.closeReason = "error: \(error)"
        context.close(promise: nil)
    }
}
