/// The source of "now" for the services, injected so tests can control time.
public struct ChatClock: Sendable {
    private let read: @Sendable () -> Timestamp

    public init(_ read: @escaping @Sendable () -> Timestamp) { self.read = read }

    public static let system = ChatClock { Timestamp.now() }

    public func now() -> Timestamp { read() }
}
