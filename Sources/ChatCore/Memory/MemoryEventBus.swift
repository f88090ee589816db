import Synchronization

/// The in-process `EventBus`: every subscriber of this process receives every event. The embedded default.
public final class MemoryEventBus: EventBus {
    private struct State {
        var subscribers: [Int: AsyncStream<DomainEvent>.Continuation] = [:]
        var nextID = 0
        var finished = false
    }

    private let state = Mutex(State())
    private let bufferSize: Int

    /// - Parameter bufferSize: events kept per subscriber that has not caught up; older ones are dropped, so a stuck
    ///   subscriber cannot grow memory without bound (clients recover missed events through sync).
    public init(bufferSize: Int = 10_000) { self.bufferSize = bufferSize }

    public func publish(_ event: DomainEvent) {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        for subscriber in subscribers { subscriber.yield(event) }
    }

    public func subscribe() -> AsyncStream<DomainEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: DomainEvent.self, bufferingPolicy: .bufferingNewest(bufferSize))
        let id: Int? = state.withLock { state in
            guard !state.finished else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = continuation
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Ends every subscription.
    public func finish() {
        let subscribers = state.withLock { state in
            state.finished = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }
}
