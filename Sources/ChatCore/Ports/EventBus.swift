/// Carries domain events to every node, so whichever node holds a user's sockets can deliver them.
///
/// Delivery is best effort (an event published while a node is cut off from the bus does not reach it): the store is the
/// record, and devices that miss an event catch up through sync. Services therefore publish after the write is durable
/// and never fail a request because publishing failed.
public protocol EventBus: Sendable {
    func publish(_ event: DomainEvent) async throws
    /// A stream of every event published on any node from now on. The stream ends when the bus shuts down.
    func subscribe() async -> AsyncStream<DomainEvent>
}

extension EventBus {
    /// Publishes an event about a change that is already durable. A bus failure is not the caller's failure: the change
    /// stands, and devices catch up through sync.
    public func announce(_ event: DomainEvent) async {
        do {
            try await publish(event)
        } catch {
            // Best effort by design; see the type's documentation.
        }
    }
}
