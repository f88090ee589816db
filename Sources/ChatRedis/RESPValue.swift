import NIOCore

/// A value of the Redis serialization protocol, RESP2 or RESP3.
///
/// RESP2 nulls keep their RESP2 shape (`.bulkString(nil)`, `.array(nil)`) so a caller can tell them apart; RESP3 has a
/// single `.null`. Use ``isNull`` when the difference does not matter.
public enum RESPValue: Sendable, Hashable {
    /// `+OK`.
    case simpleString(ByteBuffer)
    /// A simple error (`-ERR …`) or a RESP3 blob error (`!`).
    case error(ByteBuffer)
    /// `:42`.
    case integer(Int64)
    /// `$5 hello`; nil is the RESP2 null bulk string `$-1`.
    case bulkString(ByteBuffer?)
    /// `*2 …`; nil is the RESP2 null array `*-1`.
    case array([RESPValue]?)
    /// The RESP3 null `_`.
    case null
    /// RESP3 `#t` / `#f`.
    case boolean(Bool)
    /// RESP3 `,3.14`, including `inf`, `-inf` and `nan`.
    case double(Double)
    /// RESP3 `(` big number, kept as its decimal digits.
    case bigNumber(ByteBuffer)
    /// RESP3 `=` verbatim string with its three-letter format (`txt`, `mkd`).
    case verbatimString(format: String, text: ByteBuffer)
    /// RESP3 `%` map, in wire order.
    case map([RESPKeyValue])
    /// RESP3 `~` set, in wire order.
    case set([RESPValue])
    /// RESP3 `>` out-of-band push (pub/sub messages, invalidations).
    case push([RESPValue])
}

/// One entry of a RESP3 map.
public struct RESPKeyValue: Sendable, Hashable {
    /// The entry's key.
    public var key: RESPValue
    /// The entry's value.
    public var value: RESPValue

    /// An entry.
    public init(key: RESPValue, value: RESPValue) {
        self.key = key
        self.value = value
    }
}

extension RESPValue {
    /// True for every null spelling: `_`, `$-1` and `*-1`.
    public var isNull: Bool {
        switch self {
        case .null, .bulkString(nil), .array(nil): return true
        default: return false
        }
    }

    /// The text of a simple, bulk or verbatim string, a big number or an error.
    public var string: String? {
        switch self {
        case .simpleString(let buffer), .bulkString(.some(let buffer)), .bigNumber(let buffer), .error(let buffer):
            return String(buffer: buffer)
        case .verbatimString(_, let text):
            return String(buffer: text)
        default:
            return nil
        }
    }

    /// The bytes of a simple, bulk or verbatim string.
    public var bytes: ByteBuffer? {
        switch self {
        case .simpleString(let buffer), .bulkString(.some(let buffer)): return buffer
        case .verbatimString(_, let text): return text
        default: return nil
        }
    }

    /// An integer reply, or a string reply holding a decimal integer (RESP2 returns many numbers as bulk strings).
    public var int64: Int64? {
        switch self {
        case .integer(let value): return value
        case .boolean(let value): return value ? 1 : 0
        default: return string.flatMap { Int64($0) }
        }
    }

    /// The elements of an array, set or push.
    public var elements: [RESPValue]? {
        switch self {
        case .array(.some(let values)), .set(let values), .push(let values): return values
        case .map(let entries): return entries.flatMap { [$0.key, $0.value] }
        default: return nil
        }
    }
}
