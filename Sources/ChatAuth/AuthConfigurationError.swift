/// A start-up problem with the authentication configuration: a bad secret, an unreadable secret file, an out-of-range
/// setting. It is thrown by initializers the composition root calls once, so the message names the configuration key
/// or file to fix, and never contains secret material.
public struct AuthConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong and which key or file to fix.
    public var message: String

    /// Creates an error with a human-readable message.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
