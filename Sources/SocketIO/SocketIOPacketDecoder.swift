import NIOCore

/// Decodes Socket.IO packets from Engine.IO messages, reassembling binary attachments.
///
/// Feed every Engine.IO `message` in order; a decoded packet is returned once complete.
public struct SocketIOPacketDecoder: Sendable {
    private var pending: (packet: SocketIOPacket, expected: Int, buffers: [ByteBuffer])?
    /// The largest attachment count accepted (socket.io-parser default: 10).
    public var maxAttachments: Int

    /// Creates a decoder.
    public init(maxAttachments: Int = 10) {
        self.maxAttachments = maxAttachments
    }

    /// Whether a binary packet is waiting for more attachments.
    public var isAwaitingAttachments: Bool { self.pending != nil }

    /// Feeds one Engine.IO message.
    ///
    /// - Returns: the complete packet, or `nil` while attachments are still expected.
    /// - Throws: ``SocketIOError`` on malformed input; the decoder is reset.
    public mutating func decode(_ message: EngineIOData) throws -> SocketIOPacket? {
        switch message {
        case .text(let text):
            guard self.pending == nil else {
                self.pending = nil
                throw SocketIOError.unexpectedAttachment
            }
            let (packet, attachments) = try Self.decodeText(text, maxAttachments: self.maxAttachments)
            if attachments == 0 {
                if packet.type == .binaryEvent || packet.type == .binaryAck {
                    return try Self.finish(packet, buffers: [])
                }
                return packet
            }
            self.pending = (packet, attachments, [])
            return nil
        case .binary(let buffer):
            guard var pending = self.pending else { throw SocketIOError.unexpectedAttachment }
            pending.buffers.append(buffer)
            if pending.buffers.count < pending.expected {
                self.pending = pending
                return nil
            }
            self.pending = nil
            return try Self.finish(pending.packet, buffers: pending.buffers)
        }
    }

    private static func finish(_ packet: SocketIOPacket, buffers: [ByteBuffer]) throws -> SocketIOPacket {
        var packet = packet
        if let data = packet.data {
            packet.data = try SocketIOPacket.reconstruct(data, attachments: buffers)
        }
        packet.type = packet.type == .binaryEvent ? .event : (packet.type == .binaryAck ? .ack : packet.type)
        return packet
    }

    /// Decodes the text part of a packet, returning the packet (placeholders untouched) and its attachment count.
    public static func decodeText(_ text: String, maxAttachments: Int = 10) throws -> (SocketIOPacket, attachments: Int) {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, first >= UInt8(ascii: "0"),
            let type = SocketIOPacketType(rawValue: first &- UInt8(ascii: "0"))
        else { throw SocketIOError.invalidSocketIOPacket("unknown packet type") }
        var index = 1
        var attachments = 0
        if type == .binaryEvent || type == .binaryAck {
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, index > start, index - start <= 6,
                let count = Int(String(decoding: bytes[start..<index], as: UTF8.self)), count >= 0
            else { throw SocketIOError.invalidAttachments }
            guard count <= maxAttachments else { throw SocketIOError.tooManyAttachments }
            attachments = count
            index += 1
        }
        var namespace = "/"
        if index < bytes.count, bytes[index] == UInt8(ascii: "/") {
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: ",") { index += 1 }
            namespace = String(decoding: bytes[start..<index], as: UTF8.self)
            if index < bytes.count { index += 1 }
        }
        var ackID: Int?
        let digitsStart = index
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
        if index > digitsStart {
            guard index - digitsStart <= 15, let id = Int(String(decoding: bytes[digitsStart..<index], as: UTF8.self)) else {
                throw SocketIOError.invalidSocketIOPacket("invalid ack id")
            }
            ackID = id
        }
        var data: JSONValue?
        if index < bytes.count {
            do {
                data = try JSONValue(parsing: bytes[index...])
            } catch {
                throw SocketIOError.invalidSocketIOPacket("invalid payload")
            }
        }
        let packet = SocketIOPacket(type: type, namespace: namespace, ackID: ackID, data: data)
        try Self.validate(packet)
        return (packet, attachments)
    }

    /// The payload rules of socket.io-parser, made strict for events.
    static func validate(_ packet: SocketIOPacket) throws {
        switch packet.type {
        case .connect:
            guard packet.data == nil || packet.data?.objectValue != nil else { throw SocketIOError.invalidSocketIOPacket("invalid payload") }
        case .disconnect:
            guard packet.data == nil else { throw SocketIOError.invalidSocketIOPacket("invalid payload") }
        case .event, .binaryEvent:
            guard case .array(let elements) = packet.data, let first = elements.first else {
                throw SocketIOError.invalidSocketIOPacket("invalid payload")
            }
            switch first {
            case .string(let name):
                if SocketIOPacket.reservedEventNames.contains(name) { throw SocketIOError.reservedEventName }
            case .number:
                break
            default:
                throw SocketIOError.invalidSocketIOPacket("invalid payload")
            }
        case .ack, .binaryAck:
            guard packet.data == nil || packet.data?.arrayValue != nil else { throw SocketIOError.invalidSocketIOPacket("invalid payload") }
        case .connectError:
            switch packet.data {
            case .object, .string, nil: break
            default: throw SocketIOError.invalidSocketIOPacket("invalid payload")
            }
        }
    }
}
