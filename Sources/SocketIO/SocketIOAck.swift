import Synchronization

/// Sends the acknowledgement a client asked for. Calling it when no ack was requested, or a second time, does nothing.
public struct SocketIOAck: Sendable {
    private final class Sent: Sendable {
        let value = Mutex(false)
    }

    private let send: (@Sendable ([JSONValue]) -> Void)?
    private let sent = Sent()

    init(send: (@Sendable ([JSONValue]) -> Void)?) {
        self.send = send
    }

    /// Whether the client asked for an acknowledgement.
    public var isRequested: Bool { self.send != nil }

    /// Acknowledges with these arguments.
    public func callAsFunction(_ arguments: JSONValue...) {
        self.reply(arguments)
    }

    /// Acknowledges with an argument list.
    public func reply(_ arguments: [JSONValue]) {
        guard let send = self.send else { return }
        let first = self.sent.value.withLock { sent in
            defer { sent = true }
            return !sent
        }
        if first { send(arguments) }
    }

    /// Acknowledges with one `Encodable` value.
    public func reply(encoding value: some Encodable) throws {
        self.reply([try JSONValue(encoding: value)])
    }
}

extension Array where Element == JSONValue {
    /// Decodes the argument at `index` into a `Decodable` type.
    ///
    /// - Throws: ``SocketIOError/invalidPayload`` when the index is out of range, or the decoding error.
    public func decode<T: Decodable>(_ type: T.Type = T.self, at index: Int = 0) throws -> T {
        guard self.indices.contains(index) else { throw SocketIOError.invalidPayload }
        return try self[index].decode(T.self)
    }
}
