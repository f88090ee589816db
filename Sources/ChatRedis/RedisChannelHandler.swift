import DequeModule
import NIOCore

/// One command on its way to the handler: the promise is nil for pub/sub (un)subscribe commands, whose confirmations
/// arrive as pushes instead of replies.
struct RedisRequest: Sendable {
    var command: RedisCommand
    var promise: EventLoopPromise<RESPValue>?
    var deadline: NIODeadline
}

/// Matches replies to commands in order (Redis answers in order, so a `Deque` of promises is the whole pipeline), routes
/// pushes to `pushHandler`, and fails everything pending when the connection ends. A reply that misses its deadline
/// closes the connection: the reply stream cannot be trusted to resynchronise, and the pool reconnects.
final class RedisChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var promise: EventLoopPromise<RESPValue>
        var deadline: NIODeadline
    }

    /// Asks the handler to close once every command in flight has its reply (or has timed out), refusing new ones.
    struct GracefulClose: Sendable {}

    private var pending = Deque<Pending>()
    private var closing = false
    private var timer: Scheduled<Void>?
    private var closedError: RedisError?
    private let isSubscriber: Bool
    private let pushHandler: (@Sendable ([RESPValue]) -> Void)?

    /// - Parameter isSubscriber: in RESP2 a subscribed connection gets messages as plain arrays; this says to treat
    ///   arrays starting with a pub/sub kind as pushes.
    init(isSubscriber: Bool, pushHandler: (@Sendable ([RESPValue]) -> Void)?) {
        self.isSubscriber = isSubscriber
        self.pushHandler = pushHandler
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let error = closedError ?? (closing ? RedisError.clientShutdown : nil) {
            request.promise?.fail(error)
            promise?.fail(error)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: request.command.encodedSize)
        request.command.write(into: &buffer)
        if let reply = request.promise {
            pending.append(Pending(promise: reply, deadline: request.deadline))
            scheduleTimerIfNeeded(context: context)
        }
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        if case .push(let items) = value {
            pushHandler?(items)
            return
        }
        if isSubscriber, case .array(.some(let items)) = value, let kind = items.first?.string, Self.pubSubKinds.contains(kind) {
            pushHandler?(items)
            return
        }
        guard let head = pending.popFirst() else {
            fail(context: context, RedisError.protocolViolation("a reply arrived with no command waiting"))
            return
        }
        if case .error(let message) = value {
            head.promise.fail(RedisError.server(String(buffer: message)))
        } else {
            head.promise.succeed(value)
        }
        if closing, pending.isEmpty { context.close(promise: nil) }
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is GracefulClose else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        closing = true
        if pending.isEmpty { context.close(promise: nil) }
        promise?.succeed(())
    }

    func channelInactive(context: ChannelHandlerContext) {
        failPending(RedisError.connectionClosed())
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context: context, error as? RedisError ?? RedisError.connectionClosed("\(error)"))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failPending(RedisError.connectionClosed())
    }

    private func fail(context: ChannelHandlerContext, _ error: RedisError) {
        failPending(error)
        context.close(promise: nil)
    }

    private func failPending(_ error: RedisError) {
        if closedError == nil { closedError = error }
        timer?.cancel()
        timer = nil
        while let entry = pending.popFirst() { entry.promise.fail(error) }
    }

    /// One timer watches the oldest command; replies come in order, so it is the first to be late.
    private func scheduleTimerIfNeeded(context: ChannelHandlerContext) {
        guard timer == nil, let head = pending.first else { return }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: head.deadline) { [self] in
            self.timer = nil
            guard let head = self.pending.first else { return }
            if head.deadline <= .now() {
                self.fail(context: loopBound.value, RedisError.timeout())
            } else {
                self.scheduleTimerIfNeeded(context: loopBound.value)
            }
        }
    }

    static let pubSubKinds: Set<String> = [
        "message", "pmessage", "smessage", "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe",
    ]
}
