import DequeModule
import Synchronization

/// The bounded queue between an Engine.IO session and the task writing one WebSocket.
///
/// The transport adapter's writer loop calls ``next()`` until it returns `nil`, then closes the socket.
public final class EngineIOWebSocketOutbox: Sendable {
    private struct State {
        var packets: Deque<EngineIOPacket> = []
        var finished = false
        var waiter: CheckedContinuation<EngineIOPacket?, Never>?
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Queues packets; returns `false` if the queue is over capacity (the client is too slow).
    func push(_ packets: [EngineIOPacket]) -> Bool {
        guard !packets.isEmpty else { return true }
        return self.state.withLock { state in
            guard !state.finished else { return true }
            state.packets.append(contentsOf: packets)
            if let waiter = state.waiter, let first = state.packets.popFirst() {
                state.waiter = nil
                waiter.resume(returning: first)
            }
            return state.packets.count <= self.capacity
        }
    }

    /// Ends the queue once the queued packets are written.
    func finish() {
        self.state.withLock { state in
            state.finished = true
            if let waiter = state.waiter, state.packets.isEmpty {
                state.waiter = nil
                waiter.resume(returning: nil)
            }
        }
    }

    /// Ends the queue at once, dropping queued packets (the socket is gone).
    public func cancel() {
        self.state.withLock { state in
            state.finished = true
            state.packets.removeAll()
            if let waiter = state.waiter {
                state.waiter = nil
                waiter.resume(returning: nil)
            }
        }
    }

    /// The next packet to write, or `nil` when the socket must be closed.
    public func next() async -> EngineIOPacket? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<EngineIOPacket?, Never>) in
                self.state.withLock { state in
                    if let first = state.packets.popFirst() {
                        continuation.resume(returning: first)
                    } else if state.finished {
                        continuation.resume(returning: nil)
                    } else {
                        state.waiter = continuation
                    }
                }
            }
        } onCancel: {
            self.cancel()
        }
    }
}
