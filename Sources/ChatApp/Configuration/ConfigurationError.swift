/// A configuration value that cannot be used. Its description is the one line printed before startup stops.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let key: String
    public let reason: String

    public init(key: String, _ reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { "configuration error: \(key) \(reason)" }
}
