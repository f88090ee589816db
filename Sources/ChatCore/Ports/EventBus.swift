/// Carries domain events to every node, so whichever node holds a user's sockets can deliver them.
public protocol EventBus: Sendable {
    func publish(_ event: DomainEvent) async throws
    /// A stream of every event published on any node from now on. The stream ends when the bus shuts down.
    func subscribe() async -> AsyncStream<DomainEvent>
}
