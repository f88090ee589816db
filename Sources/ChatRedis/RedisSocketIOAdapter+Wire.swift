import NIOCore
import SocketIO

/// One message between the Redis Socket.IO adapters of different nodes.
///
/// Layout (all integers big-endian): version `UInt8` (1), kind `UInt8`, header length `UInt32` and a JSON object
/// (sender uid, request id, target, rooms to join or leave), then a packet flag `UInt8`; with a packet, the Socket.IO
/// text encoding (length `UInt32` + UTF-8) and the binary attachments (count `UInt16`, each length `UInt32` + bytes),
/// exactly as `SocketIOPacket.encode()` produces them for Engine.IO. So binary payloads cross nodes as raw bytes.
struct RedisSocketIOEnvelope: Sendable, Hashable {
    enum Kind: UInt8, Sendable {
        case broadcast = 1
        case fetchSockets = 2
        case updateRooms = 3
        case serverSideEmit = 4
        case serverSideEmitWithAck = 5
        case fetchSocketsResponse = 6
        case serverSideEmitResponse = 7
    }

    static let version: UInt8 = 1
    /// More attachments than any sane packet carries: a corrupt count must not allocate without bound.
    static let maxAttachments = 10_000

    var kind: Kind
    /// The sending adapter's node uid; a node ignores its own messages.
    var uid: String
    /// Pairs a request with its responses.
    var requestID: String?
    /// Which sockets a broadcast, fetch or room update reaches on the receiving node.
    var target: SocketIOBroadcastTarget?
    var join: Set<String> = []
    var leave: Set<String> = []
    /// The Socket.IO packet: the broadcast packet, the server-side event (`[name, args…]`) or a reply (`[args…]`).
    var packet: SocketIOPacket?

    func encode() -> ByteBuffer {
        var header = JSONObject()
        header["uid"] = .string(self.uid)
        if let requestID = self.requestID { header["rid"] = .string(requestID) }
        if let target = self.target {
            header["rooms"] = .array(target.rooms.sorted().map { .string($0) })
            header["except"] = .array(target.except.sorted().map { .string($0) })
            header["volatile"] = .bool(target.isVolatile)
        }
        if !self.join.isEmpty { header["join"] = .array(self.join.sorted().map { .string($0) }) }
        if !self.leave.isEmpty { header["leave"] = .array(self.leave.sorted().map { .string($0) }) }
        let headerText = JSONValue.object(header).jsonString
        var buffer = ByteBuffer()
        buffer.writeInteger(Self.version)
        buffer.writeInteger(self.kind.rawValue)
        buffer.writeInteger(UInt32(headerText.utf8.count))
        buffer.writeString(headerText)
        guard let packet = self.packet else {
            buffer.writeInteger(UInt8(0))
            return buffer
        }
        let encoded = packet.encode()
        buffer.writeInteger(UInt8(1))
        buffer.writeInteger(UInt32(encoded.text.utf8.count))
        buffer.writeString(encoded.text)
        buffer.writeInteger(UInt16(encoded.attachments.count))
        for attachment in encoded.attachments {
            buffer.writeInteger(UInt32(attachment.readableBytes))
            buffer.writeImmutableBuffer(attachment)
        }
        return buffer
    }

    init(
        kind: Kind,
        uid: String,
        requestID: String? = nil,
        target: SocketIOBroadcastTarget? = nil,
        join: Set<String> = [],
        leave: Set<String> = [],
        packet: SocketIOPacket? = nil
    ) {
        self.kind = kind
        self.uid = uid
        self.requestID = requestID
        self.target = target
        self.join = join
        self.leave = leave
        self.packet = packet
    }

    init(decoding payload: ByteBuffer) throws {
        var buffer = payload
        guard buffer.readInteger(as: UInt8.self) == Self.version, let rawKind = buffer.readInteger(as: UInt8.self),
            let kind = Kind(rawValue: rawKind), let headerLength = buffer.readInteger(as: UInt32.self),
            let headerBytes = buffer.readSlice(length: Int(headerLength))
        else { throw RedisSocketIOWireError("bad envelope header") }
        let header = try JSONValue(parsing: headerBytes.readableBytesView)
        guard let uid = header["uid"]?.stringValue else { throw RedisSocketIOWireError("envelope without uid") }
        self.kind = kind
        self.uid = uid
        self.requestID = header["rid"]?.stringValue
        if let rooms = header["rooms"] {
            self.target = SocketIOBroadcastTarget(
                rooms: Self.strings(rooms),
                except: Self.strings(header["except"]),
                isVolatile: header["volatile"]?.boolValue ?? false
            )
        }
        self.join = Self.strings(header["join"])
        self.leave = Self.strings(header["leave"])
        guard let hasPacket = buffer.readInteger(as: UInt8.self) else { throw RedisSocketIOWireError("truncated envelope") }
        guard hasPacket == 1 else { return }
        guard let textLength = buffer.readInteger(as: UInt32.self), let text = buffer.readString(length: Int(textLength)),
            let count = buffer.readInteger(as: UInt16.self), Int(count) <= Self.maxAttachments
        else { throw RedisSocketIOWireError("truncated packet") }
        var decoder = SocketIOPacketDecoder(maxAttachments: Int(count))
        var packet = try decoder.decode(.text(text))
        for _ in 0..<count {
            guard let length = buffer.readInteger(as: UInt32.self), let attachment = buffer.readSlice(length: Int(length)) else {
                throw RedisSocketIOWireError("truncated attachment")
            }
            packet = try decoder.decode(.binary(attachment))
        }
        guard let packet else { throw RedisSocketIOWireError("missing attachments") }
        self.packet = packet
    }

    private static func strings(_ value: JSONValue?) -> Set<String> {
        Set((value?.arrayValue ?? []).compactMap(\.stringValue))
    }
}

/// A message from another node that this node cannot read (a different version, or corrupt bytes).
struct RedisSocketIOWireError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension SocketIOSocketSnapshot {
    /// The snapshot as a JSON object, for a `fetchSockets` response.
    var jsonValue: JSONValue {
        var query = JSONObject()
        for (key, value) in self.query.sorted(by: { $0.key < $1.key }) { query[key] = .string(value) }
        return [
            "id": .string(self.id),
            "nsp": .string(self.namespace),
            "rooms": .array(self.rooms.sorted().map { .string($0) }),
            "data": self.data,
            "auth": self.auth,
            "query": .object(query),
        ]
    }

    /// A snapshot from its JSON form; nil when the id or namespace is missing.
    init?(jsonValue value: JSONValue) {
        guard let id = value["id"]?.stringValue, let namespace = value["nsp"]?.stringValue else { return nil }
        var query: [String: String] = [:]
        for member in value["query"]?.objectValue?.members ?? [] {
            if let string = member.value.stringValue { query[member.key] = string }
        }
        self.init(
            id: id,
            namespace: namespace,
            rooms: Set((value["rooms"]?.arrayValue ?? []).compactMap(\.stringValue)),
            data: value["data"] ?? .null,
            auth: value["auth"] ?? .null,
            query: query
        )
    }
}
