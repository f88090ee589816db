import NIOCore
import SocketIO

/// The `send_message` frame of one device, encoded once with ``SocketIOPacket/encode()``: each send only writes the
/// ack id and the `clientMessageId` between the pre-encoded parts, so the hot path builds no JSON.
struct SendFrameTemplate: Sendable {
    /// `42` (Engine.IO message + Socket.IO event); the ack id follows.
    private static let head: [UInt8] = Array("42".utf8)
    /// `["send_message",{"to":…,"text":…,"clientMessageId":"`
    private let beforeID: [UInt8]
    /// `"}]`
    private let afterID: [UInt8]

    private static let marker = "@@cmid@@"

    init(to recipient: String, text: String) throws {
        let payload: JSONValue = [
            "send_message", ["to": .string(recipient), "text": .string(text), "clientMessageId": .string(Self.marker)],
        ]
        // Without an ack id the encoding is `2[…]`; the ack id is written between `42` and `[` per message.
        let encoded = SocketIOPacket(type: .event, data: payload).encode().text
        guard encoded.first == "2", let range = encoded.range(of: Self.marker) else {
            throw BenchError("unexpected send_message encoding: \(encoded)")
        }
        self.beforeID = Array(encoded[encoded.index(after: encoded.startIndex)..<range.lowerBound].utf8)
        self.afterID = Array(encoded[range.upperBound...].utf8)
    }

    /// Writes `42<ackID>["send_message",{…,"clientMessageId":"<id>"}]` into `buffer`.
    func write(ackID: Int, clientMessageID: ClientMessageID, into buffer: inout ByteBuffer) {
        buffer.writeBytes(Self.head)
        buffer.writeDecimal(ackID)
        buffer.writeBytes(self.beforeID)
        clientMessageID.write(into: &buffer)
        buffer.writeBytes(self.afterID)
    }

    /// The encoded size without the two numbers, to size buffers.
    var fixedSize: Int { Self.head.count + self.beforeID.count + self.afterID.count }
}

/// The benchmark's `clientMessageId`: `<sender device>.<sequence>.<intended send time in ns>`, so that the recipient
/// can compute the latency from the intended send time without any shared table.
struct ClientMessageID: Sendable, Hashable {
    var device: Int
    var sequence: Int
    var intendedNanos: UInt64

    func write(into buffer: inout ByteBuffer) {
        buffer.writeDecimal(self.device)
        buffer.writeInteger(UInt8(ascii: "."))
        buffer.writeDecimal(self.sequence)
        buffer.writeInteger(UInt8(ascii: "."))
        buffer.writeDecimal(Int(truncatingIfNeeded: self.intendedNanos))
    }

    /// Finds `"clientMessageId":"d.s.n"` in an event payload without parsing the JSON.
    static func find(in payload: ByteBuffer) -> ClientMessageID? {
        payload.withUnsafeReadableBytes { bytes -> ClientMessageID? in
            guard let start = Self.indexAfterKey(in: bytes) else { return nil }
            var index = start
            var numbers: (Int, Int, Int) = (0, 0, 0)
            for field in 0..<3 {
                var value = 0
                var digits = 0
                while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                    value = value &* 10 &+ Int(bytes[index] &- UInt8(ascii: "0"))
                    index += 1
                    digits += 1
                }
                guard digits > 0, digits <= 19, index < bytes.count else { return nil }
                let terminator: UInt8 = field < 2 ? UInt8(ascii: ".") : UInt8(ascii: "\"")
                guard bytes[index] == terminator else { return nil }
                index += 1
                switch field {
                case 0: numbers.0 = value
                case 1: numbers.1 = value
                default: numbers.2 = value
                }
            }
            return ClientMessageID(device: numbers.0, sequence: numbers.1, intendedNanos: UInt64(numbers.2))
        }
    }

    private static let key: [UInt8] = Array("\"clientMessageId\"".utf8)

    /// After the key: optional spaces, `:`, optional spaces, `"`; returns the index after the quote.
    private static func indexOfValue(in bytes: UnsafeRawBufferPointer, after start: Int) -> Int? {
        var index = start
        var sawColon = false
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "): index += 1
            case UInt8(ascii: ":") where !sawColon:
                sawColon = true
                index += 1
            case UInt8(ascii: "\"") where sawColon: return index + 1
            default: return nil
            }
        }
        return nil
    }

    private static func indexAfterKey(in bytes: UnsafeRawBufferPointer) -> Int? {
        let key = Self.key
        guard bytes.count >= key.count else { return nil }
        var index = 0
        let last = bytes.count - key.count
        while index <= last {
            if bytes[index] == key[0] {
                var matched = true
                for offset in 1..<key.count where bytes[index + offset] != key[offset] {
                    matched = false
                    break
                }
                if matched { return Self.indexOfValue(in: bytes, after: index + key.count) }
            }
            index += 1
        }
        return nil
    }
}

extension ByteBuffer {
    /// Writes an integer in decimal. `String(Int)` of up to 15 digits is a small (inline) string, so this does not allocate.
    mutating func writeDecimal(_ value: Int) {
        self.writeString(String(value))
    }
}
