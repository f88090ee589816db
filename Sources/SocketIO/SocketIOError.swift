/// An error raised by the Socket.IO and Engine.IO codecs and runtime.
///
/// A struct over a private enum, so new error kinds never break callers; compare with the static members.
public struct SocketIOError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Base: Sendable, Hashable {
        case invalidJSON
        case invalidEngineIOPacket
        case invalidPayload
        case invalidSocketIOPacket
        case tooManyAttachments
        case invalidAttachments
        case unexpectedAttachment
        case reservedEventName
        case ackTimeout
        case disconnected
        case queueFull
    }

    private let base: Base
    /// A human readable detail.
    public let message: String

    private init(_ base: Base, _ message: String) {
        self.base = base
        self.message = message
    }

    /// Equality compares the kind only, not the detail message.
    public static func == (lhs: SocketIOError, rhs: SocketIOError) -> Bool { lhs.base == rhs.base }
    /// Hashes the kind only.
    public func hash(into hasher: inout Hasher) { hasher.combine(self.base) }

    /// The text is not valid JSON.
    public static var invalidJSON: SocketIOError { .init(.invalidJSON, "invalid JSON") }
    /// An Engine.IO packet could not be decoded.
    public static var invalidEngineIOPacket: SocketIOError { .init(.invalidEngineIOPacket, "invalid Engine.IO packet") }
    /// A polling payload could not be decoded.
    public static var invalidPayload: SocketIOError { .init(.invalidPayload, "invalid payload") }
    /// A Socket.IO packet could not be decoded or failed validation.
    public static var invalidSocketIOPacket: SocketIOError { .init(.invalidSocketIOPacket, "invalid Socket.IO packet") }
    /// A binary packet announced more attachments than allowed.
    public static var tooManyAttachments: SocketIOError { .init(.tooManyAttachments, "too many attachments") }
    /// A binary packet's attachment count or placeholders are invalid.
    public static var invalidAttachments: SocketIOError { .init(.invalidAttachments, "illegal attachments") }
    /// A binary message arrived while no binary packet was being reconstructed, or text arrived while one was.
    public static var unexpectedAttachment: SocketIOError { .init(.unexpectedAttachment, "unexpected attachment") }
    /// An event used a reserved name.
    public static var reservedEventName: SocketIOError { .init(.reservedEventName, "reserved event name") }
    /// An acknowledgement did not arrive in time.
    public static var ackTimeout: SocketIOError { .init(.ackTimeout, "operation has timed out") }
    /// The socket disconnected before the operation completed.
    public static var disconnected: SocketIOError { .init(.disconnected, "socket disconnected") }
    /// The connection's outbound queue is full.
    public static var queueFull: SocketIOError { .init(.queueFull, "outbound queue full") }

    static func invalidSocketIOPacket(_ detail: String) -> SocketIOError { .init(.invalidSocketIOPacket, detail) }
    static func invalidJSON(_ detail: String) -> SocketIOError { .init(.invalidJSON, detail) }

    /// The detail message.
    public var description: String { "SocketIOError(\(self.message))" }
}
