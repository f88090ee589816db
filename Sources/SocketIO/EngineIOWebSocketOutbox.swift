import DequeModule
import Synchronization

/// The bounded queue between an Engine.IO session and the WebSocket that writes it.
///
/// The transport registers a wake-up with ``onPackets(_:)``; it is called (from any thread, at most once until the
/// queue is found empty again) when packets arrive or the queue ends. The transport then calls ``take(upTo:)`` until it
/// returns no packets, writing each batch, and closes the socket when the batch says the queue has finished. A
/// transport that cannot write (the peer reads slowly) stops taking; the packets wait here, and a client that falls
/// more than the capacity behind is dropped by the session.
public final class EngineIOWebSocketOutbox: Sendable {
    /// What ``EngineIOWebSocketOutbox/take(upTo:)`` found.
    public struct Batch: Sendable {
        /// Packets to write, oldest first; empty when the queue is empty.
        public var packets: [EngineIOPacket]
        /// Whether the socket must be closed once `packets` are written: the queue ended and nothing is left.
        public var isFinished: Bool
    }

    private struct State {
        var packets: Deque<EngineIOPacket> = []
        var finished = false
        var wake: (@Sendable () -> Void)?
        /// Whether a wake-up was sent that the transport has not yet answered by finding the queue empty.
        var wakePending = false

        /// The wake-up to call after the lock is released, if the transport must be told.
        mutating func wakeIfNeeded() -> (@Sendable () -> Void)? {
            guard let wake, !wakePending else { return nil }
            wakePending = true
            return wake
        }
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Registers the transport's wake-up. If packets are already queued (the `open` packet), it is called at once.
    public func onPackets(_ wake: @escaping @Sendable () -> Void) {
        let call = self.state.withLock { state -> (@Sendable () -> Void)? in
            state.wake = wake
            guard !state.packets.isEmpty || state.finished else { return nil }
            return state.wakeIfNeeded()
        }
        call?()
    }

    /// Takes up to `limit` queued packets. An empty batch means the transport is up to date (or took none, with a
    /// `limit` of 0 while it cannot write): the next packet wakes it.
    public func take(upTo limit: Int) -> Batch {
        self.state.withLock { state in
            var packets: [EngineIOPacket] = []
            let count = min(limit, state.packets.count)
            if count > 0 {
                packets.reserveCapacity(count)
                for _ in 0..<count { packets.append(state.packets.removeFirst()) }
            } else {
                state.wakePending = false
            }
            return Batch(packets: packets, isFinished: state.finished && state.packets.isEmpty)
        }
    }

    /// Queues packets; returns `false` if the queue is over capacity (the client is too slow).
    func push(_ packets: [EngineIOPacket]) -> Bool {
        guard !packets.isEmpty else { return true }
        let (accepted, call) = self.state.withLock { state -> (Bool, (@Sendable () -> Void)?) in
            guard !state.finished else { return (true, nil) }
            state.packets.append(contentsOf: packets)
            return (state.packets.count <= self.capacity, state.wakeIfNeeded())
        }
        call?()
        return accepted
    }

    /// Ends the queue once the queued packets are written.
    func finish() {
        let call = self.state.withLock { state -> (@Sendable () -> Void)? in
            guard !state.finished else { return nil }
            state.finished = true
            return state.wakeIfNeeded()
        }
        call?()
    }

    /// Ends the queue at once, dropping queued packets (the socket is gone or too slow). The transport is woken even if
    /// it is waiting to be able to write, so it closes the socket now; then the wake-up is released.
    public func cancel() {
        let call = self.state.withLock { state -> (@Sendable () -> Void)? in
            state.packets.removeAll()
            state.finished = true
            defer { state.wake = nil }
            return state.wake
        }
        call?()
    }
}
