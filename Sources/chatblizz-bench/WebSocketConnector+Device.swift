import NIOCore

/// A benchmark connection that owns one socket: what ``WebSocketConnector/open(_:index:node:on:)`` needs from it.
/// Used only on its event loop.
protocol BenchConnectingSocket: BenchSocketDelegate, SendableMetatype {
    /// The Socket.IO CONNECT frame to send once the upgrade succeeded.
    var connectFrame: ByteBuffer { get }
    /// Succeeds once CONNECT is accepted, fails when the connection ends first.
    var ready: EventLoopPromise<Void> { get }
    /// The socket's handler, set when the upgrade succeeded.
    var socket: SocketIOClientHandler? { get set }
    /// The connection attempt starts now.
    func connecting()
    /// The TCP connection failed or closed.
    func transportEnded(_ reason: String)
}

extension WebSocketConnector {
    /// Opens `device`'s socket as connection `index` to node `node` on `loop`; the future completes with its CONNECT.
    func open<Device: BenchConnectingSocket>(_ device: NIOLoopBound<Device>, index: Int, node: Int, on loop: any EventLoop) -> EventLoopFuture<Void> {
        loop.flatSubmit {
            device.value.connecting()
            self.connect(
                index: index,
                node: node,
                on: loop,
                makeHandler: {
                    let handler = SocketIOClientHandler(connectFrame: device.value.connectFrame, delegate: device.value)
                    device.value.socket = handler
                    return handler
                },
                ended: { reason in device.value.transportEnded(reason) }
            )
            return device.value.ready.futureResult
        }
    }
}
