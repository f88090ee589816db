import Foundation
import NIOCore

/// The Engine.IO v4 packet types.
public enum EngineIOPacketType: UInt8, Sendable, Hashable, CaseIterable {
    /// Server → client handshake with a JSON payload.
    case open = 0
    /// Either side closes the session.
    case close = 1
    /// Server → client heartbeat (`2probe` from the client during an upgrade).
    case ping = 2
    /// Client → server heartbeat answer (`3probe` from the server during an upgrade).
    case pong = 3
    /// Application data.
    case message = 4
    /// Client → server, completes a transport upgrade.
    case upgrade = 5
    /// Server → client filler used to release a pending polling request.
    case noop = 6
}

/// The data carried by an Engine.IO packet.
public enum EngineIOData: Sendable, Hashable {
    /// UTF-8 text.
    case text(String)
    /// Raw bytes; only `message` packets carry binary.
    case binary(ByteBuffer)
}

/// One Engine.IO v4 packet.
public struct EngineIOPacket: Sendable, Hashable {
    /// The packet type.
    public var type: EngineIOPacketType
    /// The payload; binary only for `message`.
    public var data: EngineIOData

    /// Creates a packet with text data (empty by default).
    public init(_ type: EngineIOPacketType, _ text: String = "") {
        self.type = type
        self.data = .text(text)
    }

    /// Creates a binary `message` packet.
    public init(binary: ByteBuffer) {
        self.type = .message
        self.data = .binary(binary)
    }

    /// Creates a `message` packet from data.
    public init(message: EngineIOData) {
        self.type = .message
        self.data = message
    }

    /// The text encoding `<type><data>` used in text WebSocket frames; `nil` for binary packets.
    public var encodedText: String? {
        guard case .text(let text) = self.data else { return nil }
        return String(self.type.rawValue) + text
    }

    /// Decodes a text WebSocket frame or a text item of a polling payload.
    ///
    /// - Throws: ``SocketIOError/invalidEngineIOPacket`` if the first character is not a packet type.
    public init(decodingText text: Substring) throws {
        guard let first = text.utf8.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "6"),
            let type = EngineIOPacketType(rawValue: first - UInt8(ascii: "0"))
        else { throw SocketIOError.invalidEngineIOPacket }
        self.type = type
        self.data = .text(String(text.dropFirst()))
    }

    /// Decodes a text WebSocket frame.
    public init(decodingText text: String) throws {
        try self.init(decodingText: text[...])
    }

    /// The item as written in a polling payload: `<type><text>` or `b<base64>`.
    public var pollingItem: String {
        switch self.data {
        case .text(let text): return String(self.type.rawValue) + text
        case .binary(let buffer): return "b" + Data(buffer.readableBytesView).base64EncodedString()
        }
    }
}

/// Polling payload framing: packets joined by the record separator `\u{1E}`, binary as `b<base64>`.
public enum EngineIOPayload {
    /// The record separator between packets.
    public static let separator: Character = "\u{1E}"

    /// Encodes packets for a polling GET response body.
    public static func encode(_ packets: [EngineIOPacket]) -> String {
        packets.map(\.pollingItem).joined(separator: String(self.separator))
    }

    /// Decodes a polling POST body.
    ///
    /// - Throws: ``SocketIOError/invalidPayload`` for invalid UTF-8, an empty item, an unknown type or bad base64.
    public static func decode(_ body: ByteBuffer) throws -> [EngineIOPacket] {
        guard let text = String(validating: body.readableBytesView, as: UTF8.self) else { throw SocketIOError.invalidPayload }
        return try self.decode(text)
    }

    /// Decodes a polling payload string.
    public static func decode(_ text: String) throws -> [EngineIOPacket] {
        var packets: [EngineIOPacket] = []
        for item in text.split(separator: self.separator, omittingEmptySubsequences: false) {
            if item.utf8.first == UInt8(ascii: "b") {
                guard let data = Data(base64Encoded: String(item.dropFirst())) else { throw SocketIOError.invalidPayload }
                packets.append(EngineIOPacket(binary: ByteBuffer(bytes: data)))
            } else {
                do {
                    packets.append(try EngineIOPacket(decodingText: item))
                } catch {
                    throw SocketIOError.invalidPayload
                }
            }
        }
        return packets
    }
}
