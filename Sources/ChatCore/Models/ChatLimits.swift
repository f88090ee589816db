/// Size and count limits the domain enforces. Every value is configurable; the defaults suit a public service.
public struct ChatLimits: Hashable, Sendable {
    /// Maximum UTF-8 bytes of a message body (default 16 KB).
    public var maxMessageBytes: Int = 16 * 1024
    /// Maximum characters of a client message id.
    public var maxClientMessageIDLength: Int = 64
    /// Default and maximum page sizes for every list.
    public var defaultPageSize: Int = 50
    public var maxPageSize: Int = 100
    /// Maximum characters of a search query.
    public var maxSearchQueryLength: Int = 64

    public init() {}

    /// Clamps a requested page size into `1...maxPageSize`, using the default when none was given.
    public func pageSize(_ requested: Int?) throws -> Int {
        guard let requested else { return defaultPageSize }
        guard requested >= 1, requested <= maxPageSize else {
            throw ChatError.validation("limit must be between 1 and \(maxPageSize)", field: "limit")
        }
        return requested
    }
}
