/// An error of the Redis client. A struct over a private enum, so new cases never break callers; switch on ``code``.
public struct RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, extensible.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case server, protocolViolation, connectionClosed, timeout, invalidURL, unexpectedReply, clientShutdown
        }

        fileprivate let base: Base

        /// The server answered with an error reply; ``RedisError/message`` holds it (e.g. `WRONGTYPE …`).
        public static let server = Code(base: .server)
        /// The peer sent bytes that are not RESP, or broke a parser limit. The connection is closed.
        public static let protocolViolation = Code(base: .protocolViolation)
        /// The connection closed (or could not be opened) before the reply arrived.
        public static let connectionClosed = Code(base: .connectionClosed)
        /// No reply, or no connection, within the timeout. A timed-out connection is closed and reopened.
        public static let timeout = Code(base: .timeout)
        /// The Redis URL could not be read.
        public static let invalidURL = Code(base: .invalidURL)
        /// The server's reply had a shape the caller did not expect.
        public static let unexpectedReply = Code(base: .unexpectedReply)
        /// The client is shutting down or not running.
        public static let clientShutdown = Code(base: .clientShutdown)

        /// The code's name.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// Details: the server's error text for ``Code/server``, otherwise a human-readable reason.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The code and message, never a secret.
    public var description: String { "Redis \(code): \(message)" }

    /// The first word of a server error (`ERR`, `WRONGTYPE`, `NOSCRIPT`, `NOPROTO`…), nil for other errors.
    public var serverErrorPrefix: Substring? {
        guard code == .server else { return nil }
        return message.split(separator: " ", maxSplits: 1).first
    }

    static func server(_ message: String) -> RedisError { RedisError(.server, message) }
    static func protocolViolation(_ reason: String) -> RedisError { RedisError(.protocolViolation, reason) }
    static func connectionClosed(_ reason: String = "connection closed") -> RedisError { RedisError(.connectionClosed, reason) }
    static func timeout(_ reason: String = "no reply within the command timeout") -> RedisError { RedisError(.timeout, reason) }
    static func invalidURL(_ reason: String) -> RedisError { RedisError(.invalidURL, reason) }
    static func unexpectedReply(_ reply: RESPValue) -> RedisError { RedisError(.unexpectedReply, "unexpected reply \(reply)") }
    static let clientShutdown = RedisError(.clientShutdown, "the Redis client is not running")
    /// Every pooled connection's latest connect attempt failed.
    static let unreachable = RedisError(.connectionClosed, "Redis is unreachable; reconnecting in the background")
}
