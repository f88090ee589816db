/// A user's identifier. For accounts created by ChatBlizz it is a random base62 string; for accounts that came from
/// Firebase it is the Firebase uid, so the original API's ids keep working unchanged.
public struct UserID: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public init(from decoder: any Decoder) throws { self.rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A message's server-assigned identifier: a UUIDv7 in lower-case text, so ids sort in creation order.
public struct MessageID: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public init(from decoder: any Decoder) throws { self.rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// The identifier of a 1:1 conversation. It is derived from the two participants, so both sides compute the same id
/// without a lookup and there is exactly one conversation per pair.
public struct ConversationID: Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The conversation between two users, independent of argument order.
    public init(_ a: UserID, _ b: UserID) {
        let (low, high) = a < b ? (a.rawValue, b.rawValue) : (b.rawValue, a.rawValue)
        var rawValue = ""
        let count = low.utf8.count + 1 + high.utf8.count
        // Up to 15 bytes a string is stored inline; only a longer one needs its storage sized once.
        if count > 15 { rawValue.reserveCapacity(count) }
        rawValue += low
        rawValue += ":"
        rawValue += high
        self.rawValue = rawValue
    }

    public var description: String { rawValue }
    public init(from decoder: any Decoder) throws { self.rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
