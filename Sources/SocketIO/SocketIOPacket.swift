import NIOCore

/// The Socket.IO v5 packet types.
public enum SocketIOPacketType: UInt8, Sendable, Hashable, CaseIterable {
    /// Join a namespace (client: auth payload; server: `{"sid":…}`).
    case connect = 0
    /// Leave a namespace.
    case disconnect = 1
    /// An event: `["name", args…]`.
    case event = 2
    /// An acknowledgement: `[args…]`.
    case ack = 3
    /// Server refuses a namespace: `{"message":…, "data"?:…}`.
    case connectError = 4
    /// An event with binary attachments.
    case binaryEvent = 5
    /// An acknowledgement with binary attachments.
    case binaryAck = 6
}

/// One Socket.IO v5 packet, with any binary attachments already in place inside ``data``.
public struct SocketIOPacket: Sendable, Hashable {
    /// The packet type. Encoding picks the binary variant automatically when ``data`` holds buffers.
    public var type: SocketIOPacketType
    /// The namespace, `/` by default.
    public var namespace: String
    /// The acknowledgement id, if any.
    public var ackID: Int?
    /// The JSON payload, if any.
    public var data: JSONValue?

    /// Creates a packet.
    public init(type: SocketIOPacketType, namespace: String = "/", ackID: Int? = nil, data: JSONValue? = nil) {
        self.type = type
        self.namespace = namespace
        self.ackID = ackID
        self.data = data
    }

    /// Event names a client may not emit (they are reserved for the library's own events).
    public static let reservedEventNames: Set<String> = [
        "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
    ]
}

/// A Socket.IO packet encoded for Engine.IO: one text message followed by its binary attachments.
public struct SocketIOEncodedPacket: Sendable, Hashable {
    /// The text message (without the Engine.IO `4` prefix).
    public var text: String
    /// The binary attachments, each sent as its own Engine.IO binary message.
    public var attachments: [ByteBuffer]

    /// The Engine.IO `message` packets carrying this Socket.IO packet.
    public var engineIOPackets: [EngineIOPacket] {
        var packets: [EngineIOPacket] = []
        packets.reserveCapacity(1 + self.attachments.count)
        packets.append(EngineIOPacket(.message, self.text))
        for attachment in self.attachments { packets.append(EngineIOPacket(binary: attachment)) }
        return packets
    }
}

extension SocketIOPacket {
    /// Encodes the packet, replacing binary buffers with numbered placeholders (depth first).
    public func encode() -> SocketIOEncodedPacket {
        var attachments: [ByteBuffer] = []
        // Most packets carry no binary: only those are rebuilt with placeholders.
        let data = self.data.map { $0.containsBinary ? Self.deconstruct($0, into: &attachments) : $0 }
        var type = self.type
        if !attachments.isEmpty {
            if type == .event { type = .binaryEvent }
            if type == .ack { type = .binaryAck }
        }
        var text: [UInt8] = []
        // A message payload is 600–900 bytes: one allocation for it rather than three as the buffer doubles.
        text.reserveCapacity(1024)
        text.append(UInt8(ascii: "0") + type.rawValue)
        if type == .binaryEvent || type == .binaryAck {
            text.append(contentsOf: String(attachments.count).utf8)
            text.append(UInt8(ascii: "-"))
        }
        if self.namespace != "/" {
            text.append(contentsOf: self.namespace.utf8)
            text.append(UInt8(ascii: ","))
        }
        if let ackID = self.ackID {
            text.append(contentsOf: String(ackID).utf8)
        }
        data?.write(to: &text)
        return SocketIOEncodedPacket(text: String(decoding: text, as: UTF8.self), attachments: attachments)
    }

    static func deconstruct(_ value: JSONValue, into attachments: inout [ByteBuffer]) -> JSONValue {
        switch value {
        case .binary(let buffer):
            let placeholder: JSONValue = ["_placeholder": true, "num": .number(Double(attachments.count))]
            attachments.append(buffer)
            return placeholder
        case .array(let elements):
            return .array(elements.map { deconstruct($0, into: &attachments) })
        case .object(let object):
            var result = JSONObject()
            result.reserveCapacity(object.count)
            for member in object.members {
                result[member.key] = deconstruct(member.value, into: &attachments)
            }
            return .object(result)
        default:
            return value
        }
    }

    static func reconstruct(_ value: JSONValue, attachments: [ByteBuffer]) throws -> JSONValue {
        switch value {
        case .array(let elements):
            return .array(try elements.map { try reconstruct($0, attachments: attachments) })
        case .object(let object):
            if object["_placeholder"] == .bool(true) {
                guard let num = object["num"]?.intValue, attachments.indices.contains(num) else {
                    throw SocketIOError.invalidAttachments
                }
                return .binary(attachments[num])
            }
            var result = JSONObject()
            result.reserveCapacity(object.count)
            for member in object.members {
                result[member.key] = try reconstruct(member.value, attachments: attachments)
            }
            return .object(result)
        default:
            return value
        }
    }

    /// Appends the connection-state-recovery offset to an event's data, in place when the array has room for it (see
    /// ``JSONValue/eventArray(_:_:)``).
    mutating func appendOffset(_ offset: String) {
        guard case .array(var elements)? = self.data.take() else { return }
        elements.append(.string(offset))
        self.data = .array(elements)
    }

    /// For events: the event name and the arguments after it.
    public var eventNameAndArguments: (name: String, arguments: [JSONValue])? {
        guard case .array(let elements) = self.data, let first = elements.first else { return nil }
        let name: String
        switch first {
        case .string(let string): name = string
        case .number(let number): name = JSONValue.number(number).jsonString
        default: return nil
        }
        return (name, Array(elements.dropFirst()))
    }
}
