/// The three kinds of Redis subscription.
enum RedisSubscriptionKind: Sendable, Hashable, CaseIterable {
    /// `SUBSCRIBE`: exact channel names.
    case channel
    /// `PSUBSCRIBE`: glob patterns.
    case pattern
    /// `SSUBSCRIBE`: sharded channels (Redis 7).
    case shard

    var subscribeCommand: String {
        switch self {
        case .channel: "SUBSCRIBE"
        case .pattern: "PSUBSCRIBE"
        case .shard: "SSUBSCRIBE"
        }
    }

    var unsubscribeCommand: String {
        switch self {
        case .channel: "UNSUBSCRIBE"
        case .pattern: "PUNSUBSCRIBE"
        case .shard: "SUNSUBSCRIBE"
        }
    }

    /// The kind named by a confirmation push (`subscribe`, `psubscribe`, `ssubscribe`).
    init?(confirmation: String) {
        switch confirmation {
        case "subscribe": self = .channel
        case "psubscribe": self = .pattern
        case "ssubscribe": self = .shard
        default: return nil
        }
    }
}
